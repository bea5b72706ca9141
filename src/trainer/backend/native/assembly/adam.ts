// One Adam step for one weight, in a single pass over memory (tfjs runs it as
// about fifteen kernels per weight, each a pass and a dispatch). The order of
// operations is tfjs' AdamOptimizer.applyGradients, with separate multiplies
// and adds (no fused multiply-add). The bias corrections are multiplications
// by their reciprocals (as PyTorch's step size is): two divisions per element
// fewer, 25 % less time on the MLP's 109k weights, within a float32 rounding
// or two of tfjs.
//   m' = m·β1 + g·(1−β1)        v' = v·β2 + g²·(1−β2)
//   p' = (m'·(1/(1−β1ᵗ))) / (√(v'·(1/(1−β2ᵗ))) + ε) · (−lr) + p
// The outputs may be the inputs (in place) or other buffers.
// Moments below float32's smallest normal number (2⁻¹²⁶ ≈ 1.2e-38) are stored
// as 0: a weight whose gradient is 0 (a dead ReLU's, an embedding row not in
// the batch) has its first moment decay by β1 every step into the subnormal
// range, where every multiply costs a microcode assist on x86 (wasm has no
// flush-to-zero mode). On the benchmark MLP, with most first-layer units dead,
// that made the whole step 3× slower after ~800 steps. Such a moment adds
// under 1e-31·lr to its weight, far below the weight's float32 resolution.

/** float32's smallest normal number, 2⁻¹²⁶. */
const MIN_NORMAL: f32 = 1.17549435e-38;

export function adamUpdate(
  n: i32,
  p: usize, g: usize, m: usize, v: usize,
  pOut: usize, mOut: usize, vOut: usize,
  beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32,
  oneMinusAccBeta1: f32, oneMinusAccBeta2: f32, epsilon: f32, negLearningRate: f32,
): void {
  const b1 = f32x4.splat(beta1), c1 = f32x4.splat(oneMinusBeta1);
  const b2 = f32x4.splat(beta2), c2 = f32x4.splat(oneMinusBeta2);
  const recip1: f32 = 1 / oneMinusAccBeta1, recip2: f32 = 1 / oneMinusAccBeta2;
  const r1 = f32x4.splat(recip1), r2 = f32x4.splat(recip2);
  const eps = f32x4.splat(epsilon), lr = f32x4.splat(negLearningRate);
  const normal = f32x4.splat(MIN_NORMAL);
  const vectorEnd = <usize>(n & ~3) << 2;
  let o: usize = 0;
  for (; o < vectorEnd; o += 16) {
    const gi = v128.load(g + o);
    const mRaw = f32x4.add(f32x4.mul(v128.load(m + o), b1), f32x4.mul(gi, c1));
    const vRaw = f32x4.add(f32x4.mul(v128.load(v + o), b2), f32x4.mul(f32x4.mul(gi, gi), c2));
    const mi = v128.and(mRaw, f32x4.ge(f32x4.abs(mRaw), normal));
    const vi = v128.and(vRaw, f32x4.ge(vRaw, normal));
    const step = f32x4.div(f32x4.mul(mi, r1), f32x4.add(f32x4.sqrt(f32x4.mul(vi, r2)), eps));
    v128.store(pOut + o, f32x4.add(f32x4.mul(step, lr), v128.load(p + o)));
    v128.store(mOut + o, mi);
    v128.store(vOut + o, vi);
  }
  const end = <usize>n << 2;
  for (; o < end; o += 4) {
    const gi = load<f32>(g + o);
    const mRaw = load<f32>(m + o) * beta1 + gi * oneMinusBeta1;
    const vRaw = load<f32>(v + o) * beta2 + gi * gi * oneMinusBeta2;
    const mi: f32 = Mathf.abs(mRaw) >= MIN_NORMAL ? mRaw : 0;
    const vi: f32 = vRaw >= MIN_NORMAL ? vRaw : 0;
    const step = (mi * recip1) / (<f32>Mathf.sqrt(vi * recip2) + epsilon);
    store<f32>(pOut + o, step * negLearningRate + load<f32>(p + o));
    store<f32>(mOut + o, mi);
    store<f32>(vOut + o, vi);
  }
}
