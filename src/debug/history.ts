// Every trainer event of the run, for a host that missed the run's start
// (`neuralDebugger.history`): the shared bounded history
// (src/shared/boundedHistory.ts) over trainer events, every kind kept.
//
// Why the adapter keeps one although the host keeps its own
// (src/extension/views/sessionEventStore.ts): the host's store only has what
// the host saw; a host that starts listening after the run began (the hub
// created late, an attach) has nothing else to catch up from. The host's
// store is not redundant either: asking the adapter on every view load is a
// round trip through the workbench (0.2–2.2 s in the e2e suite).
//
// Bounds: the same as the host's store, which is where this history goes
// (`replaceAll`): more would be dropped there.

import { BoundedHistory, CATCH_UP_BOUNDS, TRAINER_EVENT_ENTRIES, type HistoryBounds } from '../shared/boundedHistory';
import type { TrainerEvent } from '../shared/protocol';

export class EventHistory extends BoundedHistory<TrainerEvent> {
  constructor(bounds: HistoryBounds = CATCH_UP_BOUNDS) {
    super(TRAINER_EVENT_ENTRIES, bounds);
  }
}
