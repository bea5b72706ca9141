// Statistics kernels (./assembly/stats.ts) on float32 views of the wasm heap,
// for training/tensorStats.ts. Each returns null when `values` is not such a
// view (cpu backend, a JS copy, or no native kernels): the caller's JS loop
// then computes the same numbers.

import { heapKernels } from './module';

/**
 * Σv² of a float32 view of the wasm heap (what hostValues returns on wasm)
 * by the SIMD kernel; null when `values` is not such a view.
 */
export function heapSumOfSquares(values: Float32Array): number | null {
  const k = heapKernels(values);
  return k && (k.fn('sumOfSquares')(values.byteOffset, values.length) as number);
}

/** Count of NaN/±Inf in a view of the heap. */
export function heapCountNonFinite(values: Float32Array): number | null {
  const k = heapKernels(values);
  return k && (k.fn('countNonFinite')(values.byteOffset, values.length) as number);
}

/** Σ, min, max and count of the finite values of a view of the heap (min/max: see the kernel about signed zeros). */
export function heapFiniteSumMinMax(values: Float32Array): { sum: number; min: number; max: number; finite: number } | null {
  const k = heapKernels(values);
  if (!k) return null;
  k.fn('finiteSumMinMax')(values.byteOffset, values.length);
  const r = k.fn('statsResult');
  return { sum: r(0) as number, min: r(1) as number, max: r(2) as number, finite: r(3) as number };
}

/**
 * The sampled pass of activation statistics (rows 0, stride, … < rows of
 * `rowLength` values): finite values seen, Σ(x − mean)² over them, zeros, and
 * values ≤ low or ≥ high. `low`/`high` must be float32 values.
 */
export function heapSampledMoments(
  values: Float32Array,
  rowLength: number,
  stride: number,
  rows: number,
  mean: number,
  low: number,
  high: number,
): { finite: number; squares: number; zeros: number; saturated: number } | null {
  const k = heapKernels(values);
  if (!k) return null;
  k.fn('sampledMoments')(values.byteOffset, values.length, rowLength, stride, rows, mean, low, high);
  const r = k.fn('statsResult');
  return { finite: r(0) as number, squares: r(1) as number, zeros: r(2) as number, saturated: r(3) as number };
}

/** ||after − before||² and ||before||² when both are views of the heap. */
export function heapUpdateSums(after: Float32Array, before: Float32Array): { diff: number; before: number } | null {
  const k = heapKernels(after);
  if (!k || before.buffer !== after.buffer || before.length !== after.length) return null;
  k.fn('updateSums')(after.byteOffset, before.byteOffset, after.length);
  const r = k.fn('statsResult');
  return { diff: r(0) as number, before: r(1) as number };
}

/**
 * Histogram of every `stride`-th value of a view of the heap into `bins`
 * counts over [lo, hi] of the finite sampled values (lo > hi: none finite).
 * Allocates scratch: `values` may be stale afterwards (the heap can grow).
 */
export function heapHistogram(values: Float32Array, stride: number, bins: number): { lo: number; hi: number; counts: number[] } | null {
  const k = heapKernels(values);
  if (!k) return null;
  const address = values.byteOffset;
  const total = values.length;
  const scratch = k.malloc(bins * 4);
  try {
    k.fn('stridedHistogram')(address, total, stride, bins, scratch);
    const r = k.fn('statsResult');
    const lo = r(0) as number;
    const hi = r(1) as number;
    const counts = lo > hi ? new Array<number>(bins).fill(0) : Array.from(new Int32Array(k.heapF32().buffer, scratch, bins));
    return { lo, hi, counts };
  } finally {
    k.free(scratch);
  }
}

/** A copy of values in the wasm heap, valid across tfjs calls (read it through `values()`). */
export interface HeapSnapshot {
  /** A fresh view of the copy (the heap's buffer changes when it grows). */
  values(): Float32Array;
  dispose(): void;
}

/** A copy of a non-empty view of the heap into heap scratch (so update sums can run natively), or null. */
export function heapSnapshot(values: Float32Array): HeapSnapshot | null {
  const k = heapKernels(values);
  if (!k || values.length === 0) return null;
  const source = values.byteOffset;
  const length = values.length;
  // Addresses, not views: the malloc may grow the heap and detach `values`.
  const pointer = k.malloc(length * 4);
  k.heapF32().copyWithin(pointer >> 2, source >> 2, (source >> 2) + length);
  let live = true;
  return {
    values: () => {
      if (!live) throw new Error('heap snapshot used after dispose');
      return new Float32Array(k.heapF32().buffer, pointer, length);
    },
    dispose: () => {
      if (live) k.free(pointer);
      live = false;
    },
  };
}
