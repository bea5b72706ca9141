// Single-precision matrix product C = A·B (+ C) for the wasm backend, with any
// strides for A and B (so Aᵀ and Bᵀ cost nothing extra), a batch loop, and an
// optional bias row and ReLU applied on the way out. B is packed, 8 columns
// at a time, into a contiguous panel; a 6×8 block of C is then kept in twelve
// SIMD registers over the whole K loop (the register-blocked micro-kernel of
// every fast GEMM, sized for the 15 xmm registers V8 allocates on x64), with
// 4×8 and 1×8 blocks for the rows left over.

import { madd, at } from './simd';

/** Activation applied to the output: 0 none, 1 ReLU. */
const ACT_RELU: i32 = 1;

/**
 * Four columns of B (at src, src + colBytes, …; four floats each, k..k+3)
 * stored as four panel rows of four floats (k..k+3 at dst, dst + 32, …).
 */
// @ts-ignore: decorator
@inline function transpose4(dst: usize, src: usize, colBytes: usize): void {
  const r0 = v128.load(src), r1 = v128.load(src + colBytes);
  const r2 = v128.load(src + 2 * colBytes), r3 = v128.load(src + 3 * colBytes);
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5); // a0 b0 a1 b1
  const t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5); // c0 d0 c1 d1
  const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7); // a2 b2 a3 b3
  const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7); // c2 d2 c3 d3
  v128.store(dst, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
  v128.store(dst, i32x4.shuffle(t0, t1, 2, 3, 6, 7), 32);
  v128.store(dst, i32x4.shuffle(t2, t3, 0, 1, 4, 5), 64);
  v128.store(dst, i32x4.shuffle(t2, t3, 2, 3, 6, 7), 96);
}

// @ts-ignore: decorator
@inline function packPanel(panel: usize, b: usize, bRow: i32, bCol: i32, K: i32, j0: i32, width: i32): void {
  if (width == 8 && bCol == 1) {
    for (let k = 0; k < K; k++) {
      const src = at(b, k * bRow + j0);
      const dst = at(panel, k * 8);
      v128.store(dst, v128.load(src));
      v128.store(dst, v128.load(src, 16), 16);
    }
    return;
  }
  if (width == 8 && bRow == 1) {
    // Bᵀ (a weight read transposed, dX = dY·Wᵀ): each of the 8 columns is
    // contiguous. Four k of all eight columns at a time: eight loads, two 4×4
    // transposes in registers, eight stores (the element loop below took a
    // fifth of the product's time).
    const colBytes = <usize>bCol << 2;
    const c0 = at(b, j0 * bCol);
    let k = 0;
    for (; k + 4 <= K; k += 4) {
      const src = c0 + (<usize>k << 2);
      const dst = at(panel, k * 8);
      transpose4(dst, src, colBytes);
      transpose4(dst + 16, src + 4 * colBytes, colBytes);
    }
    for (; k < K; k++) {
      const dst = at(panel, k * 8);
      for (let j = 0; j < 8; j++) store<f32>(at(dst, j), load<f32>(at(b, k + (j0 + j) * bCol)));
    }
    return;
  }
  for (let k = 0; k < K; k++) {
    const dst = at(panel, k * 8);
    for (let j = 0; j < 8; j++) {
      store<f32>(at(dst, j), j < width ? load<f32>(at(b, k * bRow + (j0 + j) * bCol)) : 0);
    }
  }
}

// @ts-ignore: decorator
@inline function finish(v: v128, cp: usize, col: i32, width: i32, accumulate: i32, bias: usize, act: i32): void {
  // Columns col..col+3 of one output row; `width` = valid columns in this 8-block.
  let x = v;
  if (width >= col + 4) {
    if (accumulate) x = f32x4.add(x, v128.load(cp));
    if (bias) x = f32x4.add(x, v128.load(bias));
    if (act == ACT_RELU) x = f32x4.max(x, f32x4.splat(0));
    v128.store(cp, x);
    return;
  }
  for (let j = 0; j < 4; j++) {
    if (col + j >= width) return;
    let s: f32 = 0;
    if (j == 0) s = f32x4.extract_lane(x, 0);
    else if (j == 1) s = f32x4.extract_lane(x, 1);
    else if (j == 2) s = f32x4.extract_lane(x, 2);
    else s = f32x4.extract_lane(x, 3);
    const p = at(cp, j);
    if (accumulate) s += load<f32>(p);
    if (bias) s += load<f32>(at(bias, j));
    if (act == ACT_RELU && s < 0) s = 0;
    store<f32>(p, s);
  }
}

/**
 * Up to six rows of C by eight columns: twelve accumulators. A multiply-add
 * takes 4 cycles and two start per cycle, so the eight accumulators of a 4×8
 * block keep the FMA units busy only if nothing else ever stalls; twelve
 * leave slack, and with the two B vectors and the broadcast A value they use
 * all 15 xmm registers V8 allocates. On the benchmark MLP's products
 * (`node dist/bench.js --kernels`): x·W 36–40 → 46–49 GFLOP/s. With fewer
 * than six `rows` (3 to 5 left over) the missing rows repeat the last one
 * and are not stored: cheaper than running them one row at a time.
 */
function rowBlock(
  rows: i32, K: i32, a: usize, aRow: i32, aCol: i32, panel: usize,
  cp: usize, ldc: i32, width: i32, accumulate: i32, bias: usize, act: i32,
): void {
  const aColBytes = <usize>aCol << 2;
  const last = rows - 1;
  let p0 = a, p1 = at(a, min(1, last) * aRow), p2 = at(a, min(2, last) * aRow);
  let p3 = at(a, min(3, last) * aRow), p4 = at(a, min(4, last) * aRow), p5 = at(a, min(5, last) * aRow);
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0), c50 = f32x4.splat(0), c51 = f32x4.splat(0);
  let bp = panel;
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let s = v128.load32_splat(p0);
    c00 = madd(s, b0, c00); c01 = madd(s, b1, c01);
    s = v128.load32_splat(p1);
    c10 = madd(s, b0, c10); c11 = madd(s, b1, c11);
    s = v128.load32_splat(p2);
    c20 = madd(s, b0, c20); c21 = madd(s, b1, c21);
    s = v128.load32_splat(p3);
    c30 = madd(s, b0, c30); c31 = madd(s, b1, c31);
    s = v128.load32_splat(p4);
    c40 = madd(s, b0, c40); c41 = madd(s, b1, c41);
    s = v128.load32_splat(p5);
    c50 = madd(s, b0, c50); c51 = madd(s, b1, c51);
    p0 += aColBytes; p1 += aColBytes; p2 += aColBytes; p3 += aColBytes; p4 += aColBytes; p5 += aColBytes;
    bp += 32;
  }
  // One line per row, returning after the last one: written as nested `if`s,
  // or with `finish` not inlined, the whole kernel ran at half the GFLOP/s
  // (V8's code for the k loop above changes with it; spills, we guess).
  const b4 = bias + (bias ? 16 : 0), r = <usize>ldc << 2;
  finish(c00, cp, 0, width, accumulate, bias, act); finish(c01, cp + 16, 4, width, accumulate, b4, act);
  if (rows < 2) return; finish(c10, cp + r, 0, width, accumulate, bias, act); finish(c11, cp + r + 16, 4, width, accumulate, b4, act);
  if (rows < 3) return; finish(c20, cp + 2 * r, 0, width, accumulate, bias, act); finish(c21, cp + 2 * r + 16, 4, width, accumulate, b4, act);
  if (rows < 4) return; finish(c30, cp + 3 * r, 0, width, accumulate, bias, act); finish(c31, cp + 3 * r + 16, 4, width, accumulate, b4, act);
  if (rows < 5) return; finish(c40, cp + 4 * r, 0, width, accumulate, bias, act); finish(c41, cp + 4 * r + 16, 4, width, accumulate, b4, act);
  if (rows < 6) return; finish(c50, cp + 5 * r, 0, width, accumulate, bias, act); finish(c51, cp + 5 * r + 16, 4, width, accumulate, b4, act);
}

/** One row of C by eight columns (M of 1 or 2 or the last row or two). */
function singleRow(K: i32, a: usize, aCol: i32, panel: usize, cp: usize, width: i32, accumulate: i32, bias: usize, act: i32): void {
  const aColBytes = <usize>aCol << 2;
  let p0 = a;
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let bp = panel;
  for (let k = 0; k < K; k++) {
    const s = v128.load32_splat(p0);
    c00 = madd(s, v128.load(bp), c00);
    c01 = madd(s, v128.load(bp, 16), c01);
    p0 += aColBytes;
    bp += 32;
  }
  finish(c00, cp, 0, width, accumulate, bias, act);
  finish(c01, cp + 16, 4, width, accumulate, bias + (bias ? 16 : 0), act);
}

/**
 * For each batch index t < batch: C_t[M,N] (=|+=) A_t[M,K] · B_t[K,N].
 * A_t(i,k) is at a + 4·(t·aBatch + i·aRow + k·aCol); B_t(k,j) at
 * b + 4·(t·bBatch + k·bRow + j·bCol); C_t(i,j) at c + 4·(t·cBatch + i·ldc + j).
 * `bias` (0 = none) is a row of N floats added to every output row, `act`
 * 0 (none) or 1 (ReLU) is applied last. `panel` is scratch of 8·K floats.
 */
export function gemm(
  batch: i32, M: i32, N: i32, K: i32,
  a: usize, aBatch: i32, aRow: i32, aCol: i32,
  b: usize, bBatch: i32, bRow: i32, bCol: i32,
  c: usize, cBatch: i32, ldc: i32,
  accumulate: i32, bias: usize, act: i32, panel: usize,
): void {
  for (let t = 0; t < batch; t++) {
    const at_ = at(a, t * aBatch);
    const bt = at(b, t * bBatch);
    const ct = at(c, t * cBatch);
    for (let j0 = 0; j0 < N; j0 += 8) {
      const width = min(8, N - j0);
      packPanel(panel, bt, bRow, bCol, K, j0, width);
      panelProduct(M, K, at_, aRow, aCol, panel, at(ct, j0), ldc, width, accumulate, bias ? at(bias, j0) : 0, act);
    }
  }
}

/** Columns j0 .. j0+width-1 of C[M, ·] (at `c`) from A[M, K] and the packed panel of those columns of B. */
// @ts-ignore: decorator
@inline function panelProduct(
  M: i32, K: i32, a: usize, aRow: i32, aCol: i32, panel: usize,
  c: usize, ldc: i32, width: i32, accumulate: i32, bias: usize, act: i32,
): void {
  let i = 0;
  for (; i + 3 <= M; i += 6) {
    rowBlock(min(6, M - i), K, at(a, i * aRow), aRow, aCol, panel, at(c, i * ldc), ldc, width, accumulate, bias, act);
  }
  for (; i < M; i++) {
    singleRow(K, at(a, i * aRow), aCol, panel, at(c, i * ldc), width, accumulate, bias, act);
  }
}

/**
 * C[M, N] = A[M, K] · B with B already packed: N/8 panels of K×8 floats one
 * after the other (packPanel's layout), N a multiple of 8. For a B used by
 * many products (the Winograd filter), packed once instead of per call.
 */
export function gemmPacked(M: i32, N: i32, K: i32, a: usize, aRow: i32, aCol: i32, panels: usize, c: usize, ldc: i32): void {
  for (let j0 = 0; j0 < N; j0 += 8) {
    panelProduct(M, K, a, aRow, aCol, at(panels, j0 * K), at(c, j0), ldc, 8, 0, 0, 0);
  }
}
