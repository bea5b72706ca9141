// Spec initializers and regularizers → tfjs objects. Every random
// initializer gets an explicit seed so that a run is reproducible (tfjs'
// defaults draw from Math.random).

import * as tf from '@tensorflow/tfjs';
import type { InitializerSpec, RegularizerSpec } from '../../spec/types';

type Initializer = ReturnType<typeof tf.initializers.zeros>;
type Regularizer = ReturnType<typeof tf.regularizers.l1l2>;

/** Seed of the `slot`-th initializer of the layer at `layerIndex` (0-based). */
export function initializerSeed(runSeed: number, layerIndex: number, slot: number): number {
  return runSeed + 1000 * (layerIndex + 1) + slot;
}

export function makeInitializer(spec: InitializerSpec | undefined, fallback: InitializerSpec, seed: number): Initializer {
  const chosen = spec ?? fallback;
  const config: Record<string, unknown> = typeof chosen === 'string' ? { type: chosen } : { ...chosen };
  const num = (key: string, value: number) => (typeof config[key] === 'number' ? (config[key] as number) : value);
  switch (config.type) {
    case 'zeros':
      return tf.initializers.zeros();
    case 'ones':
      return tf.initializers.ones();
    case 'constant':
      return tf.initializers.constant({ value: num('value', 0) });
    case 'glorotUniform':
      return tf.initializers.glorotUniform({ seed });
    case 'glorotNormal':
      return tf.initializers.glorotNormal({ seed });
    case 'heNormal':
      return tf.initializers.heNormal({ seed });
    case 'heUniform':
      return tf.initializers.heUniform({ seed });
    case 'leCunNormal':
      return tf.initializers.leCunNormal({ seed });
    case 'leCunUniform':
      return tf.initializers.leCunUniform({ seed });
    case 'orthogonal':
      return tf.initializers.orthogonal({ gain: num('gain', 1), seed });
    case 'randomNormal':
      return tf.initializers.randomNormal({ mean: num('mean', 0), stddev: num('stddev', 0.05), seed });
    case 'truncatedNormal':
      return tf.initializers.truncatedNormal({ mean: num('mean', 0), stddev: num('stddev', 0.05), seed });
    case 'randomUniform':
      return tf.initializers.randomUniform({ minval: num('minval', -0.05), maxval: num('maxval', 0.05), seed });
    case 'varianceScaling':
      return tf.initializers.varianceScaling({
        scale: num('scale', 1),
        mode: (config.mode as 'fanIn' | 'fanOut' | 'fanAvg' | undefined) ?? 'fanIn',
        distribution: (config.distribution as 'normal' | 'uniform' | 'truncatedNormal' | undefined) ?? 'normal',
        seed,
      });
    default:
      // The spec validator only lets catalogued initializers through.
      throw new Error(`internal: initializer ${JSON.stringify(chosen)} has no tfjs counterpart`);
  }
}

export function makeRegularizer(spec: RegularizerSpec | undefined): Regularizer | undefined {
  if (!spec || (!spec.l1 && !spec.l2)) return undefined;
  return tf.regularizers.l1l2({ l1: spec.l1 ?? 0, l2: spec.l2 ?? 0 });
}
