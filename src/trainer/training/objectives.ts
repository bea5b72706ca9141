// Losses and metrics for the custom training loop. Written here (not taken
// from a compiled LayersModel) because the loop owns the forward pass and
// needs the loss as a scalar inside the gradient tape.

import * as tf from '@tensorflow/tfjs';

import type { LossName } from '../../spec/types';
import { fusedCrossEntropy, fusedCrossEntropyApplies } from '../backend/native/crossEntropy';
import { hostValues } from './hostValues';
import type { TargetInfo } from '../data/types';

export type { LossName };
export type TargetKind = TargetInfo;

// Keras' epsilon: probabilities are clipped to [EPS, 1-EPS] before the log.
const EPSILON = 1e-7;

/**
 * Turns a batch of stored targets (class indices as floats, or values) into
 * the tensor the loss compares predictions with.
 */
export function targetTensor(y: Float32Array, size: number, target: TargetKind, loss: LossName): tf.Tensor {
  const shape = [size, ...target.shape];
  if (target.kind === 'class') {
    if (loss === 'binaryCrossentropy') {
      // One sigmoid unit per label: [size, ...shape, 1].
      return tf.tensor(y, [...shape, 1], 'float32');
    }
    if (loss === 'categoricalCrossentropy' || loss === 'sparseCategoricalCrossentropy') {
      return tf.tidy(() => tf.oneHot(tf.tensor(y, shape, 'int32'), target.numClasses).toFloat());
    }
    // Regression-style losses on class labels: one-hot as well.
    return tf.tidy(() => tf.oneHot(tf.tensor(y, shape, 'int32'), target.numClasses).toFloat());
  }
  return tf.tensor(y, shape, 'float32');
}

/** Mean loss over the batch (and over positions for per-position targets). */
export function computeLoss(loss: LossName, yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    switch (loss) {
      case 'categoricalCrossentropy':
      case 'sparseCategoricalCrossentropy': {
        // On wasm: one kernel forward and one backward (backend/native/crossEntropy.ts).
        if (fusedCrossEntropyApplies(yTrue, yPred)) return fusedCrossEntropy(yTrue, yPred, EPSILON);
        const p = tf.clipByValue(yPred, EPSILON, 1 - EPSILON);
        return tf.neg(tf.mean(tf.sum(tf.mul(yTrue, tf.log(p)), -1)));
      }
      case 'binaryCrossentropy': {
        const p = tf.clipByValue(yPred, EPSILON, 1 - EPSILON);
        const terms = tf.add(tf.mul(yTrue, tf.log(p)), tf.mul(tf.sub(1, yTrue), tf.log(tf.sub(1, p))));
        return tf.neg(tf.mean(terms));
      }
      case 'meanSquaredError':
        return tf.mean(tf.squaredDifference(yPred, yTrue));
      case 'meanAbsoluteError':
        return tf.mean(tf.abs(tf.sub(yPred, yTrue)));
    }
  }) as tf.Scalar;
}

/**
 * Metric values for one batch, in the order of `names`, computed by JS loops
 * over the values where the backend keeps them (./hostValues): no kernel
 * dispatch per op, which on wasm costs more than these few thousand
 * comparisons. Accuracy is tf.argMax's (first maximum) per row, or
 * prediction > 0.5 for binary cross-entropy.
 */
export function hostMetrics(names: string[], loss: LossName, yTrue: tf.Tensor, yPred: tf.Tensor): number[] {
  if (names.length === 0) return [];
  // Views, read at once: no tfjs call below can move the wasm heap.
  const t = hostValues(yTrue);
  const p = hostValues(yPred);
  if (t.length !== p.length) throw new Error(`metrics: targets [${yTrue.shape}] and predictions [${yPred.shape}] differ in size`);
  return names.map((name) => {
    switch (name) {
      case 'accuracy':
      case 'acc':
        return loss === 'binaryCrossentropy' ? binaryAccuracy(t, p) : categoricalAccuracy(t, p, yPred.shape[yPred.rank - 1]);
      case 'mse':
      case 'meanSquaredError':
        return meanOf(t, p, (d) => d * d);
      case 'mae':
      case 'meanAbsoluteError':
        return meanOf(t, p, Math.abs);
      default:
        throw new Error(`unknown metric '${name}'`);
    }
  });
}

/** Index of the first largest value of row [from, from+width) (tf.argMax's choice on ties). */
function argMaxOfRow(v: Float32Array, from: number, width: number): number {
  let best = 0;
  for (let j = 1; j < width; j++) if (v[from + j] > v[from + best]) best = j;
  return best;
}

function categoricalAccuracy(t: Float32Array, p: Float32Array, width: number): number {
  const rows = t.length / width;
  let hits = 0;
  for (let r = 0; r < rows; r++) if (argMaxOfRow(t, r * width, width) === argMaxOfRow(p, r * width, width)) hits++;
  return hits / rows;
}

function binaryAccuracy(t: Float32Array, p: Float32Array): number {
  let hits = 0;
  for (let i = 0; i < t.length; i++) if (p[i] > 0.5 === t[i] > 0.5) hits++;
  return hits / t.length;
}

function meanOf(t: Float32Array, p: Float32Array, term: (difference: number) => number): number {
  let sum = 0;
  for (let i = 0; i < t.length; i++) sum += term(p[i] - t[i]);
  return sum / t.length;
}

export const SUPPORTED_METRICS = ['accuracy', 'acc', 'mse', 'meanSquaredError', 'mae', 'meanAbsoluteError'];

/** Reads the learning rate of any tfjs optimizer we create. */
export function getLearningRate(optimizer: tf.Optimizer): number {
  return (optimizer as unknown as { learningRate: number }).learningRate;
}

/**
 * Sets the learning rate for the next update. SGD and momentum cache
 * `-lr` in a kept scalar (`setLearningRate` refreshes it); Adam and RMSProp
 * read `this.learningRate` on every update.
 */
export function setLearningRate(optimizer: tf.Optimizer, value: number): void {
  if (!(value > 0) || !Number.isFinite(value)) throw new Error(`learning rate must be a positive finite number, got ${value}`);
  const opt = optimizer as unknown as { learningRate: number; setLearningRate?: (lr: number) => void };
  if (typeof opt.setLearningRate === 'function') opt.setLearningRate(value);
  else opt.learningRate = value;
}
