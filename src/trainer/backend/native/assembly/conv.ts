// 2-D convolution (NHWC, dilation 1) forward pass and both gradients, as
// im2col + the shared gemm over blocks of `chunk` output positions, so the
// im2col scratch (chunk·K floats, K = KH·KW·Ci) stays in cache:
//   forward          y[P, Co]   = cols[P, K] · w[K, Co]            (+ bias, ReLU)
//   filter gradient  dw[K, Co] += cols[P, K]ᵀ · dy[P, Co]            (summed over chunks)
//   input gradient   dcols[P, K] = dy[P, Co] · w[K, Co]ᵀ, then col2im into dx.
// A 1x1 stride-1 unpadded convolution is a plain product: x itself is `cols`.
// Geometry arguments are the same for all three: x [N, H, W, Ci],
// y/dy [N, OH, OW, Co], filter [KH, KW, Ci, Co], strides sh/sw, padding
// top/left (bottom/right padding is implied by the output size).

import { gemm } from './gemm';
import { im2col, col2im, zeroFloats } from './convIm2col';
import { at } from './simd';

// @ts-ignore: decorator
@inline function isPointwise(H: i32, W: i32, OH: i32, OW: i32, KH: i32, KW: i32, sh: i32, sw: i32, top: i32, left: i32): bool {
  return KH == 1 && KW == 1 && sh == 1 && sw == 1 && top == 0 && left == 0 && OH == H && OW == W;
}

/** The im2col rows of output positions p0 .. p0+rows-1, built in `cols`; a pointwise convolution's are x's own rows. */
// @ts-ignore: decorator
@inline function patchRows(
  cols: usize, x: usize, p0: i32, rows: i32, pointwise: bool,
  H: i32, W: i32, Ci: i32, OH: i32, OW: i32, KH: i32, KW: i32, sh: i32, sw: i32, top: i32, left: i32,
): usize {
  if (pointwise) return at(x, p0 * Ci);
  im2col(cols, x, p0, rows, H, W, Ci, OH, OW, KH, KW, sh, sw, top, left);
  return cols;
}

/**
 * y = conv(x, w) (+ bias row of Co floats unless 0; act 1 = ReLU), for the
 * output positions [pBegin, pEnd) of the N·OH·OW (a thread's part: each
 * output is computed the same way whatever the part, so any split gives the
 * same bits). Scratch: `cols` chunk·K floats (unused for pointwise), `panel`
 * 8·K floats.
 */
export function conv2dForward(
  x: usize, w: usize, y: usize, bias: usize, act: i32, cols: usize, panel: usize,
  N: i32, H: i32, W: i32, Ci: i32, OH: i32, OW: i32, Co: i32,
  KH: i32, KW: i32, sh: i32, sw: i32, top: i32, left: i32, chunk: i32,
  pBegin: i32, pEnd: i32,
): void {
  const K = KH * KW * Ci;
  const P = min(pEnd, N * OH * OW);
  const pointwise = isPointwise(H, W, OH, OW, KH, KW, sh, sw, top, left);
  for (let p0 = pBegin; p0 < P; p0 += chunk) {
    const rows = min(chunk, P - p0);
    const a = patchRows(cols, x, p0, rows, pointwise, H, W, Ci, OH, OW, KH, KW, sh, sw, top, left);
    gemm(1, rows, Co, K, a, 0, K, 1, w, 0, Co, 1, at(y, p0 * Co), 0, Co, 0, bias, act, panel);
  }
}

/**
 * The part of dw [KH, KW, Ci, Co] = Σ over output positions of patch ⊗ dy
 * from the positions of reduction blocks [bBegin, bEnd) (`blockRows`
 * positions each, the last may be short), block b into its own partial at
 * dw + b·K·Co floats, for the filter rows (taps) [kBegin, kEnd) of the
 * K = KH·KW·Ci. A block is summed over `chunk` positions at a time, in order;
 * the caller adds the partials in block order (one block: dw itself). A
 * thread's part is a range of blocks or, with one block, of taps: either way
 * every element is summed in the same order, so any split gives the same bits
 * (a tap range still builds the whole im2col block; it only multiplies its
 * own rows of it). Scratch: `cols` chunk·K floats (unused for pointwise),
 * `panel` 8·chunk floats.
 */
export function conv2dBackpropFilter(
  x: usize, dy: usize, dw: usize, cols: usize, panel: usize,
  N: i32, H: i32, W: i32, Ci: i32, OH: i32, OW: i32, Co: i32,
  KH: i32, KW: i32, sh: i32, sw: i32, top: i32, left: i32, chunk: i32,
  blockRows: i32, bBegin: i32, bEnd: i32, kBegin: i32, kEnd: i32,
): void {
  const K = KH * KW * Ci;
  const taps = min(kEnd, K) - kBegin;
  const P = N * OH * OW;
  const pointwise = isPointwise(H, W, OH, OW, KH, KW, sh, sw, top, left);
  for (let b = bBegin; b < bEnd; b++) {
    const partial = at(dw, b * K * Co);
    const first = b * blockRows, end = min(P, first + blockRows);
    if (end <= first) zeroFloats(at(partial, kBegin * Co), taps * Co);
    for (let p0 = first; p0 < end; p0 += chunk) {
      const rows = min(chunk, end - p0);
      const a = patchRows(cols, x, p0, rows, pointwise, H, W, Ci, OH, OW, KH, KW, sh, sw, top, left);
      // A = colsᵀ: row k of A is column k of cols (row stride 1, column stride K).
      gemm(1, taps, Co, rows, at(a, kBegin), 0, 1, K, at(dy, p0 * Co), 0, Co, 1, at(partial, kBegin * Co), 0, Co, p0 > first ? 1 : 0, 0, 0, panel);
    }
  }
}

/**
 * dx [N, H, W, Ci] = transposed convolution of dy with w.
 * Scratch: `cols` chunk·K floats (unused for pointwise), `wt` K·Co floats,
 * `panel` 8·max(Co, KH·KW·Co) floats. With `viaForward` (stride 1 only) dx is
 * the forward convolution of dy with w rotated 180° and its channel axes
 * swapped (no accumulation into dx); otherwise dy·wᵀ per block, then col2im.
 */
export function conv2dBackpropInput(
  dy: usize, w: usize, dx: usize, cols: usize, wt: usize, panel: usize,
  N: i32, H: i32, W: i32, Ci: i32, OH: i32, OW: i32, Co: i32,
  KH: i32, KW: i32, sh: i32, sw: i32, top: i32, left: i32, chunk: i32, viaForward: i32,
): void {
  const K = KH * KW * Ci;
  const P = N * OH * OW;
  const pointwise = isPointwise(H, W, OH, OW, KH, KW, sh, sw, top, left);
  if (viaForward && sh == 1 && sw == 1 && !pointwise) {
    // wt[kh, kw, co, ci] = w[KH-1-kh, KW-1-kw, ci, co]
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        const src = at(w, ((KH - 1 - kh) * KW + (KW - 1 - kw)) * Ci * Co);
        const dst = at(wt, (kh * KW + kw) * Co * Ci);
        for (let ci = 0; ci < Ci; ci++) {
          for (let co = 0; co < Co; co++) store<f32>(at(dst, co * Ci + ci), load<f32>(at(src, ci * Co + co)));
        }
      }
    }
    // dx[h, w] reads dy[h - (KH-1-top) + kh, ...]: a convolution padded by KH-1-top in front.
    conv2dForward(dy, wt, dx, 0, 0, cols, panel, N, OH, OW, Co, H, W, Ci, KH, KW, 1, 1, KH - 1 - top, KW - 1 - left, chunk, 0, N * H * W);
    return;
  }
  for (let k = 0; k < K; k++) {
    for (let c = 0; c < Co; c++) store<f32>(at(wt, c * K + k), load<f32>(at(w, k * Co + c)));
  }
  if (pointwise) {
    // Every input position is exactly one output position: no accumulation.
    for (let p0 = 0; p0 < P; p0 += chunk) {
      const rows = min(chunk, P - p0);
      gemm(1, rows, K, Co, at(dy, p0 * Co), 0, Co, 1, wt, 0, K, 1, at(dx, p0 * Ci), 0, K, 0, 0, 0, panel);
    }
    return;
  }
  zeroFloats(dx, N * H * W * Ci);
  for (let p0 = 0; p0 < P; p0 += chunk) {
    const rows = min(chunk, P - p0);
    gemm(1, rows, K, Co, at(dy, p0 * Co), 0, Co, 1, wt, 0, K, 1, cols, 0, K, 0, 0, 0, panel);
    col2im(dx, cols, p0, rows, H, W, Ci, OH, OW, KH, KW, sh, sw, top, left);
  }
}
