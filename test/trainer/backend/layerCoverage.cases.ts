// Small models covering every layer type, activation and loss the trainer
// supports, for the one-training-step test on wasm (layerCoverage.test.ts).

import * as tf from '@tensorflow/tfjs';
import { randomTensor } from './helpers';

export interface CoverageCase {
  name: string;
  build: () => tf.LayersModel;
  input: () => tf.Tensor;
  target: () => tf.Tensor;
  loss: (target: tf.Tensor, prediction: tf.Tensor) => tf.Scalar;
  /** False where the step is random (dropout), so backends cannot agree. */
  compareWithCpu: boolean;
}

const B = 3; // batch size of every case

function oneHot(classes: number, seed: number): tf.Tensor {
  const labels = Array.from({ length: B }, (_, i) => (i * 7 + seed) % classes);
  return tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat();
}

const softmaxCe = (t: tf.Tensor, p: tf.Tensor) => tf.losses.softmaxCrossEntropy(t, p) as tf.Scalar;
const mse = (t: tf.Tensor, p: tf.Tensor) => tf.losses.meanSquaredError(t, p) as tf.Scalar;

/** A classifier: `body` layers, then flatten and a dense head over raw logits. */
function classifier(name: string, inputShape: number[], body: () => tf.layers.Layer[], dropout = false): CoverageCase {
  return {
    name,
    build: () => {
      const input = tf.input({ shape: inputShape });
      let h: tf.SymbolicTensor = input;
      for (const layer of body()) h = layer.apply(h) as tf.SymbolicTensor;
      if (h.shape.length > 2) h = tf.layers.flatten().apply(h) as tf.SymbolicTensor;
      const out = tf.layers.dense({ units: 4 }).apply(h) as tf.SymbolicTensor;
      return tf.model({ inputs: input, outputs: out });
    },
    input: () => randomTensor([B, ...inputShape], 11),
    target: () => oneHot(4, 1),
    loss: softmaxCe,
    compareWithCpu: !dropout,
  };
}

const L = tf.layers;

export const LAYER_CASES: CoverageCase[] = [
  classifier('dense (with l1/l2 regularizers and a frozen layer)', [5], () => [
    L.dense({ units: 6, activation: 'relu', kernelRegularizer: tf.regularizers.l1l2({ l1: 0.01, l2: 0.01 }) }),
    L.dense({ units: 5, activation: 'relu', trainable: false }),
  ]),
  classifier('conv1d stride 1 same, stride 2 valid', [9, 3], () => [
    L.conv1d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
    L.conv1d({ filters: 2, kernelSize: 3, strides: 2, padding: 'valid' }),
  ]),
  classifier('conv2d stride 1 same, stride 2 valid, stride 2 same 1x1', [7, 6, 2], () => [
    L.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }),
    L.conv2d({ filters: 4, kernelSize: [3, 2], strides: 2, padding: 'valid' }),
    L.conv2d({ filters: 2, kernelSize: 1, strides: 2, padding: 'same' }),
  ]),
  classifier('depthwiseConv2d (multiplier 2, stride 2)', [7, 7, 2], () => [
    L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same' }),
  ]),
  // tfjs-layers trains a dilated depthwise conv (unlike conv1d/conv2d, whose
  // gradient refuses dilation on every backend).
  classifier('depthwiseConv2d dilation 2', [7, 6, 2], () => [L.depthwiseConv2d({ kernelSize: 3, dilationRate: 2, padding: 'same' })]),
  classifier('separableConv2d', [6, 8, 3], () => [L.separableConv2d({ filters: 4, kernelSize: 3, depthMultiplier: 2, padding: 'valid', activation: 'relu' })]),
  classifier('conv2dTranspose stride 2 same', [4, 3, 2], () => [L.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same' })]),
  classifier('maxPooling1d, averagePooling1d', [10, 3], () => [
    L.maxPooling1d({ poolSize: 2 }),
    L.averagePooling1d({ poolSize: 2, strides: 1, padding: 'same' }),
  ]),
  // No activation before the pooling: windows whose values are all negative
  // (stock wasm's MaxPoolGrad drops their gradient).
  classifier('maxPooling2d, averagePooling2d', [8, 7, 2], () => [
    L.conv2d({ filters: 3, kernelSize: 3, padding: 'same' }),
    L.maxPooling2d({ poolSize: 2 }),
    L.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' }),
  ]),
  classifier('globalAveragePooling1d', [6, 4], () => [L.conv1d({ filters: 3, kernelSize: 2 }), L.globalAveragePooling1d()]),
  classifier('globalAveragePooling2d', [5, 6, 2], () => [L.conv2d({ filters: 3, kernelSize: 2 }), L.globalAveragePooling2d({})]),
  classifier('flatten, reshape, activation layer', [4, 3], () => [L.flatten(), L.reshape({ targetShape: [3, 4] }), L.activation({ activation: 'tanh' })]),
  // 16 units: with unseeded weights about half the 3×16 ReLU outputs are active, and the seeded dropout keeps some of them, so the first kernel always gets a gradient (with 5 units it once got none in CI).
  classifier('dropout', [6], () => [L.dense({ units: 16, activation: 'relu' }), L.dropout({ rate: 0.5, seed: 7 })], true),
  classifier('batchNormalization', [6, 5, 2], () => [L.conv2d({ filters: 3, kernelSize: 3 }), L.batchNormalization()]),
  classifier('layerNormalization', [4, 6], () => [L.dense({ units: 5 }), L.layerNormalization()]),
  classifier('simpleRNN (returnSequences, then last)', [5, 3], () => [L.simpleRNN({ units: 4, returnSequences: true }), L.simpleRNN({ units: 3 })]),
  classifier('lstm (returnSequences, then last)', [5, 3], () => [L.lstm({ units: 4, returnSequences: true }), L.lstm({ units: 3 })]),
  classifier('gru (returnSequences, then last)', [5, 3], () => [L.gru({ units: 4, returnSequences: true }), L.gru({ units: 3 })]),
  {
    name: 'embedding (repeated token ids)',
    build: () =>
      tf.sequential({
        layers: [L.embedding({ inputDim: 12, outputDim: 4, inputLength: 5 }), L.flatten(), L.dense({ units: 4 })],
      }),
    input: () =>
      tf.tensor2d(
        [
          [1, 3, 3, 11, 0],
          [5, 5, 5, 2, 1],
          [0, 0, 7, 7, 3],
        ],
        [B, 5],
        'int32',
      ),
    target: () => oneHot(4, 2),
    loss: softmaxCe,
    compareWithCpu: true,
  },
  ...(['sigmoid', 'tanh', 'relu', 'elu', 'gelu', 'gelu_new', 'softmax', 'linear'] as const).map((activation) =>
    classifier(`activation ${activation}`, [5], () => [L.dense({ units: 6, activation })]),
  ),
  classifier('leakyReLU layer', [5], () => [L.dense({ units: 6 }), L.leakyReLU({ alpha: 0.2 })]),
  {
    name: 'sigmoid cross-entropy loss',
    build: () => tf.sequential({ layers: [L.dense({ inputShape: [5], units: 3 })] }),
    input: () => randomTensor([B, 5], 12),
    target: () =>
      tf.tensor2d([
        [1, 0, 1],
        [0, 0, 1],
        [1, 1, 0],
      ]),
    loss: (t, p) => tf.losses.sigmoidCrossEntropy(t, p) as tf.Scalar,
    compareWithCpu: true,
  },
  {
    name: 'mean squared error loss',
    build: () => tf.sequential({ layers: [L.dense({ inputShape: [5], units: 2, activation: 'tanh' })] }),
    input: () => randomTensor([B, 5], 13),
    target: () => randomTensor([B, 2], 14),
    loss: mse,
    compareWithCpu: true,
  },
];

/** The layer-free part of a Transformer: scaled dot-product self-attention with batched matMuls. */
export function attentionLoss(vars: tf.Variable[], x: tf.Tensor): tf.Scalar {
  const [wq, wk, wv] = vars;
  const [b, t, d] = x.shape;
  const flat = tf.reshape(x, [b * t, d]);
  const project = (w: tf.Tensor) => tf.reshape(tf.matMul(flat, w), [b, t, -1]) as tf.Tensor3D;
  const q = project(wq);
  const k = project(wk);
  const v = project(wv);
  const scores = tf.div(tf.matMul(q, k, false, true), Math.sqrt(q.shape[2]));
  const attended = tf.matMul(tf.softmax(scores), v); // [b, t, dv]
  // transposeA path too: the [dv, dv] Gram matrix of the attended values per batch.
  const gram = tf.matMul(attended, attended, true, false);
  return tf.add(tf.mean(tf.square(attended)), tf.mean(gram)) as tf.Scalar;
}
