// im2col / col2im for NHWC convolutions, dilation 1: the rows of `cols` are
// output positions p (flattened over n, oh, ow), its columns the filter taps
// (kh, kw, ci) in the filter's own [KH, KW, Ci, Co] order, so that
//   conv output [P, Co] = cols [P, K] · filter [K, Co],  K = KH·KW·Ci.
// Taps outside the input (padding, or past the end with 'ceil' rounding) are
// zeros in im2col and dropped in col2im.

import { at } from './simd';

// @ts-ignore: decorator
@inline export function copyFloats(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(dst, i), v128.load(at(src, i)));
  for (; i < n; i++) store<f32>(at(dst, i), load<f32>(at(src, i)));
}

// @ts-ignore: decorator
@inline export function zeroFloats(dst: usize, n: i32): void {
  let i = 0;
  const z = f32x4.splat(0);
  for (; i + 4 <= n; i += 4) v128.store(at(dst, i), z);
  for (; i < n; i++) store<f32>(at(dst, i), 0);
}

// @ts-ignore: decorator
@inline function addFloats(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = at(dst, i);
    v128.store(p, f32x4.add(v128.load(p), v128.load(at(src, i))));
  }
  for (; i < n; i++) {
    const p = at(dst, i);
    store<f32>(p, load<f32>(p) + load<f32>(at(src, i)));
  }
}

/** Fills cols[r, 0..K) for output positions p0 .. p0+rows-1 from x [N, H, W, Ci]. */
export function im2col(
  cols: usize, x: usize, p0: i32, rows: i32,
  H: i32, W: i32, Ci: i32, OH: i32, OW: i32,
  KH: i32, KW: i32, sh: i32, sw: i32, top: i32, left: i32,
): void {
  const rowLen = KW * Ci;
  const K = KH * rowLen;
  let ow = p0 % OW;
  let oh = (p0 / OW) % OH;
  let n = p0 / (OW * OH);
  for (let r = 0; r < rows; r++) {
    const dst = at(cols, r * K);
    const ih0 = oh * sh - top;
    const iw0 = ow * sw - left;
    const xn = at(x, n * H * W * Ci);
    const inside = iw0 >= 0 && iw0 + KW <= W;
    for (let kh = 0; kh < KH; kh++) {
      const ih = ih0 + kh;
      const d = at(dst, kh * rowLen);
      if (ih < 0 || ih >= H) {
        zeroFloats(d, rowLen);
      } else if (inside) {
        // The KW taps of one filter row are contiguous in NHWC.
        copyFloats(d, at(xn, (ih * W + iw0) * Ci), rowLen);
      } else {
        for (let kw = 0; kw < KW; kw++) {
          const iw = iw0 + kw;
          if (iw < 0 || iw >= W) zeroFloats(at(d, kw * Ci), Ci);
          else copyFloats(at(d, kw * Ci), at(xn, (ih * W + iw) * Ci), Ci);
        }
      }
    }
    if (++ow == OW) {
      ow = 0;
      if (++oh == OH) {
        oh = 0;
        n++;
      }
    }
  }
}

/** dx [N, H, W, Ci] += the taps of cols[r, 0..K) for output positions p0 .. p0+rows-1. */
export function col2im(
  dx: usize, cols: usize, p0: i32, rows: i32,
  H: i32, W: i32, Ci: i32, OH: i32, OW: i32,
  KH: i32, KW: i32, sh: i32, sw: i32, top: i32, left: i32,
): void {
  const rowLen = KW * Ci;
  const K = KH * rowLen;
  let ow = p0 % OW;
  let oh = (p0 / OW) % OH;
  let n = p0 / (OW * OH);
  for (let r = 0; r < rows; r++) {
    const src = at(cols, r * K);
    const ih0 = oh * sh - top;
    const iw0 = ow * sw - left;
    const xn = at(dx, n * H * W * Ci);
    const inside = iw0 >= 0 && iw0 + KW <= W;
    for (let kh = 0; kh < KH; kh++) {
      const ih = ih0 + kh;
      if (ih < 0 || ih >= H) continue;
      const s = at(src, kh * rowLen);
      if (inside) {
        addFloats(at(xn, (ih * W + iw0) * Ci), s, rowLen);
      } else {
        for (let kw = 0; kw < KW; kw++) {
          const iw = iw0 + kw;
          if (iw >= 0 && iw < W) addFloats(at(xn, (ih * W + iw) * Ci), at(s, kw * Ci), Ci);
        }
      }
    }
    if (++ow == OW) {
      ow = 0;
      if (++oh == OH) {
        oh = 0;
        n++;
      }
    }
  }
}
