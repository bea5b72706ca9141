// A paused run as DAP shows it: the stopped event, the call stack and the
// exception widget. The call stack is one thread "training" with three
// frames, the current batch, its epoch and the run, each pointing at the
// model file. For JSON specs the batch frame points at the line of the layer
// the stop is about (a diagnostic's first layer, or the layer a breakpoint
// reads), the epoch frame at `training.epochs` and the run frame at the
// spec's `name`.

import * as path from 'node:path';
import { Source, StackFrame, StoppedEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { TRAINING_THREAD_ID } from '../shared/debugEvents';
import type { StopInfo } from '../shared/protocol';
import type { TrainingDiagnostic } from '../shared/stats';
import type { SpecFrameLines } from '../spec/modelFiles';
import { formatEvidence } from './format';
import type { RunState } from './runState';
import type { FrameKind } from './variables';

export const THREAD_NAME = 'training';

const FRAMES: readonly { id: number; kind: FrameKind }[] = [
  { id: 1, kind: 'batch' },
  { id: 2, kind: 'epoch' },
  { id: 3, kind: 'run' },
];

export function frameKind(frameId: number): FrameKind {
  return (FRAMES.find((f) => f.id === frameId) ?? FRAMES[0]).kind;
}

/**
 * The DAP stopped event of a pause. A diagnostic stop is an 'exception' (the
 * workbench then asks for exceptionInfo, below); a step back stops with
 * reason 'step'.
 */
export function stoppedEvent(info: StopInfo): DebugProtocol.StoppedEvent {
  const event = new StoppedEvent(info.reason === 'diagnostic' ? 'exception' : info.reason, TRAINING_THREAD_ID) as DebugProtocol.StoppedEvent;
  if (info.reason === 'breakpoint' && info.breakpointId !== undefined) event.body.hitBreakpointIds = [info.breakpointId];
  if (info.reason === 'diagnostic' && info.diagnostic) {
    event.body.description = `Paused on ${info.diagnostic.kind}`;
    event.body.text = info.diagnostic.explanation;
  }
  return event;
}

/** `layerOfBreakpoint` maps a function breakpoint id to the layer its expression reads. */
export function stackFrames(state: RunState, layerOfBreakpoint: (id: number) => string | null, specLines: SpecFrameLines = {}): DebugProtocol.StackFrame[] {
  const { settings, topology, current, stop } = state;
  if (!settings || !topology) return [];
  const source = new Source(path.basename(settings.modelFile), settings.modelFile);
  const names: Record<FrameKind, string> = {
    batch: current ? `batch ${current.batch + 1}/${current.batchesPerEpoch} (step ${current.step})` : 'before the first batch',
    epoch: `epoch ${current?.epoch ?? stop?.epoch ?? 1}/${settings.epochs || '?'}`,
    run: `train ${topology.name}`,
  };
  if (stop?.diagnostic) names.batch += ` — ${stop.diagnostic.kind}`;
  const layer = stop?.diagnostic?.layers[0] ?? (stop?.breakpointId !== undefined ? layerOfBreakpoint(stop.breakpointId) : null);
  const lines: Record<FrameKind, number> = {
    batch: topology.layers.find((l) => l.name === layer)?.specLine ?? 1,
    epoch: specLines.epochs ?? 1,
    run: specLines.name ?? 1,
  };
  return FRAMES.map((f) => new StackFrame(f.id, names[f.kind], source, lines[f.kind], 1));
}

/** What the exception widget shows for a diagnostic stop: explanation, evidence, remedies. */
export function exceptionInfo(d: TrainingDiagnostic): DebugProtocol.ExceptionInfoResponse['body'] {
  const where = d.layers.length > 0 ? ` [${d.layers.join(', ')}]` : '';
  const remedies = d.remedies.map((r) => `  - ${r}`).join('\n');
  const explanation = notAPath(d.explanation);
  return {
    exceptionId: d.kind,
    description: explanation,
    breakMode: 'always',
    details: {
      message: explanation,
      typeName: d.kind,
      fullTypeName: `${d.severity}: ${d.kind}${where}`,
      stackTrace: notAPath(`evidence: ${formatEvidence(d)}\nat epoch ${d.epoch}, step ${d.step}${where}\nremedies:\n${remedies}`),
    },
  };
}

/**
 * The exception widget turns anything that looks like a file path into a
 * link ("sigmoid/tanh hidden activations" underlined from "/tanh"): its
 * text spells a slash as U+2215 DIVISION SLASH, which looks the same and is
 * no path separator.
 */
function notAPath(text: string): string {
  return text.replaceAll('/', '\u2215');
}
