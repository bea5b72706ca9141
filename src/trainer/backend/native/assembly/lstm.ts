// A whole LSTM sequence in one call forward and one call backward (Keras gate
// order i, f, c, o; h0 = c0 = 0), replacing the ~100 small kernels per time
// step that tfjs-layers' LSTM dispatches. The matrix products go through the
// shared `gemm`; the gate arithmetic is SIMD over the units (4 lanes, then a
// one-lane tail so any unit count works). Rows are (batch, step) pairs in the
// input's [batch, steps, …] order, so no transposes are needed.
//
// Threads (../lstm.ts): batch rows never mix, forward or in the backward
// pass's walk back through the steps, so those calls take a range of batch
// rows [b0, b1); the weight gradients sum over every row and are split by
// their columns instead (lstmBackwardWeights). Each output element is computed
// the same way on any split, so results have the same bits on any thread count.
//
// Workspace written forward and read backward (floats, rows = batch·steps,
// G = 4·units): gates [rows, G] (activated i, f, c̃, o) | c [rows, units] |
// act(c) [rows, units] | hPrev [rows, units] (h of the step before; 0 at step 0).

import { vsigmoid, vtanh } from './activations';
import { gemm } from './gemm';

/** Activation codes (same numbering in ../lstm.ts). */
const LINEAR: i32 = 0;
const TANH: i32 = 1;
const SIGMOID: i32 = 2;
const HARD_SIGMOID: i32 = 3;
const RELU: i32 = 4;

// @ts-ignore: decorator
@inline function ld(p: usize, one: bool): v128 {
  return one ? v128.load32_splat(p) : v128.load(p);
}

// @ts-ignore: decorator
@inline function st(p: usize, v: v128, one: bool): void {
  if (one) store<f32>(p, f32x4.extract_lane(v, 0));
  else v128.store(p, v);
}

// @ts-ignore: decorator
@inline function activate(x: v128, kind: i32): v128 {
  if (kind == TANH) return vtanh(x);
  if (kind == SIGMOID) return vsigmoid(x);
  // tfjs-layers: clipByValue(0.5 + 0.2·x, 0, 1), multiply and add rounded separately.
  if (kind == HARD_SIGMOID) {
    const y = f32x4.add(f32x4.mul(x, f32x4.splat(0.2)), f32x4.splat(0.5));
    return f32x4.min(f32x4.max(y, f32x4.splat(0)), f32x4.splat(1));
  }
  if (kind == RELU) return f32x4.max(x, f32x4.splat(0));
  return x;
}

/** The activation's derivative, from its output `a` (as tfjs' gradients compute it). */
// @ts-ignore: decorator
@inline function derivative(a: v128, kind: i32): v128 {
  const one = f32x4.splat(1);
  if (kind == TANH) return f32x4.sub(one, f32x4.mul(a, a));
  if (kind == SIGMOID) return f32x4.mul(a, f32x4.sub(one, a));
  if (kind == HARD_SIGMOID) {
    const inside = v128.and(f32x4.gt(a, f32x4.splat(0)), f32x4.lt(a, one));
    return v128.and(inside, f32x4.splat(0.2));
  }
  if (kind == RELU) return v128.and(f32x4.gt(a, f32x4.splat(0)), one);
  return one;
}

/** One step's gate arithmetic for units u..u+3 (or lane u alone when `one`). Pointers 0 = absent. */
// @ts-ignore: decorator
@inline function cellForward(
  gp: usize, cp: usize, ap: usize, cPrev: usize, hNext: usize, out: usize,
  u: i32, U: i32, act: i32, ract: i32, one: bool,
): void {
  const pi = gp + (<usize>u << 2);
  const pf = pi + (<usize>U << 2);
  const pg = pf + (<usize>U << 2);
  const po = pg + (<usize>U << 2);
  const i = activate(ld(pi, one), ract);
  const f = activate(ld(pf, one), ract);
  const g = activate(ld(pg, one), act);
  const o = activate(ld(po, one), ract);
  st(pi, i, one); st(pf, f, one); st(pg, g, one); st(po, o, one);
  const off = <usize>u << 2;
  const prev = cPrev ? ld(cPrev + off, one) : f32x4.splat(0);
  const c = f32x4.add(f32x4.mul(f, prev), f32x4.mul(i, g));
  const a = activate(c, act);
  const h = f32x4.mul(o, a);
  st(cp + off, c, one);
  st(ap + off, a, one);
  if (hNext) st(hNext + off, h, one);
  if (out) st(out + off, h, one);
}

/**
 * Forward pass over the whole sequence for batch rows [b0, b1). x [B,T,D],
 * w [D,4U], r [U,4U], bias [4U] (0 = none); `out` is [B,T,U] when
 * returnSequences, else [B,U]; `ws` the workspace (7·B·T·U floats), `panel`
 * scratch of 8·max(D,U) floats (one per concurrent call).
 */
export function lstmForward(
  B: i32, T: i32, D: i32, U: i32,
  x: usize, w: usize, r: usize, bias: usize,
  act: i32, ract: i32, returnSequences: i32,
  out: usize, ws: usize, panel: usize, b0: i32, b1: i32,
): void {
  const G = 4 * U;
  const rows = B * T;
  const gates = ws;
  const cs = gates + (<usize>(rows * G) << 2);
  const acts = cs + (<usize>(rows * U) << 2);
  const hPrev = acts + (<usize>(rows * U) << 2);
  const nb = b1 - b0;
  if (nb <= 0) return;
  // Input projection of every step at once: Z = x·W + b (this range's rows are contiguous).
  const r0 = b0 * T;
  gemm(1, nb * T, G, D, x + (<usize>(r0 * D) << 2), 0, D, 1, w, 0, G, 1, gates + (<usize>(r0 * G) << 2), 0, G, 0, bias, 0, panel);
  for (let b = b0; b < b1; b++) {
    const h0 = hPrev + (<usize>(b * T * U) << 2);
    for (let u = 0; u < U; u++) store<f32>(h0 + (<usize>u << 2), 0);
  }
  const tail = U & ~3;
  for (let t = 0; t < T; t++) {
    // Z_t += h_{t-1}·R for the range's batch rows (h_{-1} = 0: nothing to add at t = 0).
    if (t > 0) {
      const row = r0 + t;
      gemm(1, nb, G, U, hPrev + (<usize>(row * U) << 2), 0, T * U, 1, r, 0, G, 1, gates + (<usize>(row * G) << 2), 0, T * G, 1, 0, 0, panel);
    }
    for (let b = b0; b < b1; b++) {
      const row = b * T + t;
      const gp = gates + (<usize>(row * G) << 2);
      const cp = cs + (<usize>(row * U) << 2);
      const ap = acts + (<usize>(row * U) << 2);
      const cPrev: usize = t > 0 ? cp - (<usize>U << 2) : 0;
      const hNext: usize = t + 1 < T ? hPrev + (<usize>((row + 1) * U) << 2) : 0;
      let o: usize = 0;
      if (returnSequences) o = out + (<usize>(row * U) << 2);
      else if (t == T - 1) o = out + (<usize>(b * U) << 2);
      let u = 0;
      for (; u < tail; u += 4) cellForward(gp, cp, ap, cPrev, hNext, o, u, U, act, ract, false);
      for (; u < U; u++) cellForward(gp, cp, ap, cPrev, hNext, o, u, U, act, ract, true);
    }
  }
}

/**
 * Rows of (batch, step) summed per chunk, then the chunks summed: a float32
 * sum over all B·T rows in one sequence would lose more precision than the
 * stock layer's per-step products added up step by step.
 */
const CHUNK: i32 = 64;

/**
 * C[M,N] = Σ_rows A(row)ᵀ·dZ(row), A(row) = M floats at a + 4·row·aStride,
 * dZ rows of N floats `ld` floats apart, C rows `ld` floats apart (N columns
 * of a wider matrix: a thread's part).
 */
function sumOverRows(M: i32, N: i32, ld: i32, rows: i32, a: usize, aStride: i32, dz: usize, c: usize, panel: usize): void {
  const full = rows / CHUNK;
  const rest = rows - full * CHUNK;
  if (full > 0) {
    gemm(1, M, N, CHUNK, a, 0, 1, aStride, dz, 0, ld, 1, c, 0, ld, 0, 0, 0, panel);
    if (full > 1) {
      const a1 = a + (<usize>(CHUNK * aStride) << 2);
      const dz1 = dz + (<usize>(CHUNK * ld) << 2);
      gemm(full - 1, M, N, CHUNK, a1, CHUNK * aStride, 1, aStride, dz1, CHUNK * ld, ld, 1, c, 0, ld, 1, 0, 0, panel);
    }
  }
  if (rest > 0) {
    const a2 = a + (<usize>(full * CHUNK * aStride) << 2);
    const dz2 = dz + (<usize>(full * CHUNK * ld) << 2);
    gemm(1, M, N, rest, a2, 0, 1, aStride, dz2, 0, ld, 1, c, 0, ld, full > 0 ? 1 : 0, 0, 0, panel);
  }
}

/** One step's gradients for units u..u+3 (or lane u alone): dZ, and the carry gradient handed to step t−1. */
// @ts-ignore: decorator
@inline function cellBackward(
  gp: usize, ap: usize, cPrev: usize, dyp: usize, dhp: usize, dcp: usize, first: bool, dz: usize,
  u: i32, U: i32, act: i32, ract: i32, one: bool,
): void {
  const off = <usize>u << 2;
  const stride = <usize>U << 2;
  const pi = gp + off;
  const gi = ld(pi, one);
  const gf = ld(pi + stride, one);
  const gg = ld(pi + 2 * stride, one);
  const go = ld(pi + 3 * stride, one);
  const a = ld(ap + off, one);
  const zero = f32x4.splat(0);
  let dh = dyp ? ld(dyp + off, one) : zero;
  if (dhp) dh = f32x4.add(dh, ld(dhp + off, one));
  let dc = f32x4.mul(f32x4.mul(dh, go), derivative(a, act));
  if (!first) dc = f32x4.add(ld(dcp + off, one), dc);
  const prev = cPrev ? ld(cPrev + off, one) : zero;
  const pz = dz + off;
  st(pz, f32x4.mul(f32x4.mul(dc, gg), derivative(gi, ract)), one);
  st(pz + stride, f32x4.mul(f32x4.mul(dc, prev), derivative(gf, ract)), one);
  st(pz + 2 * stride, f32x4.mul(f32x4.mul(dc, gi), derivative(gg, act)), one);
  st(pz + 3 * stride, f32x4.mul(f32x4.mul(dh, a), derivative(go, ract)), one);
  st(dcp + off, f32x4.mul(dc, gf), one);
}

/** rt [4U, U] = rᵀ (r [U, 4U]): every step's dZ_t·Rᵀ then packs contiguous rows. Once per backward pass, before lstmBackwardSteps. */
export function lstmTransposeRecurrent(r: usize, rt: usize, U: i32): void {
  const G = 4 * U;
  for (let k = 0; k < U; k++) {
    for (let j = 0; j < G; j++) store<f32>(rt + (<usize>(j * U + k) << 2), load<f32>(r + (<usize>(k * G + j) << 2)));
  }
}

/**
 * Backward pass, part 1, for batch rows [b0, b1): from dy (shaped like the
 * forward output) and the forward workspace, back through the steps, dZ
 * [B·T, 4U] and dx [B,T,D] of those rows. `dZ` is B·T·4U floats, `dh` and
 * `dc` B·U each, `rt` Rᵀ (lstmTransposeRecurrent), `panel` 8·4U floats (one
 * per concurrent call).
 */
export function lstmBackwardSteps(
  B: i32, T: i32, D: i32, U: i32,
  w: usize, act: i32, ract: i32, returnSequences: i32,
  ws: usize, dy: usize, dx: usize,
  dZ: usize, dh: usize, dc: usize, rt: usize, panel: usize, b0: i32, b1: i32,
): void {
  const G = 4 * U;
  const rows = B * T;
  const gates = ws;
  const cs = gates + (<usize>(rows * G) << 2);
  const acts = cs + (<usize>(rows * U) << 2);
  const nb = b1 - b0;
  if (nb <= 0) return;
  const tail = U & ~3;
  for (let t = T - 1; t >= 0; t--) {
    const first = t == T - 1;
    for (let b = b0; b < b1; b++) {
      const row = b * T + t;
      const gp = gates + (<usize>(row * G) << 2);
      const ap = acts + (<usize>(row * U) << 2);
      const cPrev: usize = t > 0 ? cs + (<usize>((row - 1) * U) << 2) : 0;
      let dyp: usize = 0;
      if (returnSequences) dyp = dy + (<usize>(row * U) << 2);
      else if (first) dyp = dy + (<usize>(b * U) << 2);
      const dhp: usize = first ? 0 : dh + (<usize>(b * U) << 2);
      const dcp = dc + (<usize>(b * U) << 2);
      const dz = dZ + (<usize>(row * G) << 2);
      let u = 0;
      for (; u < tail; u += 4) cellBackward(gp, ap, cPrev, dyp, dhp, dcp, first, dz, u, U, act, ract, false);
      for (; u < U; u++) cellBackward(gp, ap, cPrev, dyp, dhp, dcp, first, dz, u, U, act, ract, true);
    }
    // dh_{t-1} = dZ_t·Rᵀ.
    if (t > 0) {
      gemm(1, nb, U, G, dZ + (<usize>((b0 * T + t) * G) << 2), 0, T * G, 1, rt, 0, U, 1, dh + (<usize>(b0 * U) << 2), 0, U, 0, 0, 0, panel);
    }
  }
  // dx = dZ·Wᵀ, all of the range's steps at once.
  const r0 = b0 * T;
  gemm(1, nb * T, D, G, dZ + (<usize>(r0 * G) << 2), 0, G, 1, w, 0, 1, G, dx + (<usize>(r0 * D) << 2), 0, D, 0, 0, 0, panel);
}

/**
 * Backward pass, part 2, for the gate columns [j0, j1) of the 4U (after
 * lstmBackwardSteps for every batch row): dw [D,4U] = xᵀ·dZ, dr [U,4U] =
 * hPrevᵀ·dZ and db [4U] (0 = no bias) = Σ_rows dZ, each summed over chunks
 * of rows in order. `panel` is scratch of 8·max(4U, CHUNK) floats.
 */
export function lstmBackwardWeights(
  B: i32, T: i32, D: i32, U: i32, x: usize, ws: usize, dZ: usize,
  dw: usize, dr: usize, db: usize, panel: usize, j0: i32, j1: i32,
): void {
  const G = 4 * U;
  const rows = B * T;
  const hPrev = ws + (<usize>(rows * (G + 2 * U)) << 2);
  const N = j1 - j0;
  if (N <= 0) return;
  const col = <usize>j0 << 2;
  sumOverRows(D, N, G, rows, x, D, dZ + col, dw + col, panel);
  sumOverRows(U, N, G, rows, hPrev, U, dZ + col, dr + col, panel);
  if (db) {
    // Column sums of dZ, also in chunks; the panel is free again and holds a chunk's partial sums.
    for (let j = j0; j < j1; j++) store<f32>(db + (<usize>j << 2), 0);
    for (let r0 = 0; r0 < rows; r0 += CHUNK) {
      const r1 = min(rows, r0 + CHUNK);
      for (let j = 0; j < N; j++) store<f32>(panel + (<usize>j << 2), 0);
      for (let row = r0; row < r1; row++) {
        const src = dZ + (<usize>(row * G) << 2) + col;
        for (let j = 0; j < N; j += 4) { // parts are whole multiples of 4 columns (G = 4U)
          const p = panel + (<usize>j << 2);
          v128.store(p, f32x4.add(v128.load(p), v128.load(src + (<usize>j << 2))));
        }
      }
      for (let j = 0; j < N; j += 4) {
        const p = db + col + (<usize>j << 2);
        v128.store(p, f32x4.add(v128.load(p), v128.load(panel + (<usize>j << 2))));
      }
    }
  }
}
