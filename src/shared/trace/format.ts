// Records of a run trace: a JSON Lines file, one record per line, written by
// the trainer as it goes and read back by the CLI report and the webview.
// Format description: docs/trace-format.md. This module has no Node imports so
// that browser bundles can use it.

import { decodeJson, encodeJson } from '../json';
import type { UserErrorInfo } from '../protocol';
import type {
  BackendReport,
  EpochStats,
  ModelTopology,
  RunSettings,
  StepStats,
  StopReason,
  TrainingDiagnostic,
} from '../stats';

/** Value of the header's `format` field: identifies a file as a Neural Debugger trace. */
export const TRACE_FORMAT = 'neural-debugger-trace';
/** The format version this code writes and the only one it reads. */
export const TRACE_FORMAT_VERSION = 1;

interface RecordBase {
  /** Milliseconds since the Unix epoch when the record was written. */
  time: number;
}

/** First record of every trace; `time` is the start of the run. */
export interface TraceHeaderRecord extends RecordBase {
  kind: 'header';
  format: typeof TRACE_FORMAT;
  version: number;
  backend: BackendReport;
  topology: ModelTopology;
  settings: RunSettings;
}

export interface TraceStepRecord extends RecordBase {
  kind: 'step';
  stats: StepStats;
}

export interface TraceEpochRecord extends RecordBase {
  kind: 'epoch';
  stats: EpochStats;
}

export interface TraceDiagnosticRecord extends RecordBase {
  kind: 'diagnostic';
  diagnostic: TrainingDiagnostic;
}

/** Training paused. */
export interface TraceStopRecord extends RecordBase {
  kind: 'stop';
  reason: StopReason;
  step: number;
  epoch: number;
  batch: number;
  /** Set when `reason` is `breakpoint`. */
  breakpointId?: number;
  /** Set when `reason` is `diagnostic`: the `id` of the diagnostic that fired. */
  diagnosticId?: string;
}

/** Training continued after a `stop`. */
export interface TraceResumeRecord extends RecordBase {
  kind: 'resume';
}

/** The learning rate was changed during the run. */
export interface TraceLearningRateRecord extends RecordBase {
  kind: 'lr';
  /** Updates applied when the rate changed: the new rate applies from update `step + 1` on. */
  step: number;
  from: number;
  to: number;
}

/**
 * Weights and optimizer state were restored to an earlier point ("step back").
 * Step and epoch records written before it with a step greater than `step`
 * are superseded by the ones that follow.
 */
export interface TraceRestoreRecord extends RecordBase {
  kind: 'restore';
  /** The epoch of the restored point, numbered as in StepStats. */
  epoch: number;
  /** Updates applied at the restored point: the next step record has `step + 1`. */
  step: number;
  /** The global step the run was at before the restore. */
  fromStep: number;
}

export type TraceEndReason = 'completed' | 'stopped' | 'error' | 'killed';

/** Last record of a run that ended normally, was stopped, failed, or was killed (written by the parent). */
export interface TraceEndRecord extends RecordBase {
  kind: 'end';
  reason: TraceEndReason;
  /** Updates applied in total. */
  steps: number;
  /** Epochs completed. */
  epochs: number;
  /** Test-set evaluation, when there is a test set and the run completed. */
  test: { loss: number; metrics: Record<string, number> } | null;
  /** Set when `reason` is `error`. */
  error: UserErrorInfo | null;
}

export type TraceRecord =
  | TraceHeaderRecord
  | TraceStepRecord
  | TraceEpochRecord
  | TraceDiagnosticRecord
  | TraceStopRecord
  | TraceResumeRecord
  | TraceLearningRateRecord
  | TraceRestoreRecord
  | TraceEndRecord;

export type TraceRecordKind = TraceRecord['kind'];

export const TRACE_RECORD_KINDS: readonly TraceRecordKind[] = [
  'header',
  'step',
  'epoch',
  'diagnostic',
  'stop',
  'resume',
  'lr',
  'restore',
  'end',
];

/** One trace line, without the newline. `kind` always comes first. */
export function encodeTraceRecord(record: TraceRecord): string {
  // Key order is creation order: `kind` first lets a writer recognize a trace
  // by its first bytes.
  const ordered: Record<string, unknown> = { kind: record.kind };
  Object.assign(ordered, record);
  return encodeJson(ordered);
}

/**
 * Parses one trace line (JSON.parse errors propagate). Does not check that the
 * value is a valid record: see `parseTrace`.
 */
export function decodeTraceLine(line: string): unknown {
  return decodeJson(line);
}
