// Losses and metrics for the custom training loop. Written here (not taken
// from a compiled LayersModel) because the loop owns the forward pass and
// needs the loss as a scalar inside the gradient tape.

import * as tf from '@tensorflow/tfjs';

import type { LossName } from '../spec/types';
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

/** Metric values for one batch, as scalars in the order of `names`. */
export function computeMetrics(names: string[], loss: LossName, yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar[] {
  return names.map((name) =>
    tf.tidy(() => {
      switch (name) {
        case 'accuracy':
        case 'acc':
          if (loss === 'binaryCrossentropy') {
            return tf.mean(tf.equal(tf.greater(yPred, 0.5), tf.greater(yTrue, 0.5)).toFloat());
          }
          return tf.mean(tf.equal(tf.argMax(yPred, -1), tf.argMax(yTrue, -1)).toFloat());
        case 'mse':
        case 'meanSquaredError':
          return tf.mean(tf.squaredDifference(yPred, yTrue));
        case 'mae':
        case 'meanAbsoluteError':
          return tf.mean(tf.abs(tf.sub(yPred, yTrue)));
        default:
          throw new Error(`unknown metric '${name}'`);
      }
    }) as tf.Scalar,
  );
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
