// Small models and comparisons shared by the checkpoint tests (cpu backend).

import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';

export function denseModel(): tf.LayersModel {
  const model = tf.sequential({ name: 'mlp' });
  model.add(tf.layers.dense({ name: 'hidden', inputShape: [5], units: 7, activation: 'relu' }));
  model.add(tf.layers.dense({ name: 'out', units: 3, activation: 'softmax' }));
  return model;
}

/** Conv2D + BatchNormalization: non-trainable moving mean/variance among the weights. */
export function convBatchNormModel(): tf.LayersModel {
  const model = tf.sequential({ name: 'cnn' });
  model.add(tf.layers.conv2d({ name: 'conv', inputShape: [6, 6, 2], filters: 3, kernelSize: 3, activation: 'relu' }));
  model.add(tf.layers.batchNormalization({ name: 'bn' }));
  model.add(tf.layers.flatten({ name: 'flat' }));
  model.add(tf.layers.dense({ name: 'out', units: 4 }));
  return model;
}

/** Gives every weight (non-trainable ones included) distinct random values in [0.1, 2). */
export function randomizeWeights(model: tf.LayersModel, seed: number): void {
  model.setWeights(model.weights.map((w, i) => tf.randomUniform(w.shape as number[], 0.1, 2, 'float32', seed * 100 + i)));
}

/** Every weight's name and raw bytes, in model order. */
export function weightBytes(model: tf.LayersModel): [string, Buffer][] {
  return model.weights.map((w) => {
    const values = w.read().dataSync() as Float32Array;
    return [w.originalName, Buffer.from(values.buffer, values.byteOffset, values.byteLength)];
  });
}

export function assertSameWeights(actual: tf.LayersModel, expected: [string, Buffer][]): void {
  const got = weightBytes(actual);
  assert.deepEqual(
    got.map(([n]) => n),
    expected.map(([n]) => n),
  );
  got.forEach(([name, bytes], i) => assert.ok(bytes.equals(expected[i][1]), `weight ${name} differs`));
}
