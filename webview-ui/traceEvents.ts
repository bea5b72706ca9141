// A recorded run as the stream of trainer events it was live: the report's
// static "host" and the tests feed these to the same views as a debug session.

import type { TrainerEvent } from '../src/shared/protocol';
import type { TraceRecord } from '../src/shared/trace/format';

export function traceRecordToEvents(record: TraceRecord): TrainerEvent[] {
  switch (record.kind) {
    case 'header':
      return [
        { type: 'backend', report: record.backend },
        { type: 'header', topology: record.topology, settings: record.settings, backend: record.backend },
      ];
    case 'step':
      return [{ type: 'step', stats: record.stats }];
    case 'epoch':
      return [{ type: 'epoch', stats: record.stats }];
    case 'diagnostic':
      return [{ type: 'diagnostic', diagnostic: record.diagnostic }];
    case 'stop':
      return [
        {
          type: 'stopped',
          reason: record.reason,
          step: record.step,
          epoch: record.epoch,
          batch: record.batch,
          ...(record.breakpointId !== undefined ? { breakpointId: record.breakpointId } : {}),
        },
      ];
    case 'resume':
      return [{ type: 'resumed' }];
    case 'end':
      if (record.reason === 'error' || record.reason === 'killed') {
        return [{ type: 'error', error: record.error ?? { message: `the run was ${record.reason}` }, fatal: true }];
      }
      return [{ type: 'finished', reason: record.reason, steps: record.steps, epochs: record.epochs, test: record.test }];
    case 'lr':
    case 'restore':
      // A restore shows in the stream as the next step record having a smaller
      // step number, which the store treats as a rewind.
      return [];
  }
}

export function traceToEvents(records: readonly TraceRecord[]): TrainerEvent[] {
  return records.flatMap(traceRecordToEvents);
}
