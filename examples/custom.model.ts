// A model module: a small residual CNN built with the functional API, trained
// on the synthetic shapes of custom-data.ts. Train it with
//   neural-debugger train examples/custom.model.ts
// or "Train model" in VS Code (trusted workspaces only: a module runs code).
// The contract is in docs/model-modules.md.

import type * as tfType from '@tensorflow/tfjs';
import { CLASSES, makeShapes, SIZE } from './custom-data';

type SymbolicTensor = tfType.SymbolicTensor;

/** conv → conv, added to the block's input, then ReLU. */
function residualBlock(tf: typeof tfType, input: SymbolicTensor, filters: number, name: string): SymbolicTensor {
  const conv1 = tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu', name: `${name}_conv1` }).apply(input);
  const conv2 = tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', name: `${name}_conv2` }).apply(conv1);
  const sum = tf.layers.add({ name: `${name}_add` }).apply([input, conv2 as SymbolicTensor]);
  return tf.layers.activation({ activation: 'relu', name: `${name}_relu` }).apply(sum) as SymbolicTensor;
}

// The model: receives the trainer's own TensorFlow.js and returns a LayersModel.
export default function model(tf: typeof tfType): tfType.LayersModel {
  const image = tf.input({ shape: [SIZE, SIZE, 1], name: 'image' });
  const stem = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', name: 'stem' }).apply(image) as SymbolicTensor;
  const block = residualBlock(tf, stem, 8, 'block1');
  const pooled = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool' }).apply(block) as SymbolicTensor;
  const wide = tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', name: 'wide' }).apply(pooled);
  const features = tf.layers.globalAveragePooling2d({ name: 'features' }).apply(wide);
  const output = tf.layers.dense({ units: CLASSES.length, activation: 'softmax', name: 'head' }).apply(features) as SymbolicTensor;
  return tf.model({ inputs: image, outputs: output, name: 'residual-cnn' });
}

// The data: a function of tf returning the splits ({ x, y } tensors; y holds class indices).
export function data(tf: typeof tfType) {
  return makeShapes(tf, { train: 1200, validation: 300, test: 300, seed: 1 });
}

// The same fields as a spec's "training" section.
export const training = {
  epochs: 4,
  batchSize: 32,
  optimizer: { type: 'adam', learningRate: 0.01 },
  loss: 'sparseCategoricalCrossentropy',
  metrics: ['accuracy'],
};

// Optional per-run hooks: stop early once validation is near perfect.
export const hooks = {
  onEpochEnd(stats: { epoch: number; valMetrics: Record<string, number> }) {
    if ((stats.valMetrics.accuracy ?? 0) >= 0.99) return 'stop';
  },
};
