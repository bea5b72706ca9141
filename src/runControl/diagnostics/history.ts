// Bounded running history of a run's statistics: what the rules compare a
// step against (a layer's own past, its neighbours, the loss's trend).

import type { StepStats } from '../../shared/stats';

/** Fixed-capacity ring buffer of numbers. */
export class Ring {
  private readonly values: number[] = [];
  constructor(readonly capacity: number) {}
  push(v: number): void {
    this.values.push(v);
    if (this.values.length > this.capacity) this.values.shift();
  }
  get length(): number {
    return this.values.length;
  }
  median(): number {
    return median(this.values);
  }
  last(n: number): number[] {
    return this.values.slice(-n);
  }
  all(): readonly number[] {
    return this.values;
  }
}

export function median(values: readonly number[]): number {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0) return NaN;
  const mid = finite.length >> 1;
  return finite.length % 2 ? finite[mid] : (finite[mid - 1] + finite[mid]) / 2;
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

export interface LayerMeta {
  name: string;
  /** Position in the model's layer list (data-flow order for sequential models). */
  index: number;
  /** Trainable parameters, for RMS gradients comparable across layer sizes. */
  params: number;
}

export class RunHistory {
  readonly gradNorms = new Map<string, Ring>();
  /**
   * Each layer's typical gradient norm early in training (median of the
   * first window after warm-up, then frozen): a spike near convergence that
   * only returns to that scale is not an explosion.
   */
  readonly earlyGradNorm = new Map<string, number>();
  readonly gradRms = new Map<string, Ring>();
  readonly updateRatios = new Map<string, Ring>();
  readonly losses: Ring;
  firstLosses: number[] = [];
  readonly layers = new Map<string, LayerMeta>();
  steps = 0;

  constructor(
    private readonly window: number,
    lossWindow: number,
  ) {
    this.losses = new Ring(lossWindow);
  }

  record(s: StepStats): void {
    this.steps = s.step;
    if (Number.isFinite(s.loss)) {
      this.losses.push(s.loss);
      if (this.firstLosses.length < 10) this.firstLosses.push(s.loss);
    }
    if (this.layers.size === 0) {
      s.layers.forEach((l, index) => {
        const params = s.weights.filter((w) => w.layer === l.name && w.trainable).reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
        this.layers.set(l.name, { name: l.name, index, params });
      });
    }
    for (const l of s.layers) {
      if (l.gradNorm === null) continue;
      const history = ring(this.gradNorms, l.name, this.window);
      history.push(l.gradNorm);
      if (!this.earlyGradNorm.has(l.name) && history.length === this.window) this.earlyGradNorm.set(l.name, history.median());
      const params = this.layers.get(l.name)?.params ?? 1;
      ring(this.gradRms, l.name, this.window).push(l.gradNorm / Math.sqrt(Math.max(params, 1)));
    }
    for (const w of s.weights) {
      if (w.updateRatio !== null) ring(this.updateRatios, w.name, this.window).push(w.updateRatio);
    }
  }

  /** Mean of the first losses of the run: the "not converged yet" reference. */
  initialLoss(): number {
    return mean(this.firstLosses);
  }
}

function ring(map: Map<string, Ring>, key: string, capacity: number): Ring {
  let r = map.get(key);
  if (!r) {
    r = new Ring(capacity);
    map.set(key, r);
  }
  return r;
}
