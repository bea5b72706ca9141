// Column stores of per-step numbers: one array per quantity, aligned by index
// with `steps`, as typed fields (no string keys). Every step is kept up to
// `capacity`; past it the older half is thinned 2:1 (every other row
// dropped), so memory stays bounded while recent steps stay exact and the
// whole run stays visible — the policy of src/shared/boundedHistory.ts for
// rows that are all alike. Drawing reduces further with LTTB.

import type { StepStats } from '../../src/shared/stats';

type Column = number[];

/** Steps and columns aligned by index; subclasses name the columns. */
abstract class StepTable {
  readonly steps: number[] = [];

  constructor(readonly capacity: number) {}

  /** Every column of the table (fixed ones and per-name ones). */
  protected abstract columns(): Iterable<Column>;
  /** Forgets the per-name columns (a new run may name other layers). */
  protected abstract clearNamed(): void;

  get length(): number {
    return this.steps.length;
  }

  get lastStep(): number | null {
    return this.steps.length ? this.steps[this.steps.length - 1] : null;
  }

  /** Index of the last row whose step is <= `step`, or -1. */
  indexAtOrBefore(step: number): number {
    let lo = 0;
    let hi = this.steps.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.steps[mid] <= step) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** The value of `column` in the row at or before `step`; NaN when there is none. */
  valueAt(column: Column | undefined, step: number): number {
    const i = this.indexAtOrBefore(step);
    return i < 0 || !column ? NaN : column[i];
  }

  /** Drops every row with step >= `step` (a step back replays those steps). */
  truncateFrom(step: number): void {
    const keep = this.indexAtOrBefore(step - 1) + 1;
    this.steps.length = keep;
    for (const column of this.columns()) column.length = keep;
  }

  clear(): void {
    this.steps.length = 0;
    for (const column of this.columns()) column.length = 0;
    this.clearNamed();
  }

  /** The column of `name` in `columns`; one that appears late is padded with NaN so that indices stay aligned. */
  protected named<V>(columns: Map<string, V>, name: string, make: () => V): V {
    let value = columns.get(name);
    if (value === undefined) {
      value = make();
      columns.set(name, value);
    }
    return value;
  }

  protected newColumn(): Column {
    return new Array<number>(this.steps.length).fill(NaN);
  }

  /** Ends a row whose values were pushed onto their columns: columns not given one get NaN. */
  protected endRow(step: number): void {
    this.steps.push(step);
    for (const column of this.columns()) while (column.length < this.steps.length) column.push(NaN);
    if (this.steps.length > this.capacity) this.thinOlderHalf();
  }

  private thinOlderHalf(): void {
    const half = Math.floor(this.steps.length / 2);
    const thin = (array: number[]): void => {
      let w = 0;
      for (let r = 0; r < half; r += 2) array[w++] = array[r];
      for (let r = half; r < array.length; r++) array[w++] = array[r];
      array.length = w;
    };
    thin(this.steps);
    for (const column of this.columns()) thin(column);
  }
}

/** Every step's numbers: loss, global gradient norm, learning rate, epoch, each metric, each layer's gradient norm. */
export class StepSeries extends StepTable {
  readonly loss: Column = [];
  readonly gradNorm: Column = [];
  readonly learningRate: Column = [];
  readonly epoch: Column = [];
  /** By metric name, in the order they first appeared. */
  readonly metrics = new Map<string, Column>();
  /** Gradient norm by layer name (NaN where the layer has no gradient). */
  readonly layerGradNorm = new Map<string, Column>();

  push(stats: StepStats): void {
    this.loss.push(stats.loss);
    this.gradNorm.push(stats.gradNorm);
    this.learningRate.push(stats.learningRate);
    this.epoch.push(stats.epoch);
    for (const [name, value] of Object.entries(stats.metrics)) this.named(this.metrics, name, () => this.newColumn()).push(value);
    for (const layer of stats.layers) this.named(this.layerGradNorm, layer.name, () => this.newColumn()).push(layer.gradNorm ?? NaN);
    this.endRow(stats.step);
  }

  protected *columns(): Iterable<Column> {
    yield this.loss;
    yield this.gradNorm;
    yield this.learningRate;
    yield this.epoch;
    yield* this.metrics.values();
    yield* this.layerGradNorm.values();
  }

  protected clearNamed(): void {
    this.metrics.clear();
    this.layerGradNorm.clear();
  }
}

/** One layer's activation statistics over the detailed steps. */
export interface ActivationColumns {
  readonly mean: Column;
  readonly std: Column;
  readonly min: Column;
  readonly max: Column;
  readonly zeroFraction: Column;
  readonly deadFraction: Column;
  /** NaN where the activation has no saturation (ReLU, linear). */
  readonly saturatedFraction: Column;
}

/** The activation statistics of each layer at every detailed step. */
export class ActivationSeries extends StepTable {
  readonly layers = new Map<string, ActivationColumns>();

  /** Adds the step's row when it measured activations; returns whether it did. */
  push(stats: StepStats): boolean {
    const measured = stats.layers.filter((l) => l.activationStats);
    if (measured.length === 0) return false;
    for (const layer of measured) {
      const a = layer.activationStats!;
      const c = this.named(this.layers, layer.name, () => this.newLayer());
      c.mean.push(a.mean);
      c.std.push(a.std);
      c.min.push(a.min);
      c.max.push(a.max);
      c.zeroFraction.push(a.zeroFraction);
      c.deadFraction.push(a.deadFraction);
      c.saturatedFraction.push(a.saturatedFraction ?? NaN);
    }
    this.endRow(stats.step);
    return true;
  }

  protected *columns(): Iterable<Column> {
    for (const c of this.layers.values()) yield* Object.values(c) as Column[];
  }

  protected clearNamed(): void {
    this.layers.clear();
  }

  private newLayer(): ActivationColumns {
    return {
      mean: this.newColumn(),
      std: this.newColumn(),
      min: this.newColumn(),
      max: this.newColumn(),
      zeroFraction: this.newColumn(),
      deadFraction: this.newColumn(),
      saturatedFraction: this.newColumn(),
    };
  }
}
