import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { computeLoss } from '../../../src/trainer/training/objectives';
import { ensureWasm, leaveOnWasm, randomValues, relativeError, runOn } from './helpers';

/** Probabilities per row (softmax of random logits), with exact 0 and 1 entries to hit both clip bounds. */
function probabilities(rows: number, classes: number, seed: number): tf.Tensor {
  const p = tf.softmax(tf.mul(tf.tensor(randomValues(rows * classes, seed), [rows, classes]), 4));
  if (rows < 2 || classes < 2) return p;
  const edges = tf.tensor(
    Array.from({ length: rows * classes }, (_, i) => (i === 0 ? 0 : i === classes ? 1 : -1)),
    [rows, classes],
  );
  return tf.where(tf.greaterEqual(edges, 0), edges, p);
}

function oneHot(rows: number, classes: number): tf.Tensor {
  return tf
    .oneHot(
      tf.tensor1d(
        Array.from({ length: rows }, (_, i) => (i * 7) % classes),
        'int32',
      ),
      classes,
    )
    .toFloat();
}

function lossAndGradients(rows: number, classes: number, seed: number) {
  return () => {
    const y = oneHot(rows, classes);
    const p = probabilities(rows, classes, seed);
    const [dy, dp] = tf.grads((yt: tf.Tensor, yp: tf.Tensor) => computeLoss('categoricalCrossentropy', yt, yp))([y, p]);
    return [computeLoss('categoricalCrossentropy', y, p), dy, dp];
  };
}

describe('fused categorical cross-entropy on wasm', () => {
  before(ensureWasm);
  after(leaveOnWasm);

  for (const [rows, classes] of [
    [64, 10],
    [1, 3],
    [33, 2],
    [7, 5],
  ]) {
    it(`equals the tfjs composition on cpu: [${rows},${classes}], loss and gradients (clip bounds included)`, async () => {
      const ours = await runOn('wasm', lossAndGradients(rows, classes, rows));
      const reference = await runOn('cpu', lossAndGradients(rows, classes, rows));
      reference.values.forEach((expected, i) => {
        const err = relativeError(ours.values[i], expected);
        assert.ok(err <= 1e-6, `output ${i}: relative error ${err}`);
      });
    });
  }

  it('is a single kernel forward and a single kernel backward', async () => {
    await tf.setBackend('wasm');
    const y = oneHot(8, 4);
    const p = probabilities(8, 4, 3);
    const { kernels } = await tf.profile(() => tf.grad((yp: tf.Tensor) => computeLoss('categoricalCrossentropy', y, yp))(p));
    assert.deepStrictEqual(
      kernels.map((k) => k.name).filter((n) => n.startsWith('Neural')),
      ['NeuralCategoricalCrossEntropy', 'NeuralCategoricalCrossEntropyGrad'],
    );
    tf.dispose([y, p]);
  });

  it('gives NaN for a NaN probability, as the composition does', async () => {
    const loss = async (backend: 'wasm' | 'cpu') =>
      (await runOn(backend, () => computeLoss('categoricalCrossentropy', tf.tensor2d([[0, 1]]), tf.tensor2d([[NaN, 0.5]])))).values[0][0];
    assert.ok(Number.isNaN(await loss('wasm')));
    assert.ok(Number.isNaN(await loss('cpu')));
  });
});
