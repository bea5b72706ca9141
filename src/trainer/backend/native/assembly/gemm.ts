// Single-precision matrix product C = A·B (+ C) for the wasm backend, with any
// strides for A and B (so Aᵀ and Bᵀ cost nothing extra), a batch loop, and an
// optional bias row and ReLU applied on the way out. B is packed, 8 columns
// at a time, into a contiguous panel; a 4×8 block of C is then kept in eight
// SIMD registers over the whole K loop (the register-blocked micro-kernel of
// every fast GEMM, sized for the 16 xmm registers V8 allocates on x64).

import { madd, at } from './simd';

/** Activation applied to the output: 0 none, 1 ReLU. */
const ACT_RELU: i32 = 1;

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

function block(
  rows: i32, K: i32, a: usize, aRow: i32, aCol: i32, panel: usize,
  cp: usize, ldc: i32, width: i32, accumulate: i32, bias: usize, act: i32,
): void {
  // rows is 4 or 1.
  const aColBytes = <usize>aCol << 2;
  if (rows == 4) {
    let p0 = a, p1 = at(a, aRow), p2 = at(a, 2 * aRow), p3 = at(a, 3 * aRow);
    let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
    let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
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
      p0 += aColBytes; p1 += aColBytes; p2 += aColBytes; p3 += aColBytes;
      bp += 32;
    }
    const rowBytes = <usize>ldc << 2;
    finish(c00, cp, 0, width, accumulate, bias, act);
    finish(c01, cp + 16, 4, width, accumulate, bias + (bias ? 16 : 0), act);
    finish(c10, cp + rowBytes, 0, width, accumulate, bias, act);
    finish(c11, cp + rowBytes + 16, 4, width, accumulate, bias + (bias ? 16 : 0), act);
    finish(c20, cp + 2 * rowBytes, 0, width, accumulate, bias, act);
    finish(c21, cp + 2 * rowBytes + 16, 4, width, accumulate, bias + (bias ? 16 : 0), act);
    finish(c30, cp + 3 * rowBytes, 0, width, accumulate, bias, act);
    finish(c31, cp + 3 * rowBytes + 16, 4, width, accumulate, bias + (bias ? 16 : 0), act);
    return;
  }
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
      const biasBlock = bias ? at(bias, j0) : 0;
      let i = 0;
      for (; i + 4 <= M; i += 4) {
        block(4, K, at(at_, i * aRow), aRow, aCol, panel, at(ct, i * ldc + j0), ldc, width, accumulate, biasBlock, act);
      }
      for (; i < M; i++) {
        block(1, K, at(at_, i * aRow), aRow, aCol, panel, at(ct, i * ldc + j0), ldc, width, accumulate, biasBlock, act);
      }
    }
  }
}
