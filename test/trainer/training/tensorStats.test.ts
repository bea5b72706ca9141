// The host-side statistics against direct computations: exact where the docs
// say exact, within sampling error where they say sampled.
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../../../src/trainer/backend/select';
import { nativeKernels } from '../../../src/trainer/backend/native/module';
import { hostCopy, hostValues } from '../../../src/trainer/training/hostValues';
import {
  activationStats,
  countNonFinite,
  EXACT_LIMIT,
  histogram,
  HISTOGRAM_BINS,
  HISTOGRAM_SAMPLE,
  rowStride,
  sumOfSquares,
  updateSums,
} from '../../../src/trainer/training/tensorStats';
import { mulberry32 } from '../../../src/trainer/data/random';

/** Deterministic pseudo-random values in [0, 1). */
const random = mulberry32;

/** ReLU-like values: about `zeroRate` zeros, the rest uniform in (0, 2). */
function reluValues(n: number, zeroRate: number, seed: number): Float32Array {
  const r = random(seed);
  return Float32Array.from({ length: n }, () => (r() < zeroRate ? 0 : 2 * r() + 1e-3));
}

function reference(v: Float32Array, units: number) {
  const finite = Array.from(v).filter(Number.isFinite);
  const mean = finite.reduce((a, b) => a + b, 0) / finite.length;
  const std = Math.sqrt(finite.reduce((a, b) => a + (b - mean) ** 2, 0) / finite.length);
  let dead = 0;
  for (let u = 0; u < units; u++) {
    let alive = false;
    for (let i = u; i < v.length; i += units) if (v[i] !== 0) alive = true;
    if (!alive) dead++;
  }
  return {
    mean, std,
    min: finite.reduce((a, b) => Math.min(a, b), Infinity), max: finite.reduce((a, b) => Math.max(a, b), -Infinity),
    zeroFraction: Array.from(v).filter((x) => x === 0).length / v.length,
    deadFraction: dead / units,
    nonFinite: v.length - finite.length,
  };
}

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

describe('host-side tensor statistics', () => {
  it('small activations: every statistic exact (dense [32, 64], 3 dead units)', () => {
    const v = reluValues(32 * 64, 0.4, 1);
    for (const u of [3, 17, 63]) for (let i = u; i < v.length; i += 64) v[i] = 0;
    const got = activationStats(v, [32, 64], 'relu');
    const want = reference(v, 64);
    for (const k of ['mean', 'std', 'min', 'max', 'zeroFraction', 'deadFraction'] as const) close(got[k], want[k], 1e-6, k);
    assert.equal(got.deadFraction, 3 / 64);
    assert.equal(got.nonFinite, 0);
    assert.equal(got.saturatedFraction, null);
  });

  it('large conv outputs: mean/min/max/dead exact, std and zero fraction from the sample within 0.01', () => {
    const shape = [16, 32, 32, 32]; // 524,288 values > EXACT_LIMIT
    const n = shape.reduce((a, b) => a * b, 1);
    assert.ok(n > EXACT_LIMIT);
    const v = reluValues(n, 0.55, 2);
    for (let i = 5; i < n; i += 32) v[i] = 0; // channel 5 dead
    v[n - 32 + 9] = 7; // channel 9 alive only at the very last position: still alive
    for (let i = 9; i < n - 32; i += 32) v[i] = 0;
    const got = activationStats(v, shape, 'relu');
    const want = reference(v, 32);
    close(got.mean, want.mean, 1e-6, 'mean');
    assert.equal(got.min, want.min);
    assert.equal(got.max, want.max);
    assert.equal(got.deadFraction, 1 / 32, 'dead fraction is exact: channel 9 is alive at one position');
    assert.ok(Math.abs(got.zeroFraction - want.zeroFraction) < 0.01, `zero fraction ${got.zeroFraction} vs ${want.zeroFraction}`);
    assert.ok(Math.abs(got.std - want.std) / want.std < 0.01, `std ${got.std} vs ${want.std}`);
  });

  it('sample rows are spread over the columns of a conv output', () => {
    const stride = rowStride(16 * 32 * 32, 32, EXACT_LIMIT, 32);
    assert.ok(stride > 1);
    assert.equal(stride % 2, 1, `stride ${stride} is coprime with the width 32`);
  });

  it('non-finite values are counted and left out of mean/min/max', () => {
    const v = Float32Array.from([1, NaN, 3, Infinity, -2, 0, -Infinity, 4]);
    const got = activationStats(v, [2, 4], 'linear');
    assert.equal(got.nonFinite, 3);
    close(got.mean, 6 / 5, 1e-9, 'mean');
    assert.equal(got.min, -2);
    assert.equal(got.max, 4);
    assert.equal(countNonFinite(v), 3);
    assert.ok(!Number.isFinite(sumOfSquares(v)));
  });

  it('sums of squares of a view of the wasm heap (the SIMD kernel) equal the JS loop, NaN and Inf included', async () => {
    await initBackend('wasm');
    for (const values of [reluValues(100_003, 0.3, 9), Float32Array.from([3, 4, 0, 1e-20, 2.5]), Float32Array.from([1, NaN, 2]), Float32Array.from([Infinity, 1, 1, 1, 1])]) {
      const t = tf.tensor(values);
      const view = hostValues(t);
      assert.ok(view.buffer !== values.buffer && view.length === values.length, 'a view of the heap');
      let expected = 0;
      for (const x of values) expected += x * x;
      const native = nativeKernels(tf.backend() as BackendWasm);
      const calls = native?.callCount('sumOfSquares') ?? -1;
      const got = sumOfSquares(view);
      assert.equal(native?.callCount('sumOfSquares'), calls + 1, 'the SIMD kernel ran');
      if (Number.isFinite(expected)) close(got, expected, 1e-12 * expected, 'sum of squares');
      else assert.ok(Object.is(got, expected) || (Number.isNaN(got) && Number.isNaN(expected)), `${got} vs ${expected}`);
      t.dispose();
    }
  });

  it('saturation counts values within 1% of a bound for sigmoid and tanh', () => {
    const sig = Float32Array.from([0.001, 0.5, 0.995, 0.2]);
    assert.equal(activationStats(sig, [1, 4], 'sigmoid').saturatedFraction, 0.5);
    const tanh = Float32Array.from([-0.99, 0, 0.985, 0.97]);
    assert.equal(activationStats(tanh, [2, 2], 'tanh').saturatedFraction, 0.5);
  });

  it('sums of squares and update sums', () => {
    const before = Float32Array.from([1, 2, 2]);
    const after = Float32Array.from([1, 2, 3]);
    assert.equal(sumOfSquares(before), 9);
    assert.deepEqual(updateSums(after, before), { diff: 1, before: 9 });
  });

  it('histograms: counts add up to the finite sampled values, edges span them', () => {
    const v = Float32Array.from([0, 1, 2, 3, NaN, 3]);
    const h = histogram(v);
    assert.equal(h.counts.length, HISTOGRAM_BINS);
    assert.equal(h.counts.reduce((a, b) => a + b, 0), 5);
    assert.equal(h.edges[0], 0);
    assert.equal(h.edges[HISTOGRAM_BINS], 3);
    assert.equal(h.counts[HISTOGRAM_BINS - 1], 2, 'the maximum lands in the last bin');
    assert.deepEqual([h.sampled, h.total], [6, 6]);
    const big = histogram(reluValues(10 * HISTOGRAM_SAMPLE, 0.5, 3));
    assert.ok(big.sampled <= HISTOGRAM_SAMPLE && big.sampled > HISTOGRAM_SAMPLE / 2, `sampled ${big.sampled}`);
    assert.equal(big.total, 10 * HISTOGRAM_SAMPLE);
    // Bin 0 holds the zeros (half the values) and the uniform values below 2/30.
    assert.ok(Math.abs(big.counts[0] / big.sampled - (0.5 + 0.5 / HISTOGRAM_BINS)) < 0.01, `bin 0 holds ${big.counts[0]} of ${big.sampled}`);
    assert.deepEqual(histogram(Float32Array.from([NaN])).counts.reduce((a, b) => a + b, 0), 0);
  });

  for (const backend of ['wasm', 'cpu'] as const) {
    it(`hostValues reads the same values as dataSync on ${backend}`, async () => {
      if (backend === 'wasm') await initBackend('wasm');
      await tf.setBackend(backend);
      const t = tf.tensor([[1.5, -2], [0, 4]]);
      const i = tf.tensor([1, 2, 3], [3], 'int32');
      assert.deepEqual(Array.from(hostValues(t)), [1.5, -2, 0, 4]);
      assert.deepEqual(Array.from(hostCopy(i)), [1, 2, 3]);
      tf.dispose([t, i]);
      assert.throws(() => hostValues(t), /disposed/);
    });
  }

  after(async () => {
    await initBackend('wasm');
    await tf.setBackend('wasm');
  });
});
