// Reductions the trainer's statistics take on every step (gradient norms of
// every weight), over float32 values where the backend keeps them, summed in
// float64 like the JS loops they replace (training/tensorStats.ts).

/** Σ v[i]² over n floats at `p`, in float64 (two lanes, two accumulators). */
export function sumOfSquares(p: usize, n: i32): f64 {
  let acc0 = f64x2.splat(0), acc1 = f64x2.splat(0);
  const vectorEnd = p + (<usize>(n & ~3) << 2);
  let q = p;
  for (; q < vectorEnd; q += 16) {
    const v = v128.load(q);
    const lo = f64x2.promote_low_f32x4(v);
    const hi = f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
    acc0 = f64x2.add(acc0, f64x2.mul(lo, lo));
    acc1 = f64x2.add(acc1, f64x2.mul(hi, hi));
  }
  const acc = f64x2.add(acc0, acc1);
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; q < p + (<usize>n << 2); q += 4) {
    const x = <f64>load<f32>(q);
    s += x * x;
  }
  return s;
}
