// Element-wise parts of a Dense layer around the gemm: the activation of the
// forward pass (ReLU is fused into gemm's epilogue; sigmoid and tanh are
// applied here in place), and for the backward pass, in one sweep, the
// pre-activation gradient dz = dy ⊙ act'(y) (from the layer's OUTPUT y, which
// is all these activations need) and the bias gradient db = Σ_rows dz.
// Activation codes: 0 linear, 1 ReLU, 2 sigmoid, 3 tanh.

import { vsigmoid, vtanh } from './activations';

export function denseActivation(n: i32, y: usize, act: i32): void {
  if (act != 2 && act != 3) return;
  const vectorEnd = y + (<usize>(n & ~3) << 2);
  let p = y;
  for (; p < vectorEnd; p += 16) v128.store(p, act == 2 ? vsigmoid(v128.load(p)) : vtanh(v128.load(p)));
  // The tail through a lane of a vector, so every element sees the same arithmetic.
  for (; p < y + (<usize>n << 2); p += 4) {
    const v = v128.load32_splat(p);
    store<f32>(p, f32x4.extract_lane(act == 2 ? vsigmoid(v) : vtanh(v), 0));
  }
}

/**
 * dz = dy ⊙ act'(y) (from the layer's output y) of a [rows, cols] matrix and,
 * when `partials` is not 0, the column sums of each block of `blockRows` rows
 * into partials[block·cols …] (summed over the block's rows in order), for the
 * blocks b0 ≤ block < b1: a thread's part of the backward sweep of a Dense
 * layer or a fused convolution (rows = positions). The caller sums the
 * partials over the blocks in order (columnSums), so the bias gradient has the
 * same bits on any number of threads; with one block it is the plain
 * row-by-row sum. Rows of a block are still in cache when they are summed.
 */
export function denseBackwardBlocks(
  rows: i32, cols: i32, blockRows: i32, dy: usize, y: usize, act: i32, dz: usize, partials: usize, b0: i32, b1: i32,
): void {
  for (let b = b0; b < b1; b++) {
    const r0 = b * blockRows;
    const r1 = min(rows, r0 + blockRows);
    const offset = <usize>(r0 * cols) << 2;
    activationGrad((r1 - r0) * cols, dy + offset, y + offset, act, dz + offset);
    if (partials != 0) columnSums(r1 - r0, cols, dz + offset, partials + (<usize>(b * cols) << 2));
  }
}

/**
 * dz = dy ⊙ act'(y) over n elements (any range: each element's result does
 * not depend on the range it is in, the SIMD and scalar paths computing the
 * same bits).
 */
export function activationGrad(n: i32, dy: usize, y: usize, act: i32, dz: usize): void {
  if (act == 0) {
    memory.copy(dz, dy, <usize>n << 2);
  } else if (act == 1) {
    const zero = f32x4.splat(0);
    const vectorEnd = <usize>(n & ~3) << 2;
    let o: usize = 0;
    for (; o < vectorEnd; o += 16) {
      // dy where y > 0, else 0 (tfjs' ReLU gradient: dy · step(y)).
      const keep = f32x4.gt(v128.load(y + o), zero);
      v128.store(dz + o, v128.and(v128.load(dy + o), keep));
    }
    for (; o < (<usize>n << 2); o += 4) store<f32>(dz + o, load<f32>(y + o) > 0 ? load<f32>(dy + o) : 0);
  } else if (act == 2) {
    for (let o: usize = 0; o < (<usize>n << 2); o += 4) {
      const s = load<f32>(y + o);
      store<f32>(dz + o, load<f32>(dy + o) * (s * (<f32>1 - s)));
    }
  } else {
    for (let o: usize = 0; o < (<usize>n << 2); o += 4) {
      const t = load<f32>(y + o);
      store<f32>(dz + o, load<f32>(dy + o) * (<f32>1 - t * t));
    }
  }
}

/** db[c] = Σ_r src[r·cols + c] of a [rows, cols] matrix, each column summed over the rows in order. */
export function columnSums(rows: i32, cols: i32, src: usize, db: usize): void {
  memory.fill(db, 0, <usize>cols << 2);
  for (let r = 0; r < rows; r++) {
    const row = src + (<usize>(r * cols) << 2);
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      const o = <usize>c << 2;
      v128.store(db + o, f32x4.add(v128.load(db + o), v128.load(row + o)));
    }
    for (; c < cols; c++) {
      const o = <usize>c << 2;
      store<f32>(db + o, load<f32>(db + o) + load<f32>(row + o));
    }
  }
}

/**
 * The ReLU gradient dx = dy · step(x), as tfjs composes it (Step, Cast and
 * Multiply: three passes and dispatches) in one pass with the same products,
 * so the same bits: step is 1 where x > 0, NaN where x is NaN, else 0 (so
 * dy = ±Inf or NaN gives NaN there, and a negative dy −0, as in tfjs).
 */
export function reluGrad(n: i32, dy: usize, x: usize, dx: usize): void {
  const zero = f32x4.splat(0), one = f32x4.splat(1);
  const vectorEnd = <usize>(n & ~3) << 2;
  let o: usize = 0;
  for (; o < vectorEnd; o += 16) {
    const xv = v128.load(x + o);
    const step = v128.bitselect(xv, v128.and(f32x4.gt(xv, zero), one), f32x4.ne(xv, xv));
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), step));
  }
  for (; o < (<usize>n << 2); o += 4) {
    const xs = load<f32>(x + o);
    const step: f32 = xs != xs ? xs : xs > 0 ? 1 : 0;
    store<f32>(dx + o, load<f32>(dy + o) * step);
  }
}
