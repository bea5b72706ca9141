import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {
  disposeTrainingState,
  restoreSnapshot,
  restoreTrainingState,
  snapshotTrainingState,
  snapshotWeights,
  disposeSnapshot,
} from '../../../src/trainer/checkpoint';
import { assertSameWeights, denseModel, randomizeWeights, weightBytes } from './testModels';

interface Batch {
  x: tf.Tensor;
  y: tf.Tensor;
}

function batches(count: number): Batch[] {
  return Array.from({ length: count }, (_, i) => ({
    x: tf.randomNormal([8, 5], 0, 1, 'float32', 10 + i),
    y: tf.oneHot(
      tf.tensor1d(
        [0, 1, 2, 0, 1, 2, 2, 1].map((v) => (v + i) % 3),
        'int32',
      ),
      3,
    ),
  }));
}

function trainStep(model: tf.LayersModel, optimizer: tf.Optimizer, { x, y }: Batch): void {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  tf.tidy(() => {
    optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar, false, vars);
  });
}

const optimizers: [string, () => tf.Optimizer][] = [
  ['sgd', () => tf.train.sgd(0.1)],
  ['momentum', () => tf.train.momentum(0.1, 0.9)],
  ['adagrad', () => tf.train.adagrad(0.1)],
  ['adadelta', () => tf.train.adadelta(1)],
  ['adam', () => tf.train.adam(0.05)],
  ['adamax', () => tf.train.adamax(0.05)],
  ['rmsprop', () => tf.train.rmsprop(0.01, 0.9, 0.5)],
  // Not centered RMSProp: tfjs 4.22 computes sqrt(meanSquare - (meanGrad² + ε)),
  // which is NaN for zero gradients (as dead ReLU units give) from the first step.
];

/** Optimizers whose state changes the next update here. Adadelta's does not: in
 * tfjs its two accumulators stay equal, so every update is just the gradient. */
const stateful = new Set(['momentum', 'adagrad', 'adam', 'adamax', 'rmsprop']);

function assertChangedAndFinite(model: tf.LayersModel, before: [string, Buffer][]): void {
  const now = weightBytes(model);
  assert.ok(
    now.some(([, bytes], i) => !bytes.equals(before[i][1])),
    'the step did not change the weights',
  );
  for (const w of model.weights) assert.ok((w.read().dataSync() as Float32Array).every(Number.isFinite), `${w.originalName} is not finite`);
}

describe('snapshots: exact step back', () => {
  let data: Batch[];
  before(async () => {
    await tf.setBackend('cpu');
    data = batches(6);
  });
  after(() => data.forEach((b) => tf.dispose([b.x, b.y])));

  for (const [name, makeOptimizer] of optimizers) {
    it(`${name}: training resumed from a snapshot repeats the same updates bit for bit`, () => {
      const model = denseModel();
      randomizeWeights(model, 1);
      const optimizer = makeOptimizer();
      // 30 steps: by then Adam's running product beta1^t differs in the last
      // bit from pow(beta1, t), which its public setWeights() would use.
      for (let i = 0; i < 30; i++) trainStep(model, optimizer, data[i % 3]);

      const snapshot = snapshotTrainingState(model, optimizer);
      const atSnapshot = weightBytes(model);
      trainStep(model, optimizer, data[3]);
      const afterFourth = weightBytes(model);
      assertChangedAndFinite(model, atSnapshot);
      trainStep(model, optimizer, data[4]);
      const afterFifth = weightBytes(model);
      assertChangedAndFinite(model, afterFourth);
      trainStep(model, optimizer, data[5]);

      restoreTrainingState(model, optimizer, snapshot);
      trainStep(model, optimizer, data[3]);
      assertSameWeights(model, afterFourth);
      trainStep(model, optimizer, data[4]);
      assertSameWeights(model, afterFifth);

      // Weights alone are not enough for optimizers with state: this is why the snapshot holds it.
      if (stateful.has(name)) {
        restoreSnapshot(model, snapshot.weights);
        trainStep(model, optimizer, data[3]);
        assert.notDeepEqual(weightBytes(model), afterFourth);
      }
      disposeTrainingState(snapshot);
      optimizer.dispose();
    });
  }

  it('restores to before the first Adam step (no moments yet) without leaking tensors', () => {
    const model = denseModel();
    randomizeWeights(model, 2);
    const optimizer = tf.train.adam(0.05);
    const atStart = tf.memory().numTensors;
    const snapshot = snapshotTrainingState(model, optimizer);
    trainStep(model, optimizer, data[0]);
    const firstTime = weightBytes(model);
    const tensorsAfterOneStep = tf.memory().numTensors;
    trainStep(model, optimizer, data[1]);

    for (let round = 0; round < 3; round++) {
      restoreTrainingState(model, optimizer, snapshot);
      assert.equal(optimizer.iterations, 0);
      trainStep(model, optimizer, data[0]);
      assertSameWeights(model, firstTime);
      assert.equal(tf.memory().numTensors, tensorsAfterOneStep, `round ${round}`);
    }
    disposeTrainingState(snapshot);
    // What remains over the start: Adam's 2 moments for each of the 4 weights.
    assert.equal(tf.memory().numTensors - atStart, 8);
    optimizer.dispose();
  });

  it('snapshots every weight, frozen ones included, and restores them exactly', () => {
    const model = denseModel();
    model.layers[0].trainable = false;
    randomizeWeights(model, 3);
    const before = weightBytes(model);
    const snapshot = snapshotWeights(model);
    assert.deepEqual([...snapshot.keys()].sort(), ['hidden/bias', 'hidden/kernel', 'out/bias', 'out/kernel']);
    randomizeWeights(model, 4);
    restoreSnapshot(model, snapshot);
    assertSameWeights(model, before);
    const count = tf.memory().numTensors;
    disposeSnapshot(snapshot);
    assert.equal(tf.memory().numTensors, count - 4);
    assert.equal(snapshot.size, 0);
  });
});
