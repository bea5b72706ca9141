// The host's copy of a debug session's trainer events, so that a view opened
// (or reloaded) mid-run gets the history. No vscode import: unit-tested.
//
// Bounded: every event the views draw from is kept except that, past
// `maxSteps` step events, the older half is thinned (every other light step
// dropped first, then every other step), and histograms are kept only on the
// latest `maxHistogramSteps` records that carry them. Events the views do not
// use (replies, logs, progress after the header) are not kept.

import type { TrainerEvent } from '../../shared/protocol';
import type { StepStats } from '../../shared/stats';

export const MAX_STEP_EVENTS = 20_000;
export const MAX_HISTOGRAM_STEPS = 50;

export class SessionEventStore {
  private events: TrainerEvent[] = [];
  private stepCount = 0;
  private histogramIndices: number[] = [];

  constructor(
    readonly maxSteps = MAX_STEP_EVENTS,
    readonly maxHistogramSteps = MAX_HISTOGRAM_STEPS,
  ) {}

  get size(): number {
    return this.events.length;
  }

  get hasHeader(): boolean {
    return this.events.some((e) => e.type === 'header');
  }

  all(): TrainerEvent[] {
    return this.events.slice();
  }

  /** Replaces the history (with the adapter's `neuralDebugger.history`), then keeps adding. */
  replaceAll(events: readonly TrainerEvent[]): void {
    this.events = [];
    this.stepCount = 0;
    this.histogramIndices = [];
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
        if (this.hasHeader) return false;
        break;
      case 'header':
        // A new run in the same session (restart): its history starts here.
        this.events = [];
        this.stepCount = 0;
        this.histogramIndices = [];
        break;
    }
    this.events.push(event);
    const stats = statsOf(event);
    if (event.type === 'step') this.stepCount++;
    if (stats?.withHistograms) {
      this.histogramIndices.push(this.events.length - 1);
      if (this.histogramIndices.length > this.maxHistogramSteps) {
        const index = this.histogramIndices.shift()!;
        this.events[index] = withoutHistograms(this.events[index]);
      }
    }
    if (this.stepCount > this.maxSteps) this.thin();
    return true;
  }

  private thin(): void {
    const stepPositions: number[] = [];
    this.events.forEach((e, i) => e.type === 'step' && stepPositions.push(i));
    const olderHalf = stepPositions.slice(0, Math.floor(stepPositions.length / 2));
    const light = olderHalf.filter((i) => !(this.events[i] as { stats: StepStats }).stats.detailed);
    const pool = light.length >= olderHalf.length / 4 ? light : olderHalf;
    const drop = new Set(pool.filter((_, k) => k % 2 === 1));
    this.events = this.events.filter((_, i) => !drop.has(i));
    this.stepCount -= drop.size;
    this.histogramIndices = [];
    this.events.forEach((e, i) => statsOf(e)?.withHistograms && this.histogramIndices.push(i));
  }
}

function statsOf(event: TrainerEvent): StepStats | undefined {
  if (event.type === 'step') return event.stats;
  if (event.type === 'stopped') return event.stats;
  return undefined;
}

function withoutHistograms(event: TrainerEvent): TrainerEvent {
  const stats = statsOf(event);
  if (!stats) return event;
  const light: StepStats = {
    ...stats,
    withHistograms: false,
    layers: stats.layers.map((l) =>
      l.activationStats?.histogram || l.featureMaps
        ? { ...l, featureMaps: undefined, activationStats: l.activationStats && { ...l.activationStats, histogram: undefined } }
        : l,
    ),
    weights: stats.weights.map((w) => (w.histogram || w.gradHistogram ? { ...w, histogram: undefined, gradHistogram: undefined } : w)),
  };
  return { ...event, stats: light } as TrainerEvent;
}
