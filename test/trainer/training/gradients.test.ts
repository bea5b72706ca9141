// The gradient norms we report must be the true gradient norms: checked
// against central finite differences of the loss on small models.
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { InstrumentedModel } from '../../../src/trainer/training/instrumentedModel';
import type { LossName } from '../../../src/trainer/training/objectives';

async function lossAt(model: InstrumentedModel, x: tf.Tensor, y: tf.Tensor): Promise<number> {
  const m = await model.step(x, y, { detail: false, histograms: false, apply: false });
  return m.loss;
}

async function finiteDifferenceNorms(model: InstrumentedModel, x: tf.Tensor, y: tf.Tensor, h: number): Promise<Map<string, number>> {
  const norms = new Map<string, number>();
  for (const w of model.weights.filter((w) => w.trainable)) {
    const original = w.variable.dataSync().slice();
    let sumSq = 0;
    for (let i = 0; i < original.length; i++) {
      const plus = original.slice();
      plus[i] += h;
      w.variable.assign(tf.tensor(plus, w.variable.shape));
      const lPlus = await lossAt(model, x, y);
      const minus = original.slice();
      minus[i] -= h;
      w.variable.assign(tf.tensor(minus, w.variable.shape));
      const lMinus = await lossAt(model, x, y);
      const g = (lPlus - lMinus) / (2 * h);
      sumSq += g * g;
    }
    w.variable.assign(tf.tensor(original, w.variable.shape));
    norms.set(w.name, Math.sqrt(sumSq));
  }
  return norms;
}

describe('reported gradient norms vs central finite differences', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  const cases: { name: string; loss: LossName; make: () => tf.LayersModel; x: number[][]; y: number[][] }[] = [
    {
      name: 'tanh MLP with softmax cross-entropy',
      loss: 'categoricalCrossentropy',
      make: () =>
        tf.sequential({
          layers: [
            tf.layers.dense({
              inputShape: [3],
              units: 4,
              activation: 'tanh',
              kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }),
              biasInitializer: 'randomNormal',
            }),
            tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }) }),
          ],
        }),
      x: [
        [0.5, -1, 2],
        [1, 0.3, -0.7],
        [-0.2, 0.1, 0.4],
        [2, -2, 0],
      ],
      y: [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
        [0, 1, 0],
      ],
    },
    {
      name: 'sigmoid network with binary cross-entropy',
      loss: 'binaryCrossentropy',
      make: () =>
        tf.sequential({
          layers: [
            tf.layers.dense({ inputShape: [2], units: 5, activation: 'sigmoid', kernelInitializer: tf.initializers.randomNormal({ seed: 3 }) }),
            tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.randomNormal({ seed: 4 }) }),
          ],
        }),
      x: [
        [0.5, -1],
        [1, 0.3],
        [-0.2, 0.1],
      ],
      y: [[1], [0], [1]],
    },
    {
      name: 'single linear layer with MSE',
      loss: 'meanSquaredError',
      make: () => tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 2, kernelInitializer: tf.initializers.randomNormal({ seed: 5 }) })] }),
      x: [
        [1, 2, 3, 4],
        [-1, 0.5, 0, 2],
      ],
      y: [
        [0.3, -0.2],
        [1, 2],
      ],
    },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const model = c.make();
      const im = new InstrumentedModel(model, tf.train.sgd(0.1), c.loss, []);
      const x = tf.tensor2d(c.x);
      const y = tf.tensor2d(c.y);
      const reported = await im.step(x, y, { detail: false, histograms: false, apply: false });
      const numeric = await finiteDifferenceNorms(im, x, y, 1e-2);
      let globalSq = 0;
      for (const w of reported.weights.filter((w) => w.trainable)) {
        const expected = numeric.get(w.name)!;
        globalSq += expected * expected;
        const rel = Math.abs(w.gradNorm! - expected) / Math.max(expected, 1e-6);
        assert.ok(rel < 2e-3, `${w.name}: reported ${w.gradNorm}, finite differences ${expected} (relative error ${rel})`);
      }
      assert.ok(Math.abs(reported.gradNorm - Math.sqrt(globalSq)) / Math.sqrt(globalSq) < 2e-3);
      x.dispose();
      y.dispose();
      model.dispose();
    });
  }
});
