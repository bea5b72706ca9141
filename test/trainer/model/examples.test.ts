import * as assert from 'assert';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/trainer/backend/select';
import { loadData } from '../../../src/trainer/data';
import type { DataSpec } from '../../../src/trainer/data/types';
import { buildModel, createOptimizer, type DataShape } from '../../../src/trainer/model';
import { loadModelSpec } from '../../../src/spec';
import { computeLoss, targetTensor, type LossName } from '../../../src/trainer/training/objectives';

const EXAMPLES = path.resolve(__dirname, '../../../examples');
const NAMES = [
  'spiral-mlp',
  'mnist-mlp',
  'mnist-cnn',
  'cifar10-cnn',
  'sequence-lstm',
  'tiny-transformer',
  'deep-sigmoid',
  'exploding',
  'dying-relu',
  'overfit-tiny',
];

describe('examples build and train on wasm', () => {
  before(async () => {
    await initBackend('wasm');
  });

  for (const name of NAMES) {
    it(`${name}: builds and takes two finite training steps`, async () => {
      const file = path.join(EXAMPLES, `${name}.nn.json`);
      const parsed = loadModelSpec(file);
      const { spec } = parsed;
      let shape: DataShape;
      let x: tf.Tensor;
      let y: tf.Tensor;
      const batch = 8;
      const loss = spec.training.loss as LossName;
      if (spec.data.source === 'cifar10') {
        // The CIFAR-10 files are not shipped; build on the format's shape with random pixels.
        shape = { inputShape: [32, 32, 3], target: { kind: 'class', numClasses: 10, shape: [] }, inputIsTokenIds: false };
        x = tf.randomUniform([batch, 32, 32, 3], 0, 1, 'float32', 1);
        y = targetTensor(new Float32Array([0, 1, 2, 3, 4, 5, 6, 7]), batch, shape.target, loss);
      } else {
        const data = await loadData(spec.data as unknown as DataSpec, { specFile: file, seed: spec.training.seed });
        shape = data;
        const per = data.inputShape.reduce((a, b) => a * b, 1);
        const perY = data.target.shape.reduce((a, b) => a * b, 1);
        x = tf.tensor(data.train.x.subarray(0, batch * per), [batch, ...data.inputShape]);
        y = targetTensor(data.train.y.subarray(0, batch * perY), batch, data.target, loss);
      }
      const model = buildModel(parsed, shape, spec.training.seed);
      const optimizer = createOptimizer(spec.training.optimizer);
      const losses: number[] = [];
      for (let step = 0; step < 2; step++) {
        const value = optimizer.minimize(() => computeLoss(loss, y, model.apply(x, { training: true }) as tf.Tensor), true) as tf.Scalar;
        losses.push(value.dataSync()[0]);
        value.dispose();
      }
      assert.ok(losses.every(Number.isFinite), `losses ${losses.join(', ')}`);
      tf.dispose([x, y]);
      model.dispose();
      optimizer.dispose();
    });
  }
});
