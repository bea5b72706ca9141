// Batches the trainer's step events on their way to the parent. A fast run
// (the spiral MLP: ~2,500 steps a second) sent one IPC message per step, and
// its parent (in VS Code, the extension host) spent a fifth of a core only
// receiving them. Steps now leave at most every `intervalMs`, in order; any
// other event (a pause, a reply, an error, the end) goes out at once, after
// the steps before it. A slow run (steps further apart than the interval)
// sends every step the moment it is made.

import type { TrainerEvent, TrainerMessage } from '../shared/protocol';

export const EVENT_BATCH_MS = 25;

export class EventBatcher {
  private pending: TrainerEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  private lastSent = -Infinity;

  constructor(
    private readonly post: (message: TrainerMessage) => void,
    private readonly intervalMs = EVENT_BATCH_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  send(event: TrainerEvent): void {
    this.pending.push(event);
    if (event.type !== 'step' || this.now() - this.lastSent >= this.intervalMs) {
      this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), Math.max(0, this.lastSent + this.intervalMs - this.now()));
    }
  }

  /** Sends whatever is waiting, now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0) return;
    const events = this.pending;
    this.pending = [];
    this.lastSent = this.now();
    this.post(events.length === 1 ? events[0] : { type: 'batch', events });
  }
}
