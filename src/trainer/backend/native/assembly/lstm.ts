// A whole LSTM sequence in one call forward and one call backward (Keras gate
// order i, f, c, o; h0 = c0 = 0), replacing the ~100 small kernels per time
// step that tfjs-layers' LSTM dispatches. The matrix products go through the
// shared `gemm`; the gate arithmetic is SIMD over the units (4 lanes, then a
// one-lane tail so any unit count works). Rows are (batch, step) pairs in the
// input's [batch, steps, …] order, so no transposes are needed.
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
 * Forward pass over the whole sequence. x [B,T,D], w [D,4U], r [U,4U],
 * bias [4U] (0 = none); `out` is [B,T,U] when returnSequences, else [B,U];
 * `ws` the workspace (7·B·T·U floats), `panel` scratch of 8·max(D,U) floats.
 */
export function lstmForward(
  B: i32, T: i32, D: i32, U: i32,
  x: usize, w: usize, r: usize, bias: usize,
  act: i32, ract: i32, returnSequences: i32,
  out: usize, ws: usize, panel: usize,
): void {
  const G = 4 * U;
  const rows = B * T;
  const gates = ws;
  const cs = gates + (<usize>(rows * G) << 2);
  const acts = cs + (<usize>(rows * U) << 2);
  const hPrev = acts + (<usize>(rows * U) << 2);
  // Input projection of every step at once: Z = x·W + b.
  gemm(1, rows, G, D, x, 0, D, 1, w, 0, G, 1, gates, 0, G, 0, bias, 0, panel);
  for (let b = 0; b < B; b++) {
    const h0 = hPrev + (<usize>(b * T * U) << 2);
    for (let u = 0; u < U; u++) store<f32>(h0 + (<usize>u << 2), 0);
  }
  const tail = U & ~3;
  for (let t = 0; t < T; t++) {
    // Z_t += h_{t-1}·R for every batch row (h_{-1} = 0: nothing to add at t = 0).
    if (t > 0) gemm(1, B, G, U, hPrev + (<usize>(t * U) << 2), 0, T * U, 1, r, 0, G, 1, gates + (<usize>(t * G) << 2), 0, T * G, 1, 0, 0, panel);
    for (let b = 0; b < B; b++) {
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

/** C[M,N] = Σ_rows A(row)ᵀ·dZ(row), A(row) = M floats at a + 4·row·aStride, dZ rows of N floats. */
function sumOverRows(M: i32, N: i32, rows: i32, a: usize, aStride: i32, dz: usize, c: usize, panel: usize): void {
  const full = rows / CHUNK;
  const rest = rows - full * CHUNK;
  if (full > 0) {
    gemm(1, M, N, CHUNK, a, 0, 1, aStride, dz, 0, N, 1, c, 0, N, 0, 0, 0, panel);
    if (full > 1) {
      const a1 = a + (<usize>(CHUNK * aStride) << 2);
      const dz1 = dz + (<usize>(CHUNK * N) << 2);
      gemm(full - 1, M, N, CHUNK, a1, CHUNK * aStride, 1, aStride, dz1, CHUNK * N, N, 1, c, 0, N, 1, 0, 0, panel);
    }
  }
  if (rest > 0) {
    const a2 = a + (<usize>(full * CHUNK * aStride) << 2);
    const dz2 = dz + (<usize>(full * CHUNK * N) << 2);
    gemm(1, M, N, rest, a2, 0, 1, aStride, dz2, 0, N, 1, c, 0, N, full > 0 ? 1 : 0, 0, 0, panel);
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

/**
 * Backward pass: from dy (shaped like the forward output) and the forward
 * workspace, dx [B,T,D], dw [D,4U], dr [U,4U] and db [4U] (0 = no bias).
 * `scratch`: 4·B·T·U (dZ) + 2·B·U (dh, dc) + 4·U·U (Rᵀ) + 8·max(4U, B·T) (panel) floats.
 */
export function lstmBackward(
  B: i32, T: i32, D: i32, U: i32,
  x: usize, w: usize, r: usize,
  act: i32, ract: i32, returnSequences: i32,
  ws: usize, dy: usize,
  dx: usize, dw: usize, dr: usize, db: usize, scratch: usize,
): void {
  const G = 4 * U;
  const rows = B * T;
  const gates = ws;
  const cs = gates + (<usize>(rows * G) << 2);
  const acts = cs + (<usize>(rows * U) << 2);
  const hPrev = acts + (<usize>(rows * U) << 2);
  const dZ = scratch;
  const dh = dZ + (<usize>(rows * G) << 2);
  const dc = dh + (<usize>(B * U) << 2);
  const rt = dc + (<usize>(B * U) << 2);
  const panel = rt + (<usize>(G * U) << 2);
  // Rᵀ once, so every step's dZ_t·Rᵀ packs contiguous rows.
  for (let k = 0; k < U; k++) {
    for (let j = 0; j < G; j++) store<f32>(rt + (<usize>(j * U + k) << 2), load<f32>(r + (<usize>(k * G + j) << 2)));
  }
  const tail = U & ~3;
  for (let t = T - 1; t >= 0; t--) {
    const first = t == T - 1;
    for (let b = 0; b < B; b++) {
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
    if (t > 0) gemm(1, B, U, G, dZ + (<usize>(t * G) << 2), 0, T * G, 1, rt, 0, U, 1, dh, 0, U, 0, 0, 0, panel);
  }
  // dx = dZ·Wᵀ, dW = xᵀ·dZ, dR = hPrevᵀ·dZ, all steps at once.
  gemm(1, rows, D, G, dZ, 0, G, 1, w, 0, 1, G, dx, 0, D, 0, 0, 0, panel);
  sumOverRows(D, G, rows, x, D, dZ, dw, panel);
  sumOverRows(U, G, rows, hPrev, U, dZ, dr, panel);
  if (db) {
    // Column sums of dZ, also in chunks; the panel is free again and holds a chunk's partial sums.
    for (let j = 0; j < G; j++) store<f32>(db + (<usize>j << 2), 0);
    for (let r0 = 0; r0 < rows; r0 += CHUNK) {
      const r1 = min(rows, r0 + CHUNK);
      for (let j = 0; j < G; j++) store<f32>(panel + (<usize>j << 2), 0);
      for (let row = r0; row < r1; row++) {
        const src = dZ + (<usize>(row * G) << 2);
        for (let j = 0; j < G; j += 4) { // G = 4U: a multiple of 4
          const p = panel + (<usize>j << 2);
          v128.store(p, f32x4.add(v128.load(p), v128.load(src + (<usize>j << 2))));
        }
      }
      for (let j = 0; j < G; j += 4) {
        const p = db + (<usize>j << 2);
        v128.store(p, f32x4.add(v128.load(p), v128.load(panel + (<usize>j << 2))));
      }
    }
  }
}
