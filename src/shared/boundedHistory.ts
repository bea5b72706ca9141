// The one bounded history of a run, used in three places on the live path
// (each with its own bounds, stated where it is made):
//   - the debug adapter's history (src/debug/history.ts), for
//     `neuralDebugger.history` when a host missed the run's start;
//   - the extension host's per-session store (src/extension/views/
//     sessionEventStore.ts), the catch-up a view gets when it opens or reloads;
//   - the webview store's per-step records (webview-ui/store/store.ts), what
//     the inspector and the activations view look up at a step.
// Browser-safe: no Node or vscode imports.
//
// One trimming policy, parameterised by `HistoryBounds`:
//   - entries that are not steps (header, epoch, diagnostic, stopped, …) are
//     always kept;
//   - past `maxSteps` step entries, the older half of the steps is thinned:
//     every other light step (no per-layer detail) goes while light steps are
//     at least a quarter of that half, else every other step. The oldest step
//     and the newer half stay, so the whole run stays visible and recent steps
//     exact. A thinning drops a sixteenth of the steps or more (unless the
//     older half is nearly all histogram carriers), so it costs O(1) per step
//     on average;
//   - histograms (and feature maps, the largest parts of a record) are kept on
//     the latest `maxHistogramRecords` entries that carry them and stripped
//     from older ones. Those entries are spared by the thinning while they
//     carry histograms (they are bounded by their own count).

import type { TrainerEvent } from './protocol';
import type { StepStats } from './stats';

export interface HistoryBounds {
  /** Step entries kept before the older half is thinned. */
  readonly maxSteps: number;
  /** Entries that keep their histograms: the latest ones that carry them. */
  readonly maxHistogramRecords: number;
}

/**
 * Bounds of the catch-up histories, the adapter's and the host's (the
 * adapter's goes into the host's, so both keep the same). A view that opens
 * mid-run gets all of it in one `reset` message, so the bound is what one
 * message can carry: a step event of the spiral MLP is ~1.8 KB of JSON
 * (src/debug/stepBudget.ts), so 20 000 steps are ~36 MB at most. Histograms
 * are the largest part of a record; 50 records with them cover the last 5 000
 * steps at the default `histogramsEvery` of 100.
 */
export const CATCH_UP_BOUNDS: HistoryBounds = { maxSteps: 20_000, maxHistogramRecords: 50 };

/** How the history reads its entries. */
export interface HistoryEntries<T> {
  /** A step entry's statistics (counted against `maxSteps`, thinned); undefined for an entry that is always kept. */
  stepStats(entry: T): StepStats | undefined;
  /** Statistics that may carry histograms (a step's, a pause's). */
  stats(entry: T): StepStats | undefined;
  /** The entry with `stats` in place of its statistics. */
  withStats(entry: T, stats: StepStats): T;
}

/** Trainer events: step events are the steps; `stopped` carries a pause's full statistics. */
export const TRAINER_EVENT_ENTRIES: HistoryEntries<TrainerEvent> = {
  stepStats: (e) => (e.type === 'step' ? e.stats : undefined),
  stats: (e) => (e.type === 'step' || e.type === 'stopped' ? e.stats : undefined),
  withStats: (e, stats) => ({ ...e, stats }) as TrainerEvent,
};

/** Step statistics themselves: every entry is a step. */
export const STEP_STATS_ENTRIES: HistoryEntries<StepStats> = {
  stepStats: (s) => s,
  stats: (s) => s,
  withStats: (_, stats) => stats,
};

export class BoundedHistory<T> {
  private items: T[] = [];
  private stepCount = 0;
  /** Positions of the entries that still carry histograms, oldest first. */
  private histogramPositions: number[] = [];
  /** Step entries dropped so far to respect the bound. */
  dropped = 0;

  constructor(
    private readonly entries: HistoryEntries<T>,
    readonly bounds: HistoryBounds,
  ) {
    if (!Number.isInteger(bounds.maxSteps) || bounds.maxSteps < 1)
      throw new Error(`BoundedHistory: maxSteps must be a positive integer, got ${bounds.maxSteps}`);
    if (!Number.isInteger(bounds.maxHistogramRecords) || bounds.maxHistogramRecords < 0) {
      throw new Error(`BoundedHistory: maxHistogramRecords must be a non-negative integer, got ${bounds.maxHistogramRecords}`);
    }
  }

  /** Step entries kept. */
  get steps(): number {
    return this.stepCount;
  }

  /** Entries kept (steps and the rest). */
  get size(): number {
    return this.items.length;
  }

  /** The kept entries, oldest first (not a copy: read, don't keep). */
  get view(): readonly T[] {
    return this.items;
  }

  /** A copy of the kept entries, oldest first. */
  all(): T[] {
    return this.items.slice();
  }

  add(entry: T): void {
    this.items.push(entry);
    if (this.entries.stepStats(entry)) this.stepCount += 1;
    if (this.entries.stats(entry)?.withHistograms) {
      this.histogramPositions.push(this.items.length - 1);
      if (this.histogramPositions.length > this.bounds.maxHistogramRecords) this.stripHistograms(this.histogramPositions.shift()!);
    }
    if (this.stepCount > this.bounds.maxSteps) this.thin();
  }

  clear(): void {
    this.items = [];
    this.stepCount = 0;
    this.histogramPositions = [];
  }

  /** Keeps only the entries for which `keep` is true (a step back drops what it replays). */
  retain(keep: (entry: T) => boolean): void {
    this.items = this.items.filter(keep);
    this.recount();
  }

  private stripHistograms(position: number): void {
    const entry = this.items[position];
    const stats = this.entries.stats(entry);
    if (stats) this.items[position] = this.entries.withStats(entry, withoutHistograms(stats));
  }

  private thin(): void {
    const stepPositions: number[] = [];
    this.items.forEach((e, i) => this.entries.stepStats(e) && stepPositions.push(i));
    const olderHalf = stepPositions.slice(0, Math.floor(stepPositions.length / 2));
    const carriesHistograms = new Set(this.histogramPositions);
    const candidates = olderHalf.filter((i) => !carriesHistograms.has(i));
    const light = candidates.filter((i) => !this.entries.stepStats(this.items[i])!.detailed);
    let pool = light.length >= olderHalf.length / 4 ? light : candidates;
    if (pool.length === 0) pool = olderHalf;
    const drop = new Set(pool.length === 1 ? pool : pool.filter((_, k) => k % 2 === 1));
    this.items = this.items.filter((_, i) => !drop.has(i));
    this.dropped += drop.size;
    this.recount();
  }

  private recount(): void {
    this.stepCount = 0;
    this.histogramPositions = [];
    this.items.forEach((e, i) => {
      if (this.entries.stepStats(e)) this.stepCount += 1;
      if (this.entries.stats(e)?.withHistograms) this.histogramPositions.push(i);
    });
  }
}

/** The statistics without histograms and feature maps (the rest of the record stays). */
function withoutHistograms(stats: StepStats): StepStats {
  return {
    ...stats,
    withHistograms: false,
    layers: stats.layers.map((l) =>
      l.activationStats?.histogram || l.featureMaps
        ? { ...l, featureMaps: undefined, activationStats: l.activationStats && { ...l.activationStats, histogram: undefined } }
        : l,
    ),
    weights: stats.weights.map((w) => (w.histogram || w.gradHistogram ? { ...w, histogram: undefined, gradHistogram: undefined } : w)),
  };
}
