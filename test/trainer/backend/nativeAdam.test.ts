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
