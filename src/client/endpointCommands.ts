// What an attached debugger may send through a run's endpoint
// (src/client/endpoint.ts): each frame is checked field by field and rebuilt
// from the checked fields only, so the trainer never sees a command it could
// choke on. A frame that fails is a reason to close that connection; the run
// goes on.

import { isDiagnosticKind } from '../shared/diagnosticKinds';
import type { BreakpointSpec, TrainerCommand } from '../shared/protocol';

/** Bounds on what one command may carry (far above what the debug adapter sends). */
const MAX_BREAKPOINTS = 1000;
const MAX_TEXT_CHARS = 10_000;

type Command = Exclude<TrainerCommand, { type: 'start' } | { type: 'attach' }>;
type Request = Extract<Command, { requestId: number }>;

/** A checked command: requests keep the client's `requestId` apart (the endpoint numbers its own). */
export type ClientCommand =
  { kind: 'command'; command: Exclude<Command, Request> } | { kind: 'request'; requestId: number; command: DistributiveOmit<Request, 'requestId'> };

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

/** The command in `value`, or why it is refused. */
export function parseClientCommand(value: unknown): ClientCommand | { refused: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { refused: 'a frame that is not a JSON object' };
  const frame = value as Record<string, unknown>;
  const type = frame.type;
  switch (type) {
    case 'continue':
    case 'pause':
    case 'stepBatch':
    case 'stepEpoch':
    case 'stop':
      return { kind: 'command', command: { type } };
    case 'setBreakOn': {
      const kinds = frame.kinds;
      if (!Array.isArray(kinds) || !kinds.every(isDiagnosticKind)) return { refused: "'setBreakOn' needs 'kinds', an array of diagnostic kinds" };
      return { kind: 'command', command: { type, kinds } };
    }
    case 'annotate':
      if (!isText(frame.message)) return { refused: `'annotate' needs 'message', a string of at most ${MAX_TEXT_CHARS} characters` };
      return { kind: 'command', command: { type, message: frame.message } };
    case 'start':
    case 'attach':
      return { refused: `a '${type}' command: the run is already started and this debugger is attached` };
  }
  const requestId = frame.requestId;
  if (!Number.isSafeInteger(requestId)) return { refused: `'${String(type).slice(0, 40)}' is not a command of protocol 2 or lacks its integer 'requestId'` };
  const request = (command: DistributiveOmit<Request, 'requestId'>): ClientCommand => ({ kind: 'request', requestId: requestId as number, command });
  switch (type) {
    case 'stepBack':
      return request({ type });
    case 'setLearningRate':
      if (typeof frame.value !== 'number' || !Number.isFinite(frame.value)) return { refused: "'setLearningRate' needs 'value', a finite number" };
      return request({ type, value: frame.value });
    case 'evaluate':
      if (!isText(frame.expression)) return { refused: `'evaluate' needs 'expression', a string of at most ${MAX_TEXT_CHARS} characters` };
      return request({ type, expression: frame.expression });
    case 'setBreakpoints': {
      const breakpoints = parseBreakpoints(frame.breakpoints);
      if (!breakpoints) {
        return { refused: `'setBreakpoints' needs 'breakpoints', at most ${MAX_BREAKPOINTS} of { id: integer, condition: string, hitCondition?: string }` };
      }
      return request({ type, breakpoints });
    }
    default:
      return { refused: `'${String(type).slice(0, 40)}' is not a command of protocol 2` };
  }
}

function parseBreakpoints(value: unknown): BreakpointSpec[] | null {
  if (!Array.isArray(value) || value.length > MAX_BREAKPOINTS) return null;
  const breakpoints: BreakpointSpec[] = [];
  for (const item of value as unknown[]) {
    if (typeof item !== 'object' || item === null) return null;
    const { id, condition, hitCondition } = item as Record<string, unknown>;
    if (!Number.isSafeInteger(id) || !isText(condition) || (hitCondition !== undefined && !isText(hitCondition))) return null;
    breakpoints.push({ id: id as number, condition, ...(hitCondition !== undefined ? { hitCondition } : {}) });
  }
  return breakpoints;
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_TEXT_CHARS;
}
