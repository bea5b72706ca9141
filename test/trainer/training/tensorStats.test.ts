// The host-side statistics against direct computations: exact where the docs
// say exact, within sampling error where they say sampled.
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../../../src/trainer/backend/select';
import { nativeKernels } from '../../../src/trainer/backend/native/module';
import { hostValues } from '../../../src/trainer/training/hostValues';
import {
  activationStats,
  countNonFinite,
  EXACT_LIMIT,
  histogram,
  HISTOGRAM_BINS,
  HISTOGRAM_SAMPLE,
  rowStride,
  snapshot,
  sumOfSquares,
  updateSums,
} from '../../../src/trainer/training/tensorStats';
import { InstrumentedModel } from '../../../src/trainer/training/instrumentedModel';
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
    mean,
    std,
    min: finite.reduce((a, b) => Math.min(a, b), Infinity),
    max: finite.reduce((a, b) => Math.max(a, b), -Infinity),
    zeroFraction: Array.from(v).filter((x) => x === 0).length / v.length,
    deadFraction: dead / units,
    nonFinite: v.length - finite.length,
  };
}

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

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
    for (const values of [
      reluValues(100_003, 0.3, 9),
      Float32Array.from([3, 4, 0, 1e-20, 2.5]),
      Float32Array.from([1, NaN, 2]),
      Float32Array.from([Infinity, 1, 1, 1, 1]),
    ]) {
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
    assert.equal(
      h.counts.reduce((a, b) => a + b, 0),
      5,
    );
    assert.equal(h.edges[0], 0);
    assert.equal(h.edges[HISTOGRAM_BINS], 3);
    assert.equal(h.counts[HISTOGRAM_BINS - 1], 2, 'the maximum lands in the last bin');
    assert.deepEqual([h.sampled, h.total], [6, 6]);
    const big = histogram(reluValues(10 * HISTOGRAM_SAMPLE, 0.5, 3));
    assert.ok(big.sampled <= HISTOGRAM_SAMPLE && big.sampled > HISTOGRAM_SAMPLE / 2, `sampled ${big.sampled}`);
    assert.equal(big.total, 10 * HISTOGRAM_SAMPLE);
    // Bin 0 holds the zeros (half the values) and the uniform values below 2/30.
    assert.ok(Math.abs(big.counts[0] / big.sampled - (0.5 + 0.5 / HISTOGRAM_BINS)) < 0.01, `bin 0 holds ${big.counts[0]} of ${big.sampled}`);
    assert.deepEqual(
      histogram(Float32Array.from([NaN])).counts.reduce((a, b) => a + b, 0),
      0,
    );
  });

  describe('native kernels (views of the wasm heap) and JS loops give the same numbers', () => {
    let native: NonNullable<ReturnType<typeof nativeKernels>>;
    before(async () => {
      await initBackend('wasm');
      await tf.setBackend('wasm');
      const k = nativeKernels(tf.backend() as BackendWasm);
      assert.ok(k, 'native kernels loaded');
      native = k;
    });

    /** `measure` on a view of the wasm heap holding `values` (asserting `kernel` ran) and on a JS copy. */
    function onBoth<T>(values: Float32Array, kernel: string, measure: (v: Float32Array) => T): { heap: T; js: T } {
      const t = tf.tensor(values);
      try {
        const view = hostValues(t);
        assert.ok(view.buffer !== values.buffer, 'a view of the heap');
        const calls = native.callCount(kernel);
        const heap = measure(view);
        assert.ok(native.callCount(kernel) > calls, `the native ${kernel} ran`);
        const js = measure(Float32Array.from(values));
        return { heap, js };
      } finally {
        t.dispose();
      }
    }

    const same = (a: number | null, b: number | null, what: string) => assert.ok(Object.is(a, b), `${what}: ${a} vs ${b}`);
    /** Equal up to float64 rounding of a sum (the kernels sum in another order). */
    const sumClose = (a: number, b: number, what: string) => assert.ok(Object.is(a, b) || Math.abs(a - b) <= 1e-12 * Math.abs(b), `${what}: ${a} vs ${b}`);

    const f32 = Math.fround;
    /** The neighbours of a float32 value. */
    const around = (x: number) => {
      const b = new Float32Array([x]);
      const i = new Int32Array(b.buffer);
      i[0]--;
      const lower = b[0];
      i[0] += 2;
      return [lower, f32(x), b[0]];
    };
    const withBad = (v: Float32Array, at: number[], bad: number[]) => {
      at.forEach((i, k) => (v[i] = bad[k % bad.length]));
      return v;
    };
    const cases: { name: string; shape: number[]; values: Float32Array; activation: string | null }[] = [
      {
        name: 'conv output above EXACT_LIMIT, a dead channel',
        shape: [16, 32, 32, 32],
        values: (() => {
          const v = reluValues(16 * 32 * 32 * 32, 0.55, 11);
          for (let i = 7; i < v.length; i += 32) v[i] = 0;
          return v;
        })(),
        activation: 'relu',
      },
      {
        name: 'odd sizes above EXACT_LIMIT with NaN/±Inf in sampled and unsampled rows',
        shape: [3, 211, 433, 3],
        values: withBad(reluValues(3 * 211 * 433 * 3, 0.3, 12), [0, 5, 1001, 77777, 3 * 211 * 433 * 3 - 1], [NaN, Infinity, -Infinity]),
        activation: 'relu',
      },
      {
        name: 'odd dense [37, 13] with non-finite values in the tail',
        shape: [37, 13],
        values: withBad(reluValues(37 * 13, 0.4, 13), [3, 200, 480], [NaN, -Infinity]),
        activation: 'relu',
      },
      { name: 'batch 1, 5 units', shape: [1, 5], values: Float32Array.from([0.5, 0, -2, 7, 1e-30]), activation: 'linear' },
      { name: 'rank 1, 7 values', shape: [7], values: Float32Array.from([3, -1, 0, 2, 2, 9, -4]), activation: null },
      { name: 'signed zeros: the first zero is -0', shape: [3, 3], values: Float32Array.from([5, -0, 0, 1, 0, -0, 2, 3, 0]), activation: 'relu' },
      {
        name: 'signed zeros: all non-positive, the first zero is +0',
        shape: [2, 5],
        values: Float32Array.from([0, -0, -0, -0, 0, 0, -0, -0, -0, 0]),
        activation: 'relu',
      },
      { name: 'every value non-finite', shape: [2, 3], values: Float32Array.from([NaN, Infinity, -Infinity, NaN, NaN, Infinity]), activation: 'relu' },
      {
        name: 'sigmoid values at the saturation thresholds (float32 neighbours of 0.01 and 0.99)',
        shape: [3, 3],
        values: Float32Array.from([...around(0.01), ...around(0.99), 0, 1, NaN]),
        activation: 'sigmoid',
      },
      {
        name: 'tanh values at the saturation thresholds, long row',
        shape: [1, 1001],
        values: Float32Array.from({ length: 1001 }, (_, i) => (i < 6 ? [...around(-0.98), ...around(0.98)][i] : Math.sin(i))),
        activation: 'tanh',
      },
      {
        name: 'tanh above EXACT_LIMIT',
        shape: [8, 64, 64, 9],
        values: Float32Array.from(reluValues(8 * 64 * 64 * 9, 0.1, 14), (x, i) => Math.tanh(x * (i % 2 ? 3 : -3))),
        activation: 'tanh',
      },
    ];

    for (const c of cases) {
      it(`activation statistics: ${c.name}`, () => {
        const { heap, js } = onBoth(c.values, 'sampledMoments', (v) => activationStats(v, c.shape, c.activation));
        const want = reference(c.values, c.shape.length >= 2 ? c.shape[c.shape.length - 1] : 1);
        for (const k of ['min', 'max', 'zeroFraction', 'deadFraction', 'saturatedFraction', 'nonFinite'] as const) same(heap[k], js[k], k);
        for (const k of ['mean', 'std'] as const) sumClose(heap[k], js[k], k);
        same(heap.nonFinite, want.nonFinite, 'non-finite count against the reference');
        if (want.nonFinite < c.values.length) {
          // === : Math.min in the reference prefers -0, the scan keeps the first zero (checked above).
          assert.ok(heap.min === want.min, `min ${heap.min} against the reference ${want.min}`);
          assert.ok(heap.max === want.max, `max ${heap.max} against the reference ${want.max}`);
          close(heap.mean, want.mean, 1e-9, 'mean against the reference');
        } else {
          assert.ok(Number.isNaN(heap.mean) && Number.isNaN(heap.min) && Number.isNaN(heap.std));
        }
        same(heap.deadFraction, want.deadFraction, 'dead fraction against the reference');
      });

      it(`histograms, non-finite counts, update sums: ${c.name}`, () => {
        const h = onBoth(c.values, 'stridedHistogram', histogram);
        assert.deepEqual(h.heap, h.js);
        const stride = Math.max(1, Math.ceil(c.values.length / HISTOGRAM_SAMPLE));
        const sampledFinite = c.values.filter((x, i) => i % stride === 0 && Number.isFinite(x)).length;
        assert.equal(
          h.heap.counts.reduce((a, b) => a + b, 0),
          sampledFinite,
          'counts hold the finite sampled values',
        );
        const bad = onBoth(c.values, 'countNonFinite', countNonFinite);
        assert.equal(bad.heap, bad.js);
        assert.equal(bad.heap, reference(c.values, 1).nonFinite);
        const shifted = Float32Array.from(c.values, (x, i) => x + (i % 3) * 0.25);
        const other = tf.tensor(shifted);
        try {
          // On the heap side both operands are views of the heap (`other` holds the values after).
          const sums = onBoth(c.values, 'updateSums', (before) => {
            const afterView = hostValues(other);
            return updateSums(before.buffer === afterView.buffer ? afterView : shifted, before);
          });
          sumClose(sums.heap.diff, sums.js.diff, 'diff');
          sumClose(sums.heap.before, sums.js.before, 'before');
        } finally {
          other.dispose();
        }
      });
    }

    it('heap snapshots keep the values across tfjs calls, updateSums against them runs natively', () => {
      const values = reluValues(10_007, 0.2, 15);
      const t = tf.variable(tf.tensor(values));
      const copy = snapshot(hostValues(t));
      try {
        t.assign(tf.tensor(Float32Array.from(values, (x) => 2 * x)));
        const grown = tf.zeros([1 << 20]); // more tfjs allocations between the copy and its use
        assert.deepEqual(copy.values(), values);
        const calls = native.callCount('updateSums');
        const sums = updateSums(hostValues(t), copy.values());
        assert.equal(native.callCount('updateSums'), calls + 1, 'the native updateSums ran');
        const js = updateSums(
          Float32Array.from(values, (x) => 2 * x),
          values,
        );
        sumClose(sums.diff, js.diff, 'diff');
        sumClose(sums.before, js.before, 'before');
        grown.dispose();
      } finally {
        copy.dispose();
        t.dispose();
      }
      assert.throws(() => copy.values(), /after dispose/);
    });

    it('an instrumented step on wasm measures with the native kernels; its update ratios match a JS computation', async () => {
      const model = tf.sequential({
        layers: [
          tf.layers.conv2d({
            inputShape: [9, 9, 2],
            filters: 5,
            kernelSize: 3,
            activation: 'relu',
            kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }),
          }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotNormal({ seed: 4 }) }),
        ],
      });
      const optimizer = tf.train.adam(0.01);
      const inst = new InstrumentedModel(model, optimizer, 'categoricalCrossentropy', ['accuracy']);
      const x = tf.tensor(reluValues(4 * 9 * 9 * 2, 0.2, 16), [4, 9, 9, 2]);
      const y = tf.oneHot(tf.tensor1d([0, 1, 2, 1], 'int32'), 3);
      const weightsBefore = inst.weights.map((w) => Float32Array.from(w.variable.dataSync()));
      const kernels = ['finiteSumMinMax', 'sampledMoments', 'updateSums', 'stridedHistogram'];
      const calls = kernels.map((k) => native.callCount(k));
      const m = await inst.step(x, y, { detail: true, histograms: true, apply: true });
      kernels.forEach((k, i) => assert.ok(native.callCount(k) > calls[i], `${k} ran`));
      inst.weights.forEach((w, i) => {
        const after = Float32Array.from(w.variable.dataSync());
        let diff = 0;
        let norm = 0;
        for (let j = 0; j < after.length; j++) {
          diff += (after[j] - weightsBefore[i][j]) ** 2;
          norm += weightsBefore[i][j] ** 2;
        }
        close(m.weights[i].updateRatio!, Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-12), 1e-9, `update ratio of ${w.name}`);
      });
      assert.ok(m.layers[0].activationStats && m.layers[0].activationStats.histogram);
      tf.dispose([x, y]);
      model.dispose();
      optimizer.dispose();
    });
  });

  for (const backend of ['wasm', 'cpu'] as const) {
    it(`hostValues reads the same values as dataSync on ${backend}`, async () => {
      if (backend === 'wasm') await initBackend('wasm');
      await tf.setBackend(backend);
      const t = tf.tensor([
        [1.5, -2],
        [0, 4],
      ]);
      const i = tf.tensor([1, 2, 3], [3], 'int32');
      assert.deepEqual(Array.from(hostValues(t)), [1.5, -2, 0, 4]);
      assert.deepEqual(Array.from(hostValues(i)), [1, 2, 3]);
      tf.dispose([t, i]);
      assert.throws(() => hostValues(t), /disposed/);
    });
  }

  after(async () => {
    await initBackend('wasm');
    await tf.setBackend('wasm');
  });
});
