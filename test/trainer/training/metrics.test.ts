import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { hostMetrics } from '../../../src/trainer/training/objectives';
import { ensureWasm, leaveOnWasm, randomTensor } from '../backend/helpers';

// The metrics as tfjs ops (the definitions the host loops must equal).
function reference(name: string, binary: boolean, t: tf.Tensor, p: tf.Tensor): number {
  return tf.tidy(() => {
    if (name === 'accuracy') {
      if (binary) return tf.mean(tf.equal(tf.greater(p, 0.5), tf.greater(t, 0.5)).toFloat()).dataSync()[0];
      return tf.mean(tf.equal(tf.argMax(p, -1), tf.argMax(t, -1)).toFloat()).dataSync()[0];
    }
    if (name === 'mse') return tf.mean(tf.squaredDifference(p, t)).dataSync()[0];
    return tf.mean(tf.abs(tf.sub(p, t))).dataSync()[0];
  });
}

describe('metrics computed on the host', () => {
  before(ensureWasm);
  after(leaveOnWasm);

  for (const backend of ['cpu', 'wasm']) {
    it(`equal the tfjs-op definitions on ${backend}: accuracy (categorical, per position, binary), mse, mae`, async () => {
      assert.ok(await tf.setBackend(backend));
      const cases: [number[], boolean][] = [
        [[64, 10], false],
        [[4, 8, 10], false],
        [[33, 1], true],
        [[5, 3], false],
      ];
      for (const [shape, binary] of cases) {
        const p = binary ? tf.sigmoid(randomTensor(shape, 1)) : tf.softmax(randomTensor(shape, 1));
        const t = binary
          ? tf.cast(tf.greater(randomTensor(shape, 2), 0), 'float32')
          : tf.oneHot(tf.argMax(randomTensor(shape, 2), -1), shape[shape.length - 1]).toFloat();
        const ours = hostMetrics(['accuracy', 'mse', 'mae'], binary ? 'binaryCrossentropy' : 'categoricalCrossentropy', t, p);
        ['accuracy', 'mse', 'mae'].forEach((name, i) => {
          const expected = reference(name, binary, t, p);
          assert.ok(Math.abs(ours[i] - expected) <= 1e-6 * Math.max(1, Math.abs(expected)), `${name} [${shape}]: ${ours[i]} vs ${expected}`);
        });
        tf.dispose([p, t]);
      }
    });
  }

  it('breaks accuracy ties like tf.argMax (the first maximum)', async () => {
    const t = tf.tensor2d([
      [0, 1, 0],
      [1, 0, 0],
    ]);
    const p = tf.tensor2d([
      [0.4, 0.4, 0.2],
      [0.3, 0.3, 0.3],
    ]);
    assert.deepStrictEqual(hostMetrics(['acc'], 'categoricalCrossentropy', t, p), [reference('accuracy', false, t, p)]);
    tf.dispose([t, p]);
  });

  it('names an unknown metric', () => {
    assert.throws(() => hostMetrics(['f1'], 'meanSquaredError', tf.zeros([2, 2]), tf.zeros([2, 2])), /unknown metric 'f1'/);
  });
});
