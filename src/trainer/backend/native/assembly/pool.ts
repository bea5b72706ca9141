// MaxPoolGrad (NHWC): each output gradient goes to the first position, in
// row-major window order, holding its window's maximum; NaN is never
// selected and a window of only -Infinity/NaN passes no gradient (the cpu
// backend's rule). Four channels at a time: a strict greater-than keeps the
// first maximum per lane, and the lanes' winners are scattered one by one.

import { at } from './simd';
import { zeroFloats } from './convIm2col';

// @ts-ignore: decorator
@inline function route(dx: usize, index: i32, g: f32): void {
  if (index >= 0) {
    const p = at(dx, index);
    store<f32>(p, load<f32>(p) + g);
  }
}

/** dx [N, H, W, C] = MaxPoolGrad(dy [N, OH, OW, C]) for input x [N, H, W, C]. */
export function maxPoolGrad(
  x: usize, dy: usize, dx: usize,
  N: i32, H: i32, W: i32, C: i32, OH: i32, OW: i32,
  KH: i32, KW: i32, sh: i32, sw: i32, top: i32, left: i32,
): void {
  if (sh >= KH && sw >= KW && C >= 4) {
    disjointWindows(x, dy, dx, N, H, W, C, OH, OW, KH, KW, sh, sw, top, left);
    return;
  }
  zeroFloats(dx, N * H * W * C);
  const lanes = i32x4(0, 1, 2, 3);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      const r0 = oh * sh - top;
      const rMin = max(0, r0);
      const rMax = min(H, r0 + KH);
      for (let ow = 0; ow < OW; ow++) {
        const c0 = ow * sw - left;
        const cMin = max(0, c0);
        const cMax = min(W, c0 + KW);
        if (rMin >= rMax || cMin >= cMax) continue;
        const g = at(dy, ((n * OH + oh) * OW + ow) * C);
        let d = 0;
        for (; d + 4 <= C; d += 4) {
          let best = f32x4.splat(-Infinity);
          let bestAt = i32x4.splat(-1);
          for (let r = rMin; r < rMax; r++) {
            for (let c = cMin; c < cMax; c++) {
              const base = ((n * H + r) * W + c) * C + d;
              const v = v128.load(at(x, base));
              const wins = f32x4.gt(v, best);
              best = v128.bitselect(v, best, wins);
              bestAt = v128.bitselect(i32x4.add(i32x4.splat(base), lanes), bestAt, wins);
            }
          }
          const gv = at(g, d);
          route(dx, i32x4.extract_lane(bestAt, 0), load<f32>(gv));
          route(dx, i32x4.extract_lane(bestAt, 1), load<f32>(gv, 4));
          route(dx, i32x4.extract_lane(bestAt, 2), load<f32>(gv, 8));
          route(dx, i32x4.extract_lane(bestAt, 3), load<f32>(gv, 12));
        }
        for (; d < C; d++) {
          let best: f32 = -Infinity;
          let bestAt = -1;
          for (let r = rMin; r < rMax; r++) {
            for (let c = cMin; c < cMax; c++) {
              const base = ((n * H + r) * W + c) * C + d;
              const v = load<f32>(at(x, base));
              if (v > best) {
                best = v;
                bestAt = base;
              }
            }
          }
          route(dx, bestAt, load<f32>(at(g, d)));
        }
      }
    }
  }
}

/**
 * Windows that do not overlap (stride ≥ window, e.g. 2x2/2): each input
 * position gets at most one gradient, so every tap of a window is written
 * (the gradient where it won, else 0) with whole-vector stores instead of
 * zero-filling dx and scattering lane by lane. Positions outside every window
 * are zeroed first unless the windows tile the input exactly.
 */
function disjointWindows(
  x: usize, dy: usize, dx: usize,
  N: i32, H: i32, W: i32, C: i32, OH: i32, OW: i32,
  KH: i32, KW: i32, sh: i32, sw: i32, top: i32, left: i32,
): void {
  const tiles = sh == KH && sw == KW && top == 0 && left == 0 && OH * KH == H && OW * KW == W;
  if (!tiles) zeroFloats(dx, N * H * W * C);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      const r0 = oh * sh - top;
      const rMin = max(0, r0);
      const rMax = min(H, r0 + KH);
      for (let ow = 0; ow < OW; ow++) {
        const c0 = ow * sw - left;
        const cMin = max(0, c0);
        const cMax = min(W, c0 + KW);
        if (rMin >= rMax || cMin >= cMax) continue;
        const g = at(dy, ((n * OH + oh) * OW + ow) * C);
        let d = 0;
        for (; d + 4 <= C; d += 4) {
          // Pass 1: the winning tap (row-major number within the window, -1 if none) per lane.
          let best = f32x4.splat(-Infinity);
          let bestTap = i32x4.splat(-1);
          let tap = 0;
          for (let r = rMin; r < rMax; r++) {
            for (let c = cMin; c < cMax; c++) {
              const v = v128.load(at(x, ((n * H + r) * W + c) * C + d));
              const wins = f32x4.gt(v, best);
              best = v128.bitselect(v, best, wins);
              bestTap = v128.bitselect(i32x4.splat(tap), bestTap, wins);
              tap++;
            }
          }
          // Pass 2: each tap gets the gradient in the lanes it won.
          const gv = v128.load(at(g, d));
          tap = 0;
          for (let r = rMin; r < rMax; r++) {
            for (let c = cMin; c < cMax; c++) {
              v128.store(at(dx, ((n * H + r) * W + c) * C + d), v128.and(gv, i32x4.eq(bestTap, i32x4.splat(tap))));
              tap++;
            }
          }
        }
        for (; d < C; d++) {
          let best: f32 = -Infinity;
          let bestAt = -1;
          for (let r = rMin; r < rMax; r++) {
            for (let c = cMin; c < cMax; c++) {
              const base = ((n * H + r) * W + c) * C + d;
              const v = load<f32>(at(x, base));
              store<f32>(at(dx, base), 0);
              if (v > best) {
                best = v;
                bestAt = base;
              }
            }
          }
          route(dx, bestAt, load<f32>(at(g, d)));
        }
      }
    }
  }
}

/**
 * MaxPool (NHWC) forward: y [N, OH, OW, C] = the maximum over each window,
 * by the gradient's rule above (strict greater-than from -Infinity: NaN is
 * never selected, a window of only NaN/-Infinity gives -Infinity), so the
 * value the forward pass keeps is the one MaxPoolGrad routes to. Four
 * channels at a time.
 */
export function maxPoolForward(
  x: usize, y: usize,
  N: i32, H: i32, W: i32, C: i32, OH: i32, OW: i32,
  KH: i32, KW: i32, sh: i32, sw: i32, top: i32, left: i32,
): void {
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      const r0 = oh * sh - top;
      const rMin = max(0, r0);
      const rMax = min(H, r0 + KH);
      for (let ow = 0; ow < OW; ow++) {
        const c0 = ow * sw - left;
        const cMin = max(0, c0);
        const cMax = min(W, c0 + KW);
        const out = at(y, ((n * OH + oh) * OW + ow) * C);
        let d = 0;
        for (; d + 4 <= C; d += 4) {
          let best = f32x4.splat(-Infinity);
          for (let r = rMin; r < rMax; r++) {
            for (let c = cMin; c < cMax; c++) {
              const v = v128.load(at(x, ((n * H + r) * W + c) * C + d));
              best = v128.bitselect(v, best, f32x4.gt(v, best));
            }
          }
          v128.store(at(out, d), best);
        }
        for (; d < C; d++) {
          let best: f32 = -Infinity;
          for (let r = rMin; r < rMax; r++) {
            for (let c = cMin; c < cMax; c++) {
              const v = load<f32>(at(x, ((n * H + r) * W + c) * C + d));
              if (v > best) best = v;
            }
          }
          store<f32>(at(out, d), best);
        }
      }
    }
  }
}
