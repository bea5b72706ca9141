// Statistics of activations, weights and gradients, computed by JS loops over
// the values where the backend holds them (./hostValues). Which numbers are
// exact and which come from a strided sample is documented in
// docs/performance.md ("What the statistics cost, and how exact they are").

import type { ActivationStats, Histogram } from '../../shared/stats';
import { heapSumOfSquares } from '../backend/native/module';

export const HISTOGRAM_BINS = 30;
/** Histograms of larger tensors are computed on a strided sample of about this many values. */
export const HISTOGRAM_SAMPLE = 16_384;
/**
 * Activations up to this many values get every statistic exactly. Larger ones
 * (conv outputs: 2M values for 32×32×32 at batch 64) get mean, min, max,
 * non-finite count and dead fraction exactly, and std, zero and saturated
 * fractions from a strided sample of whole rows (every unit of a position)
 * holding about this many values.
 */
export const EXACT_LIMIT = 262_144;

/** Activations whose outputs are bounded, with the bounds used for "saturated". */
export function saturationBounds(activation: string | null): [number, number] | null {
  if (activation === 'sigmoid' || activation === 'hardSigmoid') return [0, 1];
  if (activation === 'tanh') return [-1, 1];
  return null;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * A row stride giving about `limit / rowLength` rows out of `rows`, coprime
 * with `period` (the width of a conv output) so that the sample does not keep
 * hitting the same columns.
 */
export function rowStride(rows: number, rowLength: number, limit: number, period = 1): number {
  let stride = Math.max(1, Math.ceil((rows * rowLength) / limit));
  while (stride > 1 && period > 1 && gcd(stride, period) !== 1) stride++;
  return stride;
}

/** Count of NaN/±Inf values. */
export function countNonFinite(v: Float32Array): number {
  let bad = 0;
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) bad++;
  return bad;
}

/** Σ v², in float64; NaN or Infinity when a value is not finite (or the sum overflows). */
export function sumOfSquares(v: Float32Array): number {
  // A view of the wasm heap: the SIMD kernel (4x faster than this loop).
  const native = heapSumOfSquares(v);
  if (native !== null) return native;
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return s;
}

/** ||a − b||² and ||b||², for update ratios (a: weight after the update, b: before). */
export function updateSums(after: Float32Array, before: Float32Array): { diff: number; before: number } {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < after.length; i++) {
    const d = after[i] - before[i];
    diff += d * d;
    norm += before[i] * before[i];
  }
  return { diff, before: norm };
}

/**
 * Statistics of one layer output with shape `shape` (units on the last axis).
 * Dead units: zero for every sample and position of the batch.
 * Saturated: within 1% of the bound range of either bound, for bounded activations only.
 */
export function activationStats(v: Float32Array, shape: number[], activation: string | null): ActivationStats {
  const n = v.length;
  const units = shape.length >= 2 ? shape[shape.length - 1] : 1;
  const rows = units > 0 ? Math.floor(n / units) : 0;
  if (n === 0) {
    return { mean: NaN, std: NaN, min: NaN, max: NaN, zeroFraction: 0, deadFraction: 0, saturatedFraction: null, nonFinite: 0 };
  }
  // Exact pass: sum (mean, and whether any value is not finite), min, max.
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = v[i];
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  let nonFinite = 0;
  if (!Number.isFinite(sum)) {
    // Rare: count the bad values and take mean/min/max over the finite ones.
    sum = 0;
    min = Infinity;
    max = -Infinity;
    for (let i = 0; i < n; i++) {
      const x = v[i];
      if (!Number.isFinite(x)) {
        nonFinite++;
        continue;
      }
      sum += x;
      if (x < min) min = x;
      if (x > max) max = x;
    }
  }
  const finiteCount = n - nonFinite;
  const mean = finiteCount > 0 ? sum / finiteCount : NaN;

  // Exact dead units: a unit leaves the candidate list at its first non-zero
  // value, so this stops after a few rows unless units really are dead.
  let deadFraction = 0;
  if (shape.length >= 2 && units > 0) {
    const pending = new Int32Array(units);
    for (let u = 0; u < units; u++) pending[u] = u;
    let count = units;
    for (let r = 0; r < rows && count > 0; r++) {
      const base = r * units;
      let kept = 0;
      for (let j = 0; j < count; j++) {
        const u = pending[j];
        if (v[base + u] === 0) pending[kept++] = u;
      }
      count = kept;
    }
    deadFraction = count / units;
  }

  // Sampled (or, for small outputs, exact) pass: spread, zeros, saturation.
  const rowLength = Math.max(1, units);
  const period = shape.length >= 4 ? shape[shape.length - 2] : 1;
  const stride = n <= EXACT_LIMIT ? 1 : rowStride(rows, rowLength, EXACT_LIMIT, period);
  const bounds = saturationBounds(activation);
  const margin = bounds ? (bounds[1] - bounds[0]) * 0.01 : 0;
  const low = bounds ? bounds[0] + margin : -Infinity;
  const high = bounds ? bounds[1] - margin : Infinity;
  let seen = 0;
  let finiteSeen = 0;
  let squares = 0;
  let zeros = 0;
  let saturated = 0;
  const fullRows = stride === 1 ? Math.ceil(n / rowLength) : rows;
  for (let r = 0; r < fullRows; r += stride) {
    const end = Math.min(n, (r + 1) * rowLength);
    for (let i = r * rowLength; i < end; i++) {
      const x = v[i];
      seen++;
      if (x === 0) zeros++;
      if (x <= low || x >= high) saturated++;
      if (x - x === 0) {
        const d = x - mean;
        squares += d * d;
        finiteSeen++;
      }
    }
  }
  return {
    mean,
    std: finiteSeen > 0 ? Math.sqrt(squares / finiteSeen) : NaN,
    min: finiteCount > 0 ? min : NaN,
    max: finiteCount > 0 ? max : NaN,
    zeroFraction: seen > 0 ? zeros / seen : 0,
    deadFraction,
    saturatedFraction: bounds ? (seen > 0 ? saturated / seen : 0) : null,
    nonFinite,
  };
}

/**
 * Fixed-bin histogram of the finite values of `v` (a strided sample of about
 * HISTOGRAM_SAMPLE values for larger tensors). Bins span [min, max] of the
 * sampled values; `counts[i]` counts [edges[i], edges[i+1]), the last bin
 * includes its upper edge.
 */
export function histogram(v: Float32Array): Histogram {
  const total = v.length;
  const stride = Math.max(1, Math.ceil(total / HISTOGRAM_SAMPLE));
  let lo = Infinity;
  let hi = -Infinity;
  let sampled = 0;
  for (let i = 0; i < total; i += stride) {
    const x = v[i];
    sampled++;
    if (x - x !== 0) continue;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  const counts = new Array<number>(HISTOGRAM_BINS).fill(0);
  if (lo > hi) {
    // No finite value at all.
    lo = 0;
    hi = 0;
  } else {
    const scale = HISTOGRAM_BINS / Math.max(hi - lo, 1e-30);
    for (let i = 0; i < total; i += stride) {
      const x = v[i];
      if (x - x !== 0) continue;
      const bin = Math.floor((x - lo) * scale);
      counts[bin >= HISTOGRAM_BINS ? HISTOGRAM_BINS - 1 : bin < 0 ? 0 : bin]++;
    }
  }
  const width = (hi - lo) / HISTOGRAM_BINS;
  const edges = Array.from({ length: HISTOGRAM_BINS + 1 }, (_, i) => (i === HISTOGRAM_BINS ? hi : lo + i * width));
  return { edges, counts, sampled, total };
}
