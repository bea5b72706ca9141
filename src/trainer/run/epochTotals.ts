// An epoch's training loss and metrics as the mean over its batches, each
// weighted by its size (the last batch may be smaller), and the time spent
// in its training steps.

import type { StepStats } from '../../shared/stats';

export class EpochTotals {
  private readonly sums = new Map<string, number>();
  private samples = 0;
  /** Milliseconds spent in the epoch's training steps so far. */
  trainMs = 0;

  add(stats: StepStats): void {
    const add = (name: string, value: number) => this.sums.set(name, (this.sums.get(name) ?? 0) + value * stats.batchSize);
    this.samples += stats.batchSize;
    add('loss', stats.loss);
    for (const [name, value] of Object.entries(stats.metrics)) add(name, value);
    this.trainMs += stats.durationMs;
  }

  /** The sample-weighted mean of `loss` or a metric; NaN before the first batch. */
  mean(name: string): number {
    return this.samples > 0 ? (this.sums.get(name) ?? 0) / this.samples : NaN;
  }

  reset(): void {
    this.sums.clear();
    this.samples = 0;
    this.trainMs = 0;
  }
}
