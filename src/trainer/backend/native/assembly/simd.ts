// SIMD helpers shared by every kernel. `madd` is a fused multiply-add where
// the engine has relaxed SIMD (the relaxed build: V8 emits vfmadd), and a
// separate multiply and add otherwise (the plain SIMD build); both builds come
// from this one source (scripts/buildNative.mjs).

/** a * b + c, four lanes. */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** Byte address of element `index` of a float32 array at `base`. */
// @ts-ignore: decorator
@inline export function at(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}
