// The host's copy of a debug session's trainer events, so that a view opened
// (or reloaded) mid-run gets the history. No vscode import: unit-tested.
//
// The shared bounded history (src/shared/boundedHistory.ts, with the
// catch-up bounds) over the events the views draw from: replies, logs,
// breakpoint statuses and progress after the header are not kept, and a new
// header (a restart in the same session) starts the history over.

import { BoundedHistory, CATCH_UP_BOUNDS, TRAINER_EVENT_ENTRIES, type HistoryBounds } from '../../shared/boundedHistory';
import type { TrainerEvent } from '../../shared/protocol';

export class SessionEventStore {
  private readonly history: BoundedHistory<TrainerEvent>;
  private headerSeen = false;

  constructor(bounds: HistoryBounds = CATCH_UP_BOUNDS) {
    this.history = new BoundedHistory(TRAINER_EVENT_ENTRIES, bounds);
  }

  get size(): number {
    return this.history.size;
  }

  get hasHeader(): boolean {
    return this.headerSeen;
  }

  all(): TrainerEvent[] {
    return this.history.all();
  }

  /** Replaces the history (with the adapter's `neuralDebugger.history`), then keeps adding. */
  replaceAll(events: readonly TrainerEvent[]): void {
    this.history.clear();
    this.headerSeen = false;
    for (const e of events) this.add(e);
  }

  /** Returns true when the event is kept (and so worth forwarding to the views). */
  add(event: TrainerEvent): boolean {
    switch (event.type) {
      case 'reply':
      case 'log':
      case 'breakpoints':
        return false;
      case 'progress':
        if (this.headerSeen) return false;
        break;
      case 'header':
        // A new run in the same session (restart): its history starts here.
        this.history.clear();
        this.headerSeen = true;
        break;
    }
    this.history.add(event);
    return true;
  }
}
