// Reductions the trainer's statistics take on every step (gradient norms of
// every weight, activation statistics, update ratios, histograms), over
// float32 values where the backend keeps them, summed in float64 like the JS
// loops they replace (training/tensorStats.ts): each value goes through the
// same float64 operations as in JS, only the order of the sums differs.
// Kernels with several results leave them in wasm globals (no memory of our
// own), read back with `statsResult(i)`; the exported reductions run them
// over blocks and store each block's results in memory the caller gives
// (each kernel thread has its own globals).

let result0: f64 = 0;
let result1: f64 = 0;
let result2: f64 = 0;
let result3: f64 = 0;

/** Result `i` (0–3) of the last multi-result kernel. */
export function statsResult(i: i32): f64 {
  if (i == 0) return result0;
  if (i == 1) return result1;
  if (i == 2) return result2;
  return result3;
}

/** Lanes 2, 3 of a float32 vector as float64 lanes. */
// @ts-ignore: decorator
@inline function promoteHigh(v: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
}

/** All-ones lanes where x is finite (x − x is 0 only for finite x). */
// @ts-ignore: decorator
@inline function finiteMask(x: v128): v128 {
  return f32x4.eq(f32x4.sub(x, x), f32x4.splat(0));
}

/** Σ v[i]² over n floats at `p`, in float64 (two lanes, two accumulators). */
function sumOfSquaresOf(p: usize, n: i32): f64 {
  let acc0 = f64x2.splat(0), acc1 = f64x2.splat(0);
  const vectorEnd = p + (<usize>(n & ~3) << 2);
  let q = p;
  for (; q < vectorEnd; q += 16) {
    const v = v128.load(q);
    const lo = f64x2.promote_low_f32x4(v);
    const hi = promoteHigh(v);
    acc0 = f64x2.add(acc0, f64x2.mul(lo, lo));
    acc1 = f64x2.add(acc1, f64x2.mul(hi, hi));
  }
  const acc = f64x2.add(acc0, acc1);
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; q < p + (<usize>n << 2); q += 4) {
    const x = <f64>load<f32>(q);
    s += x * x;
  }
  return s;
}

/** Count of NaN/±Inf among n floats at `p`. */
function countNonFiniteOf(p: usize, n: i32): i32 {
  let finite = i32x4.splat(0);
  const vectorEnd = p + (<usize>(n & ~3) << 2);
  let q = p;
  for (; q < vectorEnd; q += 16) finite = i32x4.sub(finite, finiteMask(v128.load(q)));
  let count = i32x4.extract_lane(finite, 0) + i32x4.extract_lane(finite, 1) + i32x4.extract_lane(finite, 2) + i32x4.extract_lane(finite, 3);
  for (; q < p + (<usize>n << 2); q += 4) {
    const x = load<f32>(q);
    if (x - x == 0) count++;
  }
  return n - count;
}

/**
 * Over the finite values of n floats at `p`: result0 = Σ (float64),
 * result1 = min, result2 = max (±Infinity when none), result3 = how many.
 * Min/max keep the first of equal values per lane (pmin: `b < a ? b : a`, as
 * the JS `if (x < min)`), so only the sign of a zero result may differ from a
 * sequential scan (the caller fixes that).
 */
function finiteSumMinMaxOf(p: usize, n: i32): void {
  const inf = f32x4.splat(Infinity), negInf = f32x4.splat(-Infinity);
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  let lo = inf, hi = negInf, finite = i32x4.splat(0);
  const vectorEnd = p + (<usize>(n & ~3) << 2);
  let q = p;
  for (; q < vectorEnd; q += 16) {
    const x = v128.load(q);
    const ok = finiteMask(x);
    const kept = v128.and(x, ok);
    s0 = f64x2.add(s0, f64x2.promote_low_f32x4(kept));
    s1 = f64x2.add(s1, promoteHigh(kept));
    lo = f32x4.pmin(lo, v128.bitselect(x, inf, ok));
    hi = f32x4.pmax(hi, v128.bitselect(x, negInf, ok));
    finite = i32x4.sub(finite, ok);
  }
  const s = f64x2.add(s0, s1);
  let sum = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  let count = i32x4.extract_lane(finite, 0) + i32x4.extract_lane(finite, 1) + i32x4.extract_lane(finite, 2) + i32x4.extract_lane(finite, 3);
  let min: f32 = Infinity, max: f32 = -Infinity;
  for (let lane = 0; lane < 4; lane++) {
    const a = f32x4.extract_lane(lo, 0), b = f32x4.extract_lane(hi, 0);
    if (a < min) min = a;
    if (b > max) max = b;
    lo = i32x4.shuffle(lo, lo, 1, 2, 3, 0);
    hi = i32x4.shuffle(hi, hi, 1, 2, 3, 0);
  }
  for (; q < p + (<usize>n << 2); q += 4) {
    const x = load<f32>(q);
    if (x - x != 0) continue;
    sum += <f64>x;
    count++;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  result0 = sum;
  result1 = <f64>min;
  result2 = <f64>max;
  result3 = <f64>count;
}

/**
 * The sampled pass of activation statistics over rows r = 0, stride, 2·stride…
 * < rows of `rowLength` floats at `p` (n floats in all; the last row may be
 * short): result0 = finite values seen, result1 = Σ (x − mean)² over them
 * (float64), result2 = zeros, result3 = values ≤ low or ≥ high.
 */
export function sampledMoments(p: usize, n: i32, rowLength: i32, stride: i32, rows: i32, mean: f64, low: f32, high: f32): void {
  const m = f64x2.splat(mean), lowV = f32x4.splat(low), highV = f32x4.splat(high), zero = f32x4.splat(0);
  let sq0 = f64x2.splat(0), sq1 = f64x2.splat(0);
  let finite = i32x4.splat(0), zeros = i32x4.splat(0), saturated = i32x4.splat(0);
  let squares: f64 = 0;
  let finiteTail = 0, zerosTail = 0, saturatedTail = 0;
  for (let r = 0; r < rows; r += stride) {
    const start = r * rowLength;
    const end = min(n, start + rowLength);
    let q = p + (<usize>start << 2);
    const rowEnd = p + (<usize>end << 2);
    for (; q + 16 <= rowEnd; q += 16) {
      const x = v128.load(q);
      const ok = finiteMask(x);
      const d0 = f64x2.sub(f64x2.promote_low_f32x4(x), m);
      const d1 = f64x2.sub(promoteHigh(x), m);
      // Non-finite lanes give NaN/Inf squares: masked to 0.
      sq0 = f64x2.add(sq0, v128.and(f64x2.mul(d0, d0), i64x2.extend_low_i32x4_s(ok)));
      sq1 = f64x2.add(sq1, v128.and(f64x2.mul(d1, d1), i64x2.extend_high_i32x4_s(ok)));
      finite = i32x4.sub(finite, ok);
      zeros = i32x4.sub(zeros, f32x4.eq(x, zero));
      saturated = i32x4.sub(saturated, v128.or(f32x4.le(x, lowV), f32x4.ge(x, highV)));
    }
    for (; q < rowEnd; q += 4) {
      const x = load<f32>(q);
      if (x == 0) zerosTail++;
      if (x <= low || x >= high) saturatedTail++;
      if (x - x == 0) {
        const d = <f64>x - mean;
        squares += d * d;
        finiteTail++;
      }
    }
  }
  const sq = f64x2.add(sq0, sq1);
  result0 = <f64>(i32x4.extract_lane(finite, 0) + i32x4.extract_lane(finite, 1) + i32x4.extract_lane(finite, 2) + i32x4.extract_lane(finite, 3) + finiteTail);
  result1 = f64x2.extract_lane(sq, 0) + f64x2.extract_lane(sq, 1) + squares;
  result2 = <f64>(i32x4.extract_lane(zeros, 0) + i32x4.extract_lane(zeros, 1) + i32x4.extract_lane(zeros, 2) + i32x4.extract_lane(zeros, 3) + zerosTail);
  result3 = <f64>(i32x4.extract_lane(saturated, 0) + i32x4.extract_lane(saturated, 1) + i32x4.extract_lane(saturated, 2) + i32x4.extract_lane(saturated, 3) + saturatedTail);
}

/**
 * ||a − b||² (result0) and ||b||² (result1) in float64 over n floats at `a`
 * and `b` (update ratios: a after the update, b before).
 */
function updateSumsOf(a: usize, b: usize, n: i32): void {
  let d0 = f64x2.splat(0), d1 = f64x2.splat(0), b0 = f64x2.splat(0), b1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    const x = v128.load(a + off), y = v128.load(b + off);
    const ylo = f64x2.promote_low_f32x4(y), yhi = promoteHigh(y);
    const dlo = f64x2.sub(f64x2.promote_low_f32x4(x), ylo), dhi = f64x2.sub(promoteHigh(x), yhi);
    d0 = f64x2.add(d0, f64x2.mul(dlo, dlo));
    d1 = f64x2.add(d1, f64x2.mul(dhi, dhi));
    b0 = f64x2.add(b0, f64x2.mul(ylo, ylo));
    b1 = f64x2.add(b1, f64x2.mul(yhi, yhi));
  }
  const d = f64x2.add(d0, d1), nb = f64x2.add(b0, b1);
  let diff = f64x2.extract_lane(d, 0) + f64x2.extract_lane(d, 1);
  let norm = f64x2.extract_lane(nb, 0) + f64x2.extract_lane(nb, 1);
  for (; i < n; i++) {
    const y = <f64>load<f32>(b + (<usize>i << 2));
    const e = <f64>load<f32>(a + (<usize>i << 2)) - y;
    diff += e * e;
    norm += y * y;
  }
  result0 = diff;
  result1 = norm;
}

/**
 * A histogram of every `stride`-th of `total` floats at `p` into `bins` int32
 * counts at `counts` (zeroed here), over [min, max] of the finite sampled
 * values: result0 = min, result1 = max (min > max when none is finite, counts
 * then untouched). The same float64 operations as the JS loop, in the same
 * order: identical bins and edges.
 */
export function stridedHistogram(p: usize, total: i32, stride: i32, bins: i32, counts: usize): void {
  let lo: f64 = Infinity, hi: f64 = -Infinity;
  const step = <usize>stride << 2;
  const end = p + (<usize>total << 2);
  for (let q = p; q < end; q += step) {
    const x = <f64>load<f32>(q);
    if (x - x != 0) continue;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  result0 = lo;
  result1 = hi;
  if (lo > hi) return;
  for (let b = 0; b < bins; b++) store<i32>(counts + (<usize>b << 2), 0);
  const scale = <f64>bins / max(hi - lo, 1e-30);
  for (let q = p; q < end; q += step) {
    const x = <f64>load<f32>(q);
    if (x - x != 0) continue;
    const bin = floor((x - lo) * scale);
    const index = bin >= <f64>bins ? bins - 1 : bin < 0 ? 0 : <i32>bin;
    const at = counts + (<usize>index << 2);
    store<i32>(at, load<i32>(at) + 1);
  }
}

/** What blocks() computes per block. */
const SUM_OF_SQUARES: i32 = 0;
const COUNT_NON_FINITE: i32 = 1;
const FINITE_SUM_MIN_MAX: i32 = 2;
const UPDATE_SUMS: i32 = 3;
const COPY: i32 = 4;

/**
 * One reduction (or the copy q ← p) over blocks [b0, b1) of `blockFloats`
 * floats of the n at p (and q), block b's results (result0–3 of the
 * single-pass kernels above, as float64) to out + 32·b bytes. Blocks are
 * sized from n alone (../heapStats.ts), so threads taking ranges of them, and
 * the caller adding the blocks up in order, give the same bits on any thread
 * count. The exports below, one per reduction, share this signature.
 */
// @ts-ignore: decorator
@inline function blocks(kind: i32, p: usize, q: usize, n: i32, blockFloats: i32, b0: i32, b1: i32, out: usize): void {
  for (let b = b0; b < b1; b++) {
    const start = b * blockFloats;
    const length = min(blockFloats, n - start);
    const offset = <usize>start << 2;
    result0 = result1 = result2 = result3 = 0;
    if (kind == SUM_OF_SQUARES) result0 = sumOfSquaresOf(p + offset, length);
    else if (kind == COUNT_NON_FINITE) result0 = <f64>countNonFiniteOf(p + offset, length);
    else if (kind == FINITE_SUM_MIN_MAX) finiteSumMinMaxOf(p + offset, length);
    else if (kind == UPDATE_SUMS) updateSumsOf(p + offset, q + offset, length);
    else memory.copy(q + offset, p + offset, <usize>length << 2);
    const slot = out + (<usize>b << 5);
    store<f64>(slot, result0);
    store<f64>(slot, result1, 8);
    store<f64>(slot, result2, 16);
    store<f64>(slot, result3, 24);
  }
}

/** Σ v² per block (result0). */
export function sumOfSquares(p: usize, q: usize, n: i32, blockFloats: i32, b0: i32, b1: i32, out: usize): void {
  blocks(SUM_OF_SQUARES, p, q, n, blockFloats, b0, b1, out);
}

/** Non-finite values per block (result0). */
export function countNonFinite(p: usize, q: usize, n: i32, blockFloats: i32, b0: i32, b1: i32, out: usize): void {
  blocks(COUNT_NON_FINITE, p, q, n, blockFloats, b0, b1, out);
}

/** Σ, min, max and count of the finite values per block (result0–3). */
export function finiteSumMinMax(p: usize, q: usize, n: i32, blockFloats: i32, b0: i32, b1: i32, out: usize): void {
  blocks(FINITE_SUM_MIN_MAX, p, q, n, blockFloats, b0, b1, out);
}

/** ||p − q||² and ||q||² per block (result0, result1). */
export function updateSums(p: usize, q: usize, n: i32, blockFloats: i32, b0: i32, b1: i32, out: usize): void {
  blocks(UPDATE_SUMS, p, q, n, blockFloats, b0, b1, out);
}

/** q ← p, block by block (a weights snapshot). */
export function copyBlocks(p: usize, q: usize, n: i32, blockFloats: i32, b0: i32, b1: i32, out: usize): void {
  blocks(COPY, p, q, n, blockFloats, b0, b1, out);
}
