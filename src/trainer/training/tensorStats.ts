// Statistics of activations, weights and gradients, computed over the values
// where the backend holds them (./hostValues): by the SIMD kernels of
// backend/native/assembly/stats.ts when the values are a view of the wasm
// heap, by the JS loops here otherwise. Both paths compute the same numbers
// (up to float64 rounding of the sums; counts, min, max and histograms are
// identical). Which numbers are exact and which come from a strided sample is
// documented in docs/performance.md ("How exact the statistics are").

import type { ActivationStats, Histogram } from '../../shared/stats';
import {
  heapCountNonFinite,
  heapFiniteSumMinMax,
  heapHistogram,
  heapSampledMoments,
  heapSnapshot,
  heapSumOfSquares,
  heapUpdateSums,
} from '../backend/native/heapStats';

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
function saturationBounds(activation: string | null): [number, number] | null {
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
  const native = heapCountNonFinite(v);
  if (native !== null) return native;
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
  const native = heapUpdateSums(after, before);
  if (native !== null) return native;
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < after.length; i++) {
    const d = after[i] - before[i];
    diff += d * d;
    norm += before[i] * before[i];
  }
  return { diff, before: norm };
}

/** Values kept across tfjs calls (weights before an update): a copy in the wasm heap when possible. */
export interface ValuesSnapshot {
  /** The copied values (a fresh view each call: read them at once). */
  values(): Float32Array;
  dispose(): void;
}

/**
 * A copy of `v`. Of a view of the wasm heap, the copy is made in the heap too,
 * so that `updateSums` against it runs natively.
 */
export function snapshot(v: Float32Array): ValuesSnapshot {
  const heap = heapSnapshot(v);
  if (heap) return heap;
  const copy = Float32Array.from(v);
  return { values: () => copy, dispose: () => undefined };
}

const bits = new Float32Array(1);
const bitsInt = new Int32Array(bits.buffer);

/** The float32 next to `f` (a finite or infinite float32 value) towards −∞ (`down`) or +∞. */
function nextFloat32(f: number, down: boolean): number {
  if (f === 0) return Math.fround(down ? -1.4e-45 : 1.4e-45);
  bits[0] = f;
  bitsInt[0] += f > 0 === down ? -1 : 1;
  return bits[0];
}

/** The largest float32 ≤ x: for float32 values v, v ≤ x ⇔ v ≤ float32AtMost(x). */
function float32AtMost(x: number): number {
  const f = Math.fround(x);
  return f > x ? nextFloat32(f, true) : f;
}

/** The smallest float32 ≥ x: for float32 values v, v ≥ x ⇔ v ≥ float32AtLeast(x). */
function float32AtLeast(x: number): number {
  const f = Math.fround(x);
  return f < x ? nextFloat32(f, false) : f;
}

/**
 * The first zero (+0 or −0) of `v`, for a minimum or maximum that is zero: a
 * sequential scan keeps the first of equal values, so it returns the sign of
 * the first zero, which the SIMD lanes do not know.
 */
function firstZero(v: Float32Array): number {
  for (let i = 0; i < v.length; i++) if (v[i] === 0) return v[i];
  return 0;
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
  // Exact pass: sum (mean), min, max over the finite values, and how many are not.
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let nonFinite = 0;
  const native = heapFiniteSumMinMax(v);
  if (native) {
    ({ sum, min, max } = native);
    nonFinite = n - native.finite;
    if (min === 0) min = firstZero(v);
    if (max === 0) max = firstZero(v);
  } else {
    for (let i = 0; i < n; i++) {
      const x = v[i];
      sum += x;
      if (x < min) min = x;
      if (x > max) max = x;
    }
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
  const fullRows = stride === 1 ? Math.ceil(n / rowLength) : rows;
  let seen = 0;
  let finiteSeen = 0;
  let squares = 0;
  let zeros = 0;
  let saturated = 0;
  // Contiguous when every row is taken: one range for the kernel.
  const moments =
    stride === 1
      ? heapSampledMoments(v, n, 1, 1, mean, float32AtMost(low), float32AtLeast(high))
      : heapSampledMoments(v, rowLength, stride, rows, mean, float32AtMost(low), float32AtLeast(high));
  if (moments) {
    seen = stride === 1 ? n : Math.ceil(rows / stride) * rowLength;
    ({ finite: finiteSeen, squares, zeros, saturated } = moments);
  } else {
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
  const sampled = Math.ceil(total / stride);
  let lo = Infinity;
  let hi = -Infinity;
  let counts: number[];
  const native = heapHistogram(v, stride, HISTOGRAM_BINS);
  if (native) {
    ({ lo, hi, counts } = native);
  } else {
    for (let i = 0; i < total; i += stride) {
      const x = v[i];
      if (x - x !== 0) continue;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    counts = new Array<number>(HISTOGRAM_BINS).fill(0);
    if (lo <= hi) {
      const scale = HISTOGRAM_BINS / Math.max(hi - lo, 1e-30);
      for (let i = 0; i < total; i += stride) {
        const x = v[i];
        if (x - x !== 0) continue;
        const bin = Math.floor((x - lo) * scale);
        counts[bin >= HISTOGRAM_BINS ? HISTOGRAM_BINS - 1 : bin < 0 ? 0 : bin]++;
      }
    }
  }
  if (lo > hi) {
    // No finite value at all.
    lo = 0;
    hi = 0;
  }
  const width = (hi - lo) / HISTOGRAM_BINS;
  const edges = Array.from({ length: HISTOGRAM_BINS + 1 }, (_, i) => (i === HISTOGRAM_BINS ? hi : lo + i * width));
  return { edges, counts, sampled, total };
}
