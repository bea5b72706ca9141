// Typed messages between the trainer child process and its parent (the CLI or
// the debug adapter). One union per direction; requests carry a `requestId`
// and are answered by exactly one `reply` with the same id.

import type {
  BackendChoice,
  BackendReport,
  DiagnosticKind,
  EpochStats,
  ModelTopology,
  RunSettings,
  StepStats,
  StopReason,
  TrainingDiagnostic,
} from './stats';

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

// ---- parent → trainer ------------------------------------------------------

export type TrainerCommand =
  | { type: 'start'; options: TrainOptions }
  | { type: 'continue' }
  | { type: 'pause' }
  | { type: 'stepBatch' }
  | { type: 'stepEpoch' }
  | { type: 'stepBack'; requestId: number }
  | { type: 'stop' }
  | { type: 'setBreakpoints'; requestId: number; breakpoints: BreakpointSpec[] }
  | { type: 'setBreakOn'; kinds: DiagnosticKind[] }
  | { type: 'setLearningRate'; requestId: number; value: number }
  | { type: 'evaluate'; requestId: number; expression: string };

// ---- trainer → parent ------------------------------------------------------

export type TrainerEvent =
  | { type: 'progress'; message: string }
  | { type: 'backend'; report: BackendReport }
  | { type: 'header'; topology: ModelTopology; settings: RunSettings; backend: BackendReport }
  | { type: 'step'; stats: StepStats }
  | { type: 'epoch'; stats: EpochStats }
  | { type: 'diagnostic'; diagnostic: TrainingDiagnostic }
  | {
      type: 'stopped';
      reason: StopReason;
      step: number;
      epoch: number;
      batch: number;
      breakpointId?: number;
      diagnostic?: TrainingDiagnostic;
      /** Full statistics (with histograms) at the pause. */
      stats?: StepStats;
    }
  | { type: 'resumed' }
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
  | { type: 'error'; error: UserErrorInfo; fatal: boolean }
  | { type: 'log'; level: 'info' | 'warning'; message: string };

/**
 * What crosses the trainer's IPC channel: one event, or several in order. A
 * fast run makes thousands of steps a second; the child sends them in batches
 * (src/trainer/eventBatcher.ts) so that the parent handles a few dozen
 * messages a second instead. The parent unwraps them (TrainerProcess).
 */
export type TrainerMessage = TrainerEvent | { type: 'batch'; events: TrainerEvent[] };

export function formatUserError(e: UserErrorInfo): string {
  if (e.file && e.line !== undefined) {
    return `${e.file}:${e.line}:${e.column ?? 1}: error: ${e.message}`;
  }
  if (e.file && e.field) return `${e.file}: error: ${e.field}: ${e.message}`;
  if (e.file) return `${e.file}: error: ${e.message}`;
  if (e.field) return `error: ${e.field}: ${e.message}`;
  return `error: ${e.message}`;
}
