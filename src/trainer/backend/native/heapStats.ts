// Statistics kernels (./assembly/stats.ts) on float32 views of the wasm heap,
// for training/tensorStats.ts. Each returns null when `values` is not such a
// view (cpu backend, a JS copy, or no native kernels): the caller's JS loop
// then computes the same numbers. Views over 65,536 floats are reduced in
// blocks, split over the kernel threads when large enough, the blocks'
// results added up in block order: the same bits on any thread count.

import { FLOPS_PER_BYTE_MOVED, heapKernels, STATS_MAX_BLOCKS, type NativeKernels } from './module';
import { partRange } from './threadPool';

/**
 * Floats per block of a reduction over n floats: 65,536 at least (smaller
 * tensors are one block, the kernel's single pass), and at most
 * STATS_MAX_BLOCKS blocks. From n alone, never from the thread count: the
 * blocks' results are added in block order, so the sums have the same bits
 * on any number of threads.
 */
function blockFloats(n: number): number {
  return Math.max(65536, Math.ceil(n / STATS_MAX_BLOCKS / 4) * 4);
}

/**
 * Runs the blocked kernel `name` (assembly/stats.ts) over the n floats at
 * byte address p (and q), split over the kernel threads when large enough (a
 * memory-bound pass over `bytesPerFloat` bytes per float); the 4 results of
 * each block, in block order.
 */
function runBlocks(k: NativeKernels, name: string, p: number, q: number, n: number, bytesPerFloat: number): Float64Array {
  const size = blockFloats(n);
  const blocks = Math.max(1, Math.ceil(n / size));
  const parts = k.partsFor(FLOPS_PER_BYTE_MOVED * bytesPerFloat * n, blocks);
  k.runParts(
    name,
    Array.from({ length: parts }, (_, i) => [p, q, n, size, ...partRange(blocks, parts, i), k.statsResults]),
  );
  return new Float64Array(k.heapF32().buffer, k.statsResults, 4 * blocks).slice();
}

/** Σ over blocks of result `i`, in block order. */
function blockSum(results: Float64Array, i: number): number {
  let sum = 0;
  for (let b = i; b < results.length; b += 4) sum += results[b];
  return sum;
}

/**
 * Σv² of a float32 view of the wasm heap (what hostValues returns on wasm)
 * by the SIMD kernel; null when `values` is not such a view.
 */
export function heapSumOfSquares(values: Float32Array): number | null {
  const k = heapKernels(values);
  return k && blockSum(runBlocks(k, 'sumOfSquares', values.byteOffset, 0, values.length, 4), 0);
}

/** Count of NaN/±Inf in a view of the heap. */
export function heapCountNonFinite(values: Float32Array): number | null {
  const k = heapKernels(values);
  return k && blockSum(runBlocks(k, 'countNonFinite', values.byteOffset, 0, values.length, 4), 0);
}

/** Σ, min, max and count of the finite values of a view of the heap (min/max: see the kernel about signed zeros). */
export function heapFiniteSumMinMax(values: Float32Array): { sum: number; min: number; max: number; finite: number } | null {
  const k = heapKernels(values);
  if (!k) return null;
  const r = runBlocks(k, 'finiteSumMinMax', values.byteOffset, 0, values.length, 4);
  let [min, max] = [Infinity, -Infinity];
  for (let b = 0; b < r.length; b += 4) {
    // As the kernel's own scalar loop compares.
    if (r[b + 1] < min) min = r[b + 1];
    if (r[b + 2] > max) max = r[b + 2];
  }
  return { sum: blockSum(r, 0), min, max, finite: blockSum(r, 3) };
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
  const r = runBlocks(k, 'updateSums', after.byteOffset, before.byteOffset, after.length, 8);
  return { diff: blockSum(r, 0), before: blockSum(r, 1) };
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
  runBlocks(k, 'copyBlocks', source, pointer, length, 8);
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
