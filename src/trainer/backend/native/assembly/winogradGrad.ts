// The filter gradient of a 3×3 stride-1 convolution through Winograd: the
// transpose of F(2×2, 3×3) (assembly/winograd.ts),
//   dw = Gᵀ [ Σ over tiles (A dy Aᵀ) ∘ (Bᵀ d B) ] G,
// where dy is a tile's 2×2 output gradient and d its 4×4 input patch. The
// sum over tiles is 16 products [Co × tiles]·[tiles × Ci], 2.25× fewer
// multiplies than the direct [K × positions]·[positions × Co].
//
// Two passes, each split over threads by the caller. `winogradFilterGradBlocks`
// sums the tiles of each reduction block (a fixed number of tiles, whatever
// the thread count) into its own partial S_b[ξ][co][ci]; `winogradFilterGradSum`
// adds the partials in block order and applies Gᵀ·G. So every element of dw
// is summed in the same order on any thread count: the same bits.

import { gemm } from './gemm';
import { tileCorner, tileHasSecondColumn, tileHasSecondRow, transformPatches } from './winograd';
import { at } from './simd';

/**
 * Partials S_b for the reduction blocks [bBegin, bEnd), each of `blockTiles`
 * tiles (the last may be short), processed `subTiles` tiles at a time
 * (accumulated in order), rows co ∈ [coBegin, coEnd) of them (a multiple of
 * 4 apart; a thread's part is a range of blocks or, with one block, of output
 * channels). `partials` holds 16 planes (one per ξ, sPlane ≥ Co·Ci floats
 * apart) per block.
 * Scratch: `v` 16 planes of vPlane ≥ subTiles·Ci floats, `d` 16 planes of
 * dPlane ≥ subTiles·Co, `patch` 16·Ci, `panel` 8·subTiles floats. Ci and Co
 * multiples of 4.
 */
export function winogradFilterGradBlocks(
  x: usize, dy: usize, partials: usize, v: usize, d: usize, patch: usize, panel: usize,
  N: i32, H: i32, W: i32, Ci: i32, OH: i32, OW: i32, Co: i32, top: i32, left: i32,
  blockTiles: i32, subTiles: i32, vPlane: i32, dPlane: i32, sPlane: i32, bBegin: i32, bEnd: i32, coBegin: i32, coEnd: i32,
): void {
  const TH = (OH + 1) >> 1, TW = (OW + 1) >> 1;
  const T = N * TH * TW;
  const vXiBytes = <usize>vPlane << 2;
  const dXiBytes = <usize>dPlane << 2;
  const partialFloats = 16 * sPlane;
  for (let blk = bBegin; blk < bEnd; blk++) {
    const s = at(partials, blk * partialFloats);
    const blockEnd = min(T, (blk + 1) * blockTiles);
    for (let t0 = blk * blockTiles; t0 < blockEnd; t0 += subTiles) {
      const rows = min(subTiles, blockEnd - t0);
      transformPatches(x, v, patch, t0, rows, H, W, Ci, TH, TW, top, left, vXiBytes);
      transformGradients(dy, d, t0, rows, OH, OW, Co, TH, TW, dXiBytes, coBegin, coEnd);
      for (let xi = 0; xi < 16; xi++) {
        // S_b[ξ] (+)= D[ξ]ᵀ · V[ξ]: A(co, r) = D[ξ][r][co], B(r, ci) = V[ξ][r][ci].
        const a = at(d + <usize>xi * dXiBytes, coBegin), b = v + <usize>xi * vXiBytes;
        const c = at(s, xi * sPlane + coBegin * Ci);
        gemm(1, coEnd - coBegin, Ci, rows, a, 0, 1, Co, b, 0, Ci, 1, c, 0, Ci, t0 > blk * blockTiles ? 1 : 0, 0, 0, panel);
      }
    }
  }
}

/**
 * D[ξ][r][coBegin..coEnd) = A g Aᵀ of the 2×2 output gradient g of tile t0 + r (zeros past
 * OH, OW): with a row (e0, e1) of g becoming (e0, e0 + e1, e0 - e1, -e1),
 * first down the columns, then along the rows.
 */
function transformGradients(
  dy: usize, d: usize, t0: i32, rows: i32, OH: i32, OW: i32, Co: i32, TH: i32, TW: i32, dXiBytes: usize, coBegin: i32, coEnd: i32,
): void {
  const zero = f32x4.splat(0);
  for (let r = 0; r < rows; r++) {
    const t = t0 + r;
    const down = tileHasSecondRow(t, TH, TW, OH), right = tileHasSecondColumn(t, TW, OW);
    const g00p = tileCorner(dy, t, TH, TW, OH, OW, Co);
    const g01p = at(g00p, Co), g10p = at(g00p, OW * Co), g11p = at(g10p, Co);
    for (let c = coBegin; c < coEnd; c += 4) {
      const cb = <usize>c << 2;
      const g00 = v128.load(g00p + cb);
      const g01 = right ? v128.load(g01p + cb) : zero;
      const g10 = down ? v128.load(g10p + cb) : zero;
      const g11 = down && right ? v128.load(g11p + cb) : zero;
      // Rows of A g: g0, g0 + g1, g0 - g1, -g1 (g0, g1 the two rows of g).
      const q = at(d, r * Co + c);
      storeRow(q, dXiBytes, g00, g01);
      storeRow(q + 4 * dXiBytes, dXiBytes, f32x4.add(g00, g10), f32x4.add(g01, g11));
      storeRow(q + 8 * dXiBytes, dXiBytes, f32x4.sub(g00, g10), f32x4.sub(g01, g11));
      storeRow(q + 12 * dXiBytes, dXiBytes, f32x4.neg(g10), f32x4.neg(g11));
    }
  }
}

/** One row (e0, e1) of A g, times Aᵀ: (e0, e0 + e1, e0 - e1, -e1) at q, q + step, … */
// @ts-ignore: decorator
@inline function storeRow(q: usize, step: usize, e0: v128, e1: v128): void {
  v128.store(q, e0);
  v128.store(q + step, f32x4.add(e0, e1));
  v128.store(q + 2 * step, f32x4.sub(e0, e1));
  v128.store(q + 3 * step, f32x4.neg(e1));
}

/**
 * dw [3, 3, Ci, Co] for the output channels [coBegin, coEnd) = Gᵀ (Σ_b S_b) G,
 * the blocks added in order. Gᵀ turns a row (s0, s1, s2, s3) into
 * (s0 + (s1 + s2)/2, (s1 - s2)/2, (s1 + s2)/2 + s3).
 */
export function winogradFilterGradSum(partials: usize, sPlane: i32, blocks: i32, dw: usize, Ci: i32, Co: i32, coBegin: i32, coEnd: i32): void {
  const blockBytes = <usize>(16 * sPlane) << 2;
  const xiBytes = <usize>sPlane << 2;
  for (let co = coBegin; co < coEnd; co++) {
    for (let ci = 0; ci < Ci; ci += 4) {
      const p = at(partials, co * Ci + ci);
      // Gᵀ S, one column j at a time (S row i, column j at ξ = 4i + j): rows a, b, c of Gᵀ S.
      let s0 = sumBlocks(p, blocks, blockBytes), s1 = sumBlocks(p + 4 * xiBytes, blocks, blockBytes);
      let s2 = sumBlocks(p + 8 * xiBytes, blocks, blockBytes), s3 = sumBlocks(p + 12 * xiBytes, blocks, blockBytes);
      const a0 = rowA(s0, s1, s2), b0 = rowB(s1, s2), c0 = rowC(s1, s2, s3);
      s0 = sumBlocks(p + xiBytes, blocks, blockBytes); s1 = sumBlocks(p + 5 * xiBytes, blocks, blockBytes);
      s2 = sumBlocks(p + 9 * xiBytes, blocks, blockBytes); s3 = sumBlocks(p + 13 * xiBytes, blocks, blockBytes);
      const a1 = rowA(s0, s1, s2), b1 = rowB(s1, s2), c1 = rowC(s1, s2, s3);
      s0 = sumBlocks(p + 2 * xiBytes, blocks, blockBytes); s1 = sumBlocks(p + 6 * xiBytes, blocks, blockBytes);
      s2 = sumBlocks(p + 10 * xiBytes, blocks, blockBytes); s3 = sumBlocks(p + 14 * xiBytes, blocks, blockBytes);
      const a2 = rowA(s0, s1, s2), b2 = rowB(s1, s2), c2 = rowC(s1, s2, s3);
      s0 = sumBlocks(p + 3 * xiBytes, blocks, blockBytes); s1 = sumBlocks(p + 7 * xiBytes, blocks, blockBytes);
      s2 = sumBlocks(p + 11 * xiBytes, blocks, blockBytes); s3 = sumBlocks(p + 15 * xiBytes, blocks, blockBytes);
      const a3 = rowA(s0, s1, s2), b3 = rowB(s1, s2), c3 = rowC(s1, s2, s3);
      // (Gᵀ S) G along each row (r0..r3 → rowA, rowB, rowC), stored as dw[kh][kw][ci..ci+3][co].
      storeTaps(dw, 0, Ci, Co, ci, co, a0, a1, a2, a3);
      storeTaps(dw, 1, Ci, Co, ci, co, b0, b1, b2, b3);
      storeTaps(dw, 2, Ci, Co, ci, co, c0, c1, c2, c3);
    }
  }
}

/** Gᵀ's rows on (s0, s1, s2, s3): s0 + (s1 + s2)/2, (s1 - s2)/2, (s1 + s2)/2 + s3. */
// @ts-ignore: decorator
@inline function rowA(s0: v128, s1: v128, s2: v128): v128 {
  return f32x4.add(s0, f32x4.mul(f32x4.add(s1, s2), f32x4.splat(0.5)));
}

// @ts-ignore: decorator
@inline function rowB(s1: v128, s2: v128): v128 {
  return f32x4.mul(f32x4.sub(s1, s2), f32x4.splat(0.5));
}

// @ts-ignore: decorator
@inline function rowC(s1: v128, s2: v128, s3: v128): v128 {
  return f32x4.add(f32x4.mul(f32x4.add(s1, s2), f32x4.splat(0.5)), s3);
}

/** Filter row kh of dw for input channels ci..ci+3 and output channel co, from row (r0, r1, r2, r3) of Gᵀ S. */
// @ts-ignore: decorator
@inline function storeTaps(dw: usize, kh: i32, Ci: i32, Co: i32, ci: i32, co: i32, r0: v128, r1: v128, r2: v128, r3: v128): void {
  storeTap(dw, (kh * 3 + 0) * Ci + ci, Co, co, rowA(r0, r1, r2));
  storeTap(dw, (kh * 3 + 1) * Ci + ci, Co, co, rowB(r1, r2));
  storeTap(dw, (kh * 3 + 2) * Ci + ci, Co, co, rowC(r1, r2, r3));
}

/** Σ_b of the vector at p + b·stride, b = 0 .. blocks-1, added in that order. */
// @ts-ignore: decorator
@inline function sumBlocks(p: usize, blocks: i32, stride: usize): v128 {
  let acc = v128.load(p);
  for (let b = 1; b < blocks; b++) acc = f32x4.add(acc, v128.load(p + <usize>b * stride));
  return acc;
}

/** dw[row + i][co] = lane i of `value` (four consecutive input channels of one tap). */
// @ts-ignore: decorator
@inline function storeTap(dw: usize, row: i32, Co: i32, co: i32, value: v128): void {
  store<f32>(at(dw, row * Co + co), f32x4.extract_lane(value, 0));
  store<f32>(at(dw, (row + 1) * Co + co), f32x4.extract_lane(value, 1));
  store<f32>(at(dw, (row + 2) * Co + co), f32x4.extract_lane(value, 2));
  store<f32>(at(dw, (row + 3) * Co + co), f32x4.extract_lane(value, 3));
}
