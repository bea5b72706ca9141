// Spec optimizer → tfjs optimizer.

import * as tf from '@tensorflow/tfjs';
import type { OptimizerSpec } from '../../spec/types';
import { NativeAdamOptimizer } from '../backend/native/adam';

const DEFAULT_LEARNING_RATES: Record<OptimizerSpec['type'], number> = { sgd: 0.01, adam: 0.001, rmsprop: 0.001 };

export function createOptimizer(spec: OptimizerSpec): tf.Optimizer {
  const learningRate = spec.learningRate ?? DEFAULT_LEARNING_RATES[spec.type];
  switch (spec.type) {
    case 'sgd':
      if (spec.momentum && spec.momentum > 0) return tf.train.momentum(learningRate, spec.momentum, spec.nesterov ?? false);
      return tf.train.sgd(learningRate);
    case 'adam':
      // tfjs' Adam, with the update as one native kernel per weight on wasm.
      return new NativeAdamOptimizer(learningRate, spec.beta1 ?? 0.9, spec.beta2 ?? 0.999, spec.epsilon ?? 1e-7);
    case 'rmsprop':
      return tf.train.rmsprop(learningRate, spec.rho ?? 0.9, spec.momentum ?? 0, spec.epsilon ?? 1e-7, spec.centered ?? false);
  }
}
