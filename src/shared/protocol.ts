// The trainer wire protocol: typed messages between a trainer (the tfjs child
// process, or any trainer in another language: the Python probe) and its
// client (the CLI or the debug adapter). One union per direction; requests
// carry a `requestId` and are answered by exactly one `reply` with the same id.
// Every message is plain JSON (non-finite numbers spelled as in
// src/shared/json.ts), framed as one JSON object per line on a byte stream.
// docs/protocol.md describes it for other languages; schema/protocol.schema.json
// is generated from these types.

import type { BackendChoice, BackendReport, DiagnosticKind, EpochStats, ModelTopology, RunSettings, StepStats, StopReason, TrainingDiagnostic } from './stats';

/** A user-facing error: where it is and what is wrong, never a stack trace. */
export interface UserErrorInfo {
  /** The file the error is about (model spec, data file, module). */
  file?: string;
  /** 1-based line and column in `file`, when a position applies. */
  line?: number;
  column?: number;
  /** Dotted path of the spec field, e.g. `model.layers[2].units`. */
  field?: string;
  message: string;
}

export interface TrainOptions {
  modelFile: string;
  epochs?: number;
  steps?: number;
  batchSize?: number;
  backend?: BackendChoice;
  /** Threads the native wasm kernels split their work over (default: the machine's cores); any count gives the same bits. */
  threads?: number;
  seed?: number;
  shuffle?: boolean;
  traceFile?: string;
  checkpointDir?: string;
  statsEvery?: number;
  histogramsEvery?: number;
  /** Pause before the first step. */
  stopOnEntry?: boolean;
  /** Diagnostic kinds that pause training when they fire. */
  breakOn?: DiagnosticKind[];
  breakpoints?: BreakpointSpec[];
  /**
   * When set, an invalid breakpoint is a fatal error on this field (the CLI's
   * `--break-when`) instead of an unverified breakpoint (the debugger's way).
   */
  strictBreakpoints?: { field: string };
  /** Diagnostic thresholds (as in the spec's `diagnostics` section), applied over the spec's own. */
  diagnostics?: Record<string, unknown>;
  /** Folder that data paths must stay inside (untrusted workspaces); unset = anywhere. */
  dataRoot?: string;
  /** A PyTorch script (`modelFile` ending in `.py`): the Python interpreter that runs it (default `python3`). */
  python?: string;
  /** A PyTorch script: its command-line arguments (`sys.argv[1:]`). */
  scriptArgs?: string[];
}

export interface BreakpointSpec {
  id: number;
  /** Expression over the step's numbers; the breakpoint fires when it is true (non-zero). */
  condition: string;
  /** `N`, `>= N`, `% N` etc.: fire only on matching hit counts. */
  hitCondition?: string;
}

export interface BreakpointStatus {
  id: number;
  verified: boolean;
  message?: string;
}

/**
 * Version of this protocol. A trainer says which it speaks in its first
 * message (`hello`); the client says it in `start`. Either side refuses a
 * different version with an error naming both. 1 was the Node-IPC protocol of
 * releases before the wire protocol; 2 is the first plain-JSON one.
 */
export const PROTOCOL_VERSION = 2;

/** Why training is paused. */
export interface StopInfo {
  reason: StopReason;
  /** Updates applied so far (the paused step). */
  step: number;
  epoch: number;
  /** 0-based batch of the paused step within its epoch. */
  batch: number;
  /** Set when `reason` is `breakpoint`. */
  breakpointId?: number;
  /** Set when `reason` is `diagnostic`: the diagnostic that fired. */
  diagnostic?: TrainingDiagnostic;
  /** Full statistics (with histograms) at the pause; absent at entry and after a step back. */
  stats?: StepStats;
}

// ---- client → trainer ------------------------------------------------------

export type TrainerCommand =
  | { type: 'start'; protocol: number; options: TrainOptions }
  | { type: 'continue' }
  | { type: 'pause' }
  | { type: 'stepBatch' }
  | { type: 'stepEpoch' }
  | { type: 'stepBack'; requestId: number }
  | { type: 'stop' }
  | { type: 'setBreakpoints'; requestId: number; breakpoints: BreakpointSpec[] }
  | { type: 'setBreakOn'; kinds: DiagnosticKind[] }
  | { type: 'setLearningRate'; requestId: number; value: number }
  | { type: 'evaluate'; requestId: number; expression: string }
  /**
   * The first frame a client sends to a run's debugger endpoint
   * (`neural-debugger train … --listen`), before anything else: the endpoint
   * answers with `hello` and the run's events so far, or a fatal `error` and
   * closes the connection (docs/remote.md). Never sent to a trainer child.
   */
  | { type: 'attach'; protocol: number; token: string }
  /** A note for the run's record: the trainer emits it as a warning `log` event (so it is in the trace). */
  | { type: 'annotate'; message: string };

// ---- trainer → client ------------------------------------------------------

export type TrainerEvent =
  /** The trainer's first message: the protocol version it speaks and what it is (e.g. `tfjs 4.22.0`, `pytorch 1.13.1`). */
  | { type: 'hello'; protocol: number; trainer: string }
  | { type: 'progress'; message: string }
  | { type: 'backend'; report: BackendReport }
  | { type: 'header'; topology: ModelTopology; settings: RunSettings; backend: BackendReport }
  | { type: 'step'; stats: StepStats }
  | { type: 'epoch'; stats: EpochStats }
  | { type: 'diagnostic'; diagnostic: TrainingDiagnostic }
  | ({ type: 'stopped' } & StopInfo)
  | { type: 'resumed' }
  /** The learning rate changed: the new rate applies from update `step + 1` on. */
  | { type: 'learningRate'; step: number; from: number; to: number }
  /**
   * Weights and optimizer state were restored to an earlier point (step
   * back): the next step has `step + 1`; steps and epochs after `step` that
   * came before this event are superseded.
   */
  | { type: 'restored'; epoch: number; step: number; fromStep: number }
  | { type: 'reply'; requestId: number; ok: true; result: unknown }
  | { type: 'reply'; requestId: number; ok: false; error: string }
  | { type: 'breakpoints'; statuses: BreakpointStatus[] }
  | {
      type: 'finished';
      reason: 'completed' | 'stopped';
      steps: number;
      epochs: number;
      test: { loss: number; metrics: Record<string, number> } | null;
    }
  /**
   * `killed` is never sent by a trainer: a client sets it on the fatal error it
   * records in the trace for a trainer that died without reporting one
   * (signal, crash, out of memory).
   */
  | { type: 'error'; error: UserErrorInfo; fatal: boolean; killed?: true }
  | { type: 'log'; level: 'info' | 'warning'; message: string };

type TrainerEventType = TrainerEvent['type'];
/** A trainer event of one type. */
export type TrainerEventOf<T extends TrainerEventType> = Extract<TrainerEvent, { type: T }>;

export function formatUserError(e: UserErrorInfo): string {
  if (e.file && e.line !== undefined) {
    return `${e.file}:${e.line}:${e.column ?? 1}: error: ${e.message}`;
  }
  if (e.file && e.field) return `${e.file}: error: ${e.field}: ${e.message}`;
  if (e.file) return `${e.file}: error: ${e.message}`;
  if (e.field) return `error: ${e.field}: ${e.message}`;
  return `error: ${e.message}`;
}
