import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { NativeAdamOptimizer } from '../../../src/trainer/backend/native/adam';
import { nativeKernels } from '../../../src/trainer/backend/native/module';
import { ensureWasm, leaveOnWasm, randomValues, relativeError } from './helpers';

const SHAPES = [[7, 5], [5], [1], [64, 3, 3]]; // sizes not multiples of 4 take the scalar tail

/** Runs `steps` Adam steps on `backend` from the same weights and gradients; returns weights, moments and accBeta values. */
async function train(backend: 'wasm' | 'cpu', makeOptimizer: () => tf.Optimizer, steps: number): Promise<Float32Array[]> {
  if (backend === 'wasm') await ensureWasm();
  await tf.setBackend(backend);
  const weights = SHAPES.map((shape, i) => tf.variable(tf.tensor(randomValues(tf.util.sizeFromShape(shape), 10 + i), shape)));
  const optimizer = makeOptimizer();
  for (let s = 0; s < steps; s++) {
    const grads = weights.map((w, i) => ({ name: w.name, tensor: tf.tensor(randomValues(w.size, 100 * s + i), w.shape).mul(s === 2 ? 1e-4 : 1) }));
    optimizer.applyGradients(grads);
    tf.dispose(grads.map((g) => g.tensor));
  }
  const slots = (await optimizer.getWeights()).map((w) => w.tensor);
  const state = optimizer as unknown as { accBeta1: tf.Tensor; accBeta2: tf.Tensor };
  const out = [...weights, ...slots, state.accBeta1, state.accBeta2].map((t) => Float32Array.from(t.dataSync() as ArrayLike<number>));
  optimizer.dispose();
  tf.dispose(weights);
  return out;
}

describe('native Adam (one kernel per weight on wasm)', () => {
  before(ensureWasm);
  after(leaveOnWasm);

  it('matches tfjs Adam on cpu over 5 steps: weights, both moments, iterations, accBeta', async () => {
    const native = nativeKernels(tf.findBackend('wasm') as BackendWasm);
    assert.ok(native, 'the native kernels loaded');
    const before = native.callCount('adamUpdate');
    const ours = await train('wasm', () => new NativeAdamOptimizer(0.01, 0.9, 0.999, 1e-7), 5);
    assert.strictEqual(native.callCount('adamUpdate'), before + 5 * SHAPES.length, 'the native update ran for every weight and step');
    const reference = await train('cpu', () => tf.train.adam(0.01, 0.9, 0.999, 1e-7), 5);
    assert.strictEqual(ours.length, reference.length);
    reference.forEach((expected, i) => {
      const err = relativeError(ours[i], expected);
      assert.ok(err <= 1e-5, `tensor ${i}: relative error ${err}`);
    });
  });

  it('never writes through a tensor that shares a weight or moment (step-back snapshots)', async () => {
    await tf.setBackend('wasm');
    const w = tf.variable(tf.tensor([1, 2, 3, 4, 5]));
    const optimizer = new NativeAdamOptimizer(0.1, 0.9, 0.999, 1e-7);
    optimizer.applyGradients([{ name: w.name, tensor: tf.ones([5]) }]);
    const snapshot = w.clone(); // shares w's data
    const moments = (await optimizer.getWeights()).slice(1).map((s) => s.tensor.clone());
    const saved = [snapshot, ...moments].map((t) => Array.from(t.dataSync()));
    optimizer.applyGradients([{ name: w.name, tensor: tf.ones([5]) }]);
    [snapshot, ...moments].forEach((t, i) => assert.deepStrictEqual(Array.from(t.dataSync()), saved[i], `snapshot ${i} unchanged`));
    assert.notDeepStrictEqual(Array.from(w.dataSync()), saved[0], 'the weight itself moved');
    tf.dispose([w, snapshot, ...moments]);
    optimizer.dispose();
  });

  it("stores moments that decay below float32's smallest normal number as 0, never as subnormals", async () => {
    // A dead unit's gradient is 0 from some step on; its moments decay by β
    // per step. β1 = β2 = 0.5 gets there in ~130 steps (0.9 takes ~800).
    // Sizes 8 and 5: the SIMD loop and the scalar tail.
    const isSubnormal = (x: number) => x !== 0 && Math.abs(x) < 1.1754944e-38;
    const run = async (backend: 'wasm' | 'cpu', makeOptimizer: () => tf.Optimizer) => {
      await tf.setBackend(backend);
      const weights = [tf.variable(tf.tensor(randomValues(8, 1))), tf.variable(tf.tensor(randomValues(5, 2)))];
      const optimizer = makeOptimizer();
      let subnormals = 0;
      for (let step = 0; step < 200; step++) {
        const grads = weights.map((w, i) => ({ name: w.name, tensor: step === 0 ? tf.tensor(randomValues(w.size, 3 + i)) : tf.zerosLike(w) }));
        optimizer.applyGradients(grads);
        tf.dispose(grads.map((g) => g.tensor));
        for (const slot of await optimizer.getWeights()) subnormals += Array.from(slot.tensor.dataSync()).filter(isSubnormal).length;
      }
      const moments = (await optimizer.getWeights()).slice(1).map((w) => Array.from(w.tensor.dataSync()));
      const values = weights.map((w) => Float32Array.from(w.dataSync()));
      optimizer.dispose();
      tf.dispose(weights);
      return { subnormals, moments, values };
    };
    const ours = await run('wasm', () => new NativeAdamOptimizer(0.01, 0.5, 0.5, 1e-7));
    const reference = await run('cpu', () => tf.train.adam(0.01, 0.5, 0.5, 1e-7));
    assert.ok(reference.subnormals > 0, 'tfjs Adam does keep subnormal moments (the case this guards against)');
    assert.strictEqual(ours.subnormals, 0, 'no subnormal moment after any step');
    for (const moment of ours.moments)
      assert.ok(
        moment.every((x) => x === 0),
        `every moment decayed to exactly 0: ${moment.join(', ')}`,
      );
    ours.values.forEach((v, i) => assert.ok(relativeError(v, reference.values[i]) <= 1e-6, `weight ${i} as tfjs Adam's`));
    await tf.setBackend('wasm');
  });

  it('keeps the tensor count flat over many steps', async () => {
    await tf.setBackend('wasm');
    const w = tf.variable(tf.zeros([3, 3]));
    const optimizer = new NativeAdamOptimizer(0.1, 0.9, 0.999, 1e-7);
    const g = tf.ones([3, 3]);
    optimizer.applyGradients([{ name: w.name, tensor: g }]);
    const count = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) optimizer.applyGradients([{ name: w.name, tensor: g }]);
    assert.strictEqual(tf.memory().numTensors, count);
    tf.dispose([w, g]);
    optimizer.dispose();
  });
});
