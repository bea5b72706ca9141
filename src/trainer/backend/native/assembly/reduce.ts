// Sum over the leading axes of a row-major tensor viewed as [rows, cols]:
// out[c] = Σ_r x[r, c] (a bias gradient: every axis but the channels). Stock
// tfjs-backend-wasm transposes the whole tensor first to reduce its innermost
// axis; this reads it once, in place. Each column is summed in row order,
// like the stock kernel does after its transpose: the results are identical.

import { at } from './simd';

export function sumLeadingAxes(x: usize, out: usize, rows: i32, cols: i32): void {
  let c = 0;
  for (; c + 16 <= cols; c += 16) {
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    let p = at(x, c);
    const step = <usize>cols << 2;
    for (let r = 0; r < rows; r++) {
      s0 = f32x4.add(s0, v128.load(p));
      s1 = f32x4.add(s1, v128.load(p, 16));
      s2 = f32x4.add(s2, v128.load(p, 32));
      s3 = f32x4.add(s3, v128.load(p, 48));
      p += step;
    }
    const o = at(out, c);
    v128.store(o, s0);
    v128.store(o, s1, 16);
    v128.store(o, s2, 32);
    v128.store(o, s3, 48);
  }
  for (; c + 4 <= cols; c += 4) {
    let s = f32x4.splat(0);
    for (let r = 0; r < rows; r++) s = f32x4.add(s, v128.load(at(x, r * cols + c)));
    v128.store(at(out, c), s);
  }
  for (; c < cols; c++) {
    let s: f32 = 0;
    for (let r = 0; r < rows; r++) s += load<f32>(at(x, r * cols + c));
    store<f32>(at(out, c), s);
  }
}
