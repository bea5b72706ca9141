// Reading traces of format version 1 (releases before the wire protocol):
// one record per line with a `kind` field, named differently from the events
// (stop/resume/lr/restore/end). `upgradeV1Record` turns each into the
// records (as version 2 introduced them) a current trainer would have written
// for the same moment, so that everything downstream knows one format. No
// Node imports.

import type { UserErrorInfo } from '../protocol';
import type { StepStats, TrainingDiagnostic } from '../stats';
import { killedRecord, TRACE_FORMAT, TRACE_FORMAT_VERSION, type TraceRecord } from './format';

export const V1_RECORD_KINDS = ['header', 'step', 'epoch', 'diagnostic', 'stop', 'resume', 'lr', 'restore', 'end'] as const;

/** A version 1 record after a check of its `kind` and `time` only: fields are read defensively and checked after the upgrade. */
export type V1Record = Record<string, unknown> & { kind: (typeof V1_RECORD_KINDS)[number]; time: number };

/** What earlier records of the same trace tell about a later one: version 1 `stop` records kept only ids. */
export interface V1UpgradeState {
  /** Latest record of each diagnostic id. */
  diagnostics: Map<string, TrainingDiagnostic>;
  /** The latest step record since the last restore. */
  lastStep: StepStats | null;
}

export function newV1UpgradeState(): V1UpgradeState {
  return { diagnostics: new Map(), lastStep: null };
}

function field<T>(record: Record<string, unknown>, name: string): T {
  return record[name] as T;
}

/**
 * The version 2 records for one version 1 record, in order (a `restore` gives
 * two: `restored`, then the `stopped` at the restored point a current trainer
 * also writes). Updates `state` with what later records need.
 */
export function upgradeV1Record(record: V1Record, state: V1UpgradeState): TraceRecord[] {
  const time = record.time;
  switch (record.kind) {
    case 'header':
      return [
        {
          type: 'header',
          time,
          format: TRACE_FORMAT,
          version: TRACE_FORMAT_VERSION,
          topology: field(record, 'topology'),
          settings: field(record, 'settings'),
          backend: field(record, 'backend'),
        },
      ];
    case 'step': {
      const stats = field<StepStats>(record, 'stats');
      state.lastStep = stats;
      return [{ type: 'step', time, stats }];
    }
    case 'epoch':
      return [{ type: 'epoch', time, stats: field(record, 'stats') }];
    case 'diagnostic': {
      const diagnostic = field<TrainingDiagnostic>(record, 'diagnostic');
      if (typeof diagnostic?.id === 'string') state.diagnostics.set(diagnostic.id, diagnostic);
      return [{ type: 'diagnostic', time, diagnostic }];
    }
    case 'stop': {
      const step = field<number>(record, 'step');
      const breakpointId = field<number | undefined>(record, 'breakpointId');
      const diagnosticId = field<string | undefined>(record, 'diagnosticId');
      const diagnostic = diagnosticId === undefined ? undefined : state.diagnostics.get(diagnosticId);
      // A current trainer writes the paused step's statistics with
      // histograms; they are known here when that step recorded them itself
      // (otherwise the trainer measured them again at the pause).
      const last = state.lastStep;
      const stats = last !== null && last.step === step && last.withHistograms ? last : undefined;
      return [
        {
          type: 'stopped',
          time,
          reason: field(record, 'reason'),
          step,
          epoch: field(record, 'epoch'),
          batch: field(record, 'batch'),
          ...(breakpointId !== undefined ? { breakpointId } : {}),
          ...(diagnostic !== undefined ? { diagnostic } : {}),
          ...(stats !== undefined ? { stats } : {}),
        },
      ];
    }
    case 'resume':
      return [{ type: 'resumed', time }];
    case 'lr': {
      // Version 1 wrote the first update with the new rate; the event has the updates applied before it.
      const step = field<number>(record, 'step');
      return [{ type: 'learningRate', time, step: typeof step === 'number' ? step - 1 : step, from: field(record, 'from'), to: field(record, 'to') }];
    }
    case 'restore': {
      const epoch = field<number>(record, 'epoch');
      const step = field<number>(record, 'step');
      state.lastStep = null;
      return [
        { type: 'restored', time, epoch, step, fromStep: field(record, 'fromStep') },
        { type: 'stopped', time, reason: 'step', step, epoch, batch: 0 },
      ];
    }
    case 'end':
      return [upgradeEnd(record)];
  }
}

function upgradeEnd(record: V1Record): TraceRecord {
  const time = record.time;
  const reason = field<string>(record, 'reason');
  const error = field<UserErrorInfo | null>(record, 'error');
  if (reason === 'killed') {
    // The parent wrote its message and the last step it saw, as it does now.
    return killedRecord(error?.message ?? 'the trainer process was killed', field(record, 'steps'), time);
  }
  if (reason === 'error') return { type: 'error', time, fatal: true, error: error ?? { message: 'the run failed' } };
  return {
    type: 'finished',
    time,
    reason: reason as 'completed' | 'stopped',
    steps: field(record, 'steps'),
    epochs: field(record, 'epochs'),
    test: field(record, 'test'),
  };
}
