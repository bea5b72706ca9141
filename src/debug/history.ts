// Every trainer event of the run, for a webview opened mid-run
// (`neuralDebugger.history`). Bounded: a long run has millions of steps, so at
// most `maxSteps` step events are kept. When the bound is crossed, a tenth of
// the kept steps is dropped at once (so trimming costs O(1) per step on
// average): first the oldest steps without per-layer detail, then, if every
// kept step is detailed, the oldest steps. Every other event (header, epoch,
// diagnostic, stopped, …) is kept.

import type { TrainerEvent } from '../shared/protocol';

export const MAX_HISTORY_STEPS = 20_000;

export class EventHistory {
  private events: TrainerEvent[] = [];
  private stepCount = 0;
  /** Step events dropped so far to respect the bound. */
  dropped = 0;

  constructor(readonly maxSteps = MAX_HISTORY_STEPS) {
    if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new Error(`EventHistory: maxSteps must be a positive integer, got ${maxSteps}`);
  }

  add(event: TrainerEvent): void {
    this.events.push(event);
    if (event.type !== 'step') return;
    this.stepCount += 1;
    if (this.stepCount > this.maxSteps) this.trim();
  }

  /** A copy of the kept events, oldest first. */
  all(): TrainerEvent[] {
    return this.events.slice();
  }

  get steps(): number {
    return this.stepCount;
  }

  private trim(): void {
    const keep = Math.floor(this.maxSteps * 0.9);
    let excess = this.stepCount - keep;
    const drop = new Set<number>();
    for (const detailed of [false, true]) {
      for (let i = 0; i < this.events.length && excess > 0; i++) {
        const e = this.events[i];
        if (e.type === 'step' && e.stats.detailed === detailed && !drop.has(i)) {
          drop.add(i);
          excess -= 1;
        }
      }
    }
    this.events = this.events.filter((_, i) => !drop.has(i));
    this.stepCount -= drop.size;
    this.dropped += drop.size;
  }
}
