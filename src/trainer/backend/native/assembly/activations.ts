// Activation functions on four lanes, shared by the LSTM and Dense kernels.
// Written out rather than taken from AssemblyScript's Mathf: its exp uses
// lookup tables, i.e. a data segment, which these modules must not have
// (they share tfjs-backend-wasm's memory; scripts/buildNative.mjs).

/** exp(x), four lanes: Cephes' expf (range reduction by ln 2, degree-6 polynomial), ~1 ulp; NaN stays NaN. */
// @ts-ignore: decorator
@inline export function vexp(x0: v128): v128 {
  // Clamped so 2^n stays a normal float; min/max keep NaN.
  const x = f32x4.min(f32x4.max(x0, f32x4.splat(-87.33654)), f32x4.splat(88.37626));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504)));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}

// @ts-ignore: decorator
@inline export function vsigmoid(x: v128): v128 {
  const one = f32x4.splat(1);
  return f32x4.div(one, f32x4.add(one, vexp(f32x4.neg(x))));
}

/** tanh(x) = sign(x)·(1 − 2/(e^{2|x|} + 1)). */
// @ts-ignore: decorator
@inline export function vtanh(x: v128): v128 {
  const one = f32x4.splat(1);
  const e = vexp(f32x4.add(f32x4.abs(x), f32x4.abs(x)));
  const t = f32x4.sub(one, f32x4.div(f32x4.splat(2), f32x4.add(e, one)));
  return v128.bitselect(x, t, i32x4.splat(0x80000000));
}

