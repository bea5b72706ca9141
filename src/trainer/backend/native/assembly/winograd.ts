// Winograd F(2×2, 3×3) for 3×3 stride-1 convolutions (NHWC, dilation 1, any
// padding): each 2×2 block of outputs ("tile") comes from a 4×4 patch of the
// input as  Y = Aᵀ [ (G g Gᵀ) ∘ (Bᵀ d B) ] A,  so the channel sums are 16
// products of [tiles × Ci]·[Ci × Co] (one per position ξ of the 4×4
// transformed patch): 16·Ci·Co multiplies per tile against 36·Ci·Co for the
// direct convolution (2.25× fewer). The transforms only add and halve.
// Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks" (2016).
//
// Transformed patches V[ξ][tile][ci] and products M[ξ][tile][co] are built a
// block of `blockTiles` tiles at a time, so they stay in L2. Every tile is
// computed the same way whatever the block or the thread's part, so any split
// gives the same bits. Ci and Co must be multiples of 4 (whole SIMD vectors).

import { copyFloats, zeroFloats } from './convIm2col';
import { gemmPacked } from './gemm';
import { at } from './simd';

/** Co rounded up to whole 8-column panels: the row length of M and of the packed filter. */
// @ts-ignore: decorator
@inline export function paddedColumns(Co: i32): i32 {
  return (Co + 7) & ~7;
}

/**
 * u = the filter transformed (G g Gᵀ) and packed for `gemmPacked`: for each
 * ξ, a plane (uPlane ≥ Ci·Cp floats apart) of Cp/8 panels of Ci×8 floats
 * (columns past Co are 0). `w` is a
 * [3, 3, Ci, Co] filter, or with `flip` a [3, 3, Co, Ci] one rotated 180° with
 * its channel axes swapped (the input gradient as a forward convolution).
 */
export function winogradFilter(w: usize, u: usize, uPlane: i32, Ci: i32, Co: i32, flip: i32): void {
  const Cp = paddedColumns(Co);
  const xiBytes = <usize>uPlane << 2;
  for (let ci = 0; ci < Ci; ci++) {
    // Four output channels at a time (Co is a multiple of 4; the panel's columns past Co stay 0).
    for (let co = 0; co < Cp; co += 4) {
      const dst = at(u, (co >> 3) * Ci * 8 + ci * 8 + (co & 7));
      if (co >= Co) {
        for (let xi = 0; xi < 16; xi++) v128.store(dst + <usize>xi * xiBytes, f32x4.splat(0));
        continue;
      }
      // G g: rows g0, (g0+g1+g2)/2, (g0-g1+g2)/2, g2 of the filter's 3 rows (g0, g1, g2; each 3 taps).
      const g00 = filterTaps(w, 0, ci, co, Ci, Co, flip), g01 = filterTaps(w, 1, ci, co, Ci, Co, flip), g02 = filterTaps(w, 2, ci, co, Ci, Co, flip);
      const g10 = filterTaps(w, 3, ci, co, Ci, Co, flip), g11 = filterTaps(w, 4, ci, co, Ci, Co, flip), g12 = filterTaps(w, 5, ci, co, Ci, Co, flip);
      const g20 = filterTaps(w, 6, ci, co, Ci, Co, flip), g21 = filterTaps(w, 7, ci, co, Ci, Co, flip), g22 = filterTaps(w, 8, ci, co, Ci, Co, flip);
      // Then the same along each of the 4 rows, stored at ξ = 4·row + column, all in registers.
      transformedRow(dst, xiBytes, g00, g01, g02);
      transformedRow(dst + 4 * xiBytes, xiBytes, half3(g00, g10, g20, 1), half3(g01, g11, g21, 1), half3(g02, g12, g22, 1));
      transformedRow(dst + 8 * xiBytes, xiBytes, half3(g00, g10, g20, -1), half3(g01, g11, g21, -1), half3(g02, g12, g22, -1));
      transformedRow(dst + 12 * xiBytes, xiBytes, g20, g21, g22);
    }
  }
}

/** (a + sign·b + c) / 2 */
// @ts-ignore: decorator
@inline function half3(a: v128, b: v128, c: v128, sign: i32): v128 {
  const ac = f32x4.add(a, c);
  return f32x4.mul(sign > 0 ? f32x4.add(ac, b) : f32x4.sub(ac, b), f32x4.splat(0.5));
}

/** One row (r0, r1, r2) of G g times Gᵀ: r0, (r0+r1+r2)/2, (r0-r1+r2)/2, r2 at q, q + step, … */
// @ts-ignore: decorator
@inline function transformedRow(q: usize, step: usize, r0: v128, r1: v128, r2: v128): void {
  v128.store(q, r0);
  v128.store(q + step, half3(r0, r1, r2, 1));
  v128.store(q + 2 * step, half3(r0, r1, r2, -1));
  v128.store(q + 3 * step, r2);
}

/** Tap (0..8, row-major) of filter g for input channel ci and output channels co..co+3, as winogradFilter reads w. */
// @ts-ignore: decorator
@inline function filterTaps(w: usize, tap: i32, ci: i32, co: i32, Ci: i32, Co: i32, flip: i32): v128 {
  if (!flip) return v128.load(at(w, (tap * Ci + ci) * Co + co));
  // The rotated filter: output channel co is the original's input channel, Ci apart.
  const p = at(w, ((8 - tap) * Co + co) * Ci + ci);
  const step = <usize>Ci << 2;
  let v = f32x4.splat(load<f32>(p));
  v = f32x4.replace_lane(v, 1, load<f32>(p + step));
  v = f32x4.replace_lane(v, 2, load<f32>(p + 2 * step));
  return f32x4.replace_lane(v, 3, load<f32>(p + 3 * step));
}

/**
 * V = Bᵀ d B for channels c..c+3 of one 4×4 patch (row i, column j at
 * base + i·rowBytes + j·colBytes), stored as V[ξ] at dst + ξ·xiBytes.
 * Bᵀ d: rows d0-d2, d1+d2, d2-d1, d1-d3; then the same along each row.
 */
// @ts-ignore: decorator
@inline function inputTransform(base: usize, rowBytes: usize, colBytes: usize, dst: usize, xiBytes: usize): void {
  for (let j = 0; j < 4; j++) {
    const p = base + <usize>j * colBytes;
    const d0 = v128.load(p), d1 = v128.load(p + rowBytes), d2 = v128.load(p + 2 * rowBytes), d3 = v128.load(p + 3 * rowBytes);
    // Column j of Bᵀ d, kept in the V block as scratch until the row pass below.
    const q = dst + <usize>j * xiBytes;
    v128.store(q, f32x4.sub(d0, d2));
    v128.store(q + 4 * xiBytes, f32x4.add(d1, d2));
    v128.store(q + 8 * xiBytes, f32x4.sub(d2, d1));
    v128.store(q + 12 * xiBytes, f32x4.sub(d1, d3));
  }
  for (let i = 0; i < 4; i++) {
    const q = dst + <usize>(4 * i) * xiBytes;
    const t0 = v128.load(q), t1 = v128.load(q + xiBytes), t2 = v128.load(q + 2 * xiBytes), t3 = v128.load(q + 3 * xiBytes);
    v128.store(q, f32x4.sub(t0, t2));
    v128.store(q + xiBytes, f32x4.add(t1, t2));
    v128.store(q + 2 * xiBytes, f32x4.sub(t2, t1));
    v128.store(q + 3 * xiBytes, f32x4.sub(t1, t3));
  }
}

/**
 * V[ξ][r][·] = Bᵀ d B of the 4×4 input patch of tile t0 + r, r < rows (all
 * Ci channels; the patch of tile (n, th, tw) starts at (2th - top, 2tw - left),
 * zeros outside the input). V[ξ] starts at v + ξ·vXiBytes, its rows Ci floats
 * apart. `patch` (16·Ci floats) holds a border tile's patch.
 */
export function transformPatches(
  x: usize, v: usize, patch: usize, t0: i32, rows: i32,
  H: i32, W: i32, Ci: i32, TH: i32, TW: i32, top: i32, left: i32, vXiBytes: usize,
): void {
  const ciBytes = <usize>Ci << 2;
  for (let r = 0; r < rows; r++) {
    const t = t0 + r;
    const n = t / (TH * TW), th = (t / TW) % TH, tw = t % TW;
    const ih0 = 2 * th - top, iw0 = 2 * tw - left;
    let base: usize, rowBytes: usize;
    if (ih0 >= 0 && iw0 >= 0 && ih0 + 4 <= H && iw0 + 4 <= W) {
      base = at(x, ((n * H + ih0) * W + iw0) * Ci);
      rowBytes = <usize>(W * Ci) << 2;
    } else {
      // A border tile: its patch with zeros outside the input, copied to `patch`.
      for (let i = 0; i < 4; i++) {
        for (let j = 0; j < 4; j++) {
          const ih = ih0 + i, iw = iw0 + j;
          const dst = at(patch, (i * 4 + j) * Ci);
          if (ih >= 0 && ih < H && iw >= 0 && iw < W) copyFloats(dst, at(x, ((n * H + ih) * W + iw) * Ci), Ci);
          else zeroFloats(dst, Ci);
        }
      }
      base = patch;
      rowBytes = 4 * ciBytes;
    }
    for (let c = 0; c < Ci; c += 4) {
      inputTransform(base + (<usize>c << 2), rowBytes, ciBytes, at(v, r * Ci + c), vXiBytes);
    }
  }
}

/** Address of the first output (2th, 2tw) of tile t = (n·TH + th)·TW + tw in an [N, OH, OW, C] tensor at `base`. */
// @ts-ignore: decorator
@inline export function tileCorner(base: usize, t: i32, TH: i32, TW: i32, OH: i32, OW: i32, C: i32): usize {
  const n = t / (TH * TW), th = (t / TW) % TH, tw = t % TW;
  return at(base, ((n * OH + 2 * th) * OW + 2 * tw) * C);
}

/** Whether tile t has its second output row (not past OH when OH is odd). */
// @ts-ignore: decorator
@inline export function tileHasSecondRow(t: i32, TH: i32, TW: i32, OH: i32): bool {
  return 2 * ((t / TW) % TH) + 1 < OH;
}

/** Whether tile t has its second output column. */
// @ts-ignore: decorator
@inline export function tileHasSecondColumn(t: i32, TW: i32, OW: i32): bool {
  return 2 * (t % TW) + 1 < OW;
}

// @ts-ignore: decorator
@inline function epilogue(v: v128, bias: usize, act: i32): v128 {
  let r = v;
  if (bias) r = f32x4.add(r, v128.load(bias));
  if (act == 1) r = f32x4.max(r, f32x4.splat(0));
  return r;
}

/**
 * y = conv(x, w) (+ bias of Co floats unless 0; act 1 = ReLU) for the tiles
 * [tBegin, tEnd) of the N·⌈OH/2⌉·⌈OW/2⌉ (a thread's part), from `u` =
 * winogradFilter(w). The input patch of output (oh, ow) starts at
 * (oh - top, ow - left). Scratch: `v` 16 planes of vPlane ≥ blockTiles·Ci
 * floats, `m` 16 planes of mPlane ≥ blockTiles·Cp floats, `patch` 16·Ci
 * floats (border tiles).
 */
export function winogradForward(
  x: usize, u: usize, uPlane: i32, y: usize, bias: usize, act: i32, v: usize, m: usize, patch: usize,
  N: i32, H: i32, W: i32, Ci: i32, OH: i32, OW: i32, Co: i32, top: i32, left: i32,
  blockTiles: i32, vPlane: i32, mPlane: i32, tBegin: i32, tEnd: i32,
): void {
  const TH = (OH + 1) >> 1, TW = (OW + 1) >> 1;
  const T = min(tEnd, N * TH * TW);
  const Cp = paddedColumns(Co);
  const vXiBytes = <usize>vPlane << 2;
  const mXiBytes = <usize>mPlane << 2;
  // M rows 1, 2, 3 of a column: ξ + 4, + 8, + 12.
  const x1 = 4 * mXiBytes, x2 = 8 * mXiBytes, x3 = 12 * mXiBytes;
  for (let t0 = tBegin; t0 < T; t0 += blockTiles) {
    const rows = min(blockTiles, T - t0);
    transformPatches(x, v, patch, t0, rows, H, W, Ci, TH, TW, top, left, vXiBytes);
    for (let xi = 0; xi < 16; xi++) {
      gemmPacked(rows, Cp, Ci, v + <usize>xi * vXiBytes, Ci, 1, at(u, xi * uPlane), m + <usize>xi * mXiBytes, Cp);
    }
    // Y = Aᵀ M A: rows M0+M1+M2 and M1-M2-M3, then the same along the columns.
    for (let r = 0; r < rows; r++) {
      const t = t0 + r;
      const down = tileHasSecondRow(t, TH, TW, OH), right = tileHasSecondColumn(t, TW, OW);
      const y00 = tileCorner(y, t, TH, TW, OH, OW, Co);
      const y01 = at(y00, Co), y10 = at(y00, OW * Co), y11 = at(y10, Co);
      for (let k = 0; k < Co; k += 4) {
        const q = m + (<usize>(r * Cp + k) << 2);
        const b = bias ? at(bias, k) : 0;
        // Column j of Aᵀ M: s0j = M0j + M1j + M2j, s1j = M1j - M2j - M3j (M row i, column j at ξ = 4i + j).
        let p = q;
        let a0 = v128.load(p), a1 = v128.load(p + x1), a2 = v128.load(p + x2), a3 = v128.load(p + x3);
        const s00 = f32x4.add(f32x4.add(a0, a1), a2), s10 = f32x4.sub(f32x4.sub(a1, a2), a3);
        p += mXiBytes;
        a0 = v128.load(p); a1 = v128.load(p + x1); a2 = v128.load(p + x2); a3 = v128.load(p + x3);
        const s01 = f32x4.add(f32x4.add(a0, a1), a2), s11 = f32x4.sub(f32x4.sub(a1, a2), a3);
        p += mXiBytes;
        a0 = v128.load(p); a1 = v128.load(p + x1); a2 = v128.load(p + x2); a3 = v128.load(p + x3);
        const s02 = f32x4.add(f32x4.add(a0, a1), a2), s12 = f32x4.sub(f32x4.sub(a1, a2), a3);
        p += mXiBytes;
        a0 = v128.load(p); a1 = v128.load(p + x1); a2 = v128.load(p + x2); a3 = v128.load(p + x3);
        const s03 = f32x4.add(f32x4.add(a0, a1), a2), s13 = f32x4.sub(f32x4.sub(a1, a2), a3);
        const kk = <usize>k << 2;
        v128.store(y00 + kk, epilogue(f32x4.add(f32x4.add(s00, s01), s02), b, act));
        if (right) v128.store(y01 + kk, epilogue(f32x4.sub(f32x4.sub(s01, s02), s03), b, act));
        if (down) {
          v128.store(y10 + kk, epilogue(f32x4.add(f32x4.add(s10, s11), s12), b, act));
          if (right) v128.store(y11 + kk, epilogue(f32x4.sub(f32x4.sub(s11, s12), s13), b, act));
        }
      }
    }
  }
}
