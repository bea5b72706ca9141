// tfjs-layers' Dense with the fused wasm op (./dense.ts) behind its `call`:
// the same class name ('Dense'), weights, config and serialization. A call
// takes the fused path only on wasm with our kernels, for a float32 rank-2
// input and an activation the kernels implement (linear, ReLU, sigmoid, tanh,
// softmax); anything else runs the stock code unchanged.

import * as tf from '@tensorflow/tfjs';
import type { Dense, DenseLayerArgs } from '@tensorflow/tfjs-layers/dist/layers/core';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types';
import { denseOp, denseUnavailable } from './dense';

type DenseConstructor = new (args: DenseLayerArgs) => Dense;

/** The stock class, taken from an instance: tfjs does not export it by value. */
const StockDense = tf.layers.dense({ units: 1 }).constructor as DenseConstructor;

/** The private fields of tfjs-layers' Dense that `call` reads. */
interface DenseInternals {
  kernel: tf.LayerVariable;
  bias: tf.LayerVariable | null;
  activation: { getClassName(): string };
}

export class FusedDense extends StockDense {
  /** The stock name: getClassName(), saved configs and checkpoints say 'Dense'. */
  static className = 'Dense';

  /** Why the last call did not take the fused path; null when it did (or before any call). */
  lastFallbackReason: string | null = null;

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const own = this as unknown as DenseInternals;
    const x = Array.isArray(inputs) ? (inputs.length === 1 ? inputs[0] : null) : inputs;
    const activation = own.activation.getClassName();
    const reason = x === null ? 'more than one input tensor' : !own.kernel ? 'not built' : denseUnavailable(x, activation);
    this.lastFallbackReason = reason;
    if (reason !== null || x === null) return super.call(inputs, kwargs);
    return tf.tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      return denseOp(x as tf.Tensor2D, own.kernel.read(), own.bias ? own.bias.read() : null, activation);
    });
  }
}

// Deserialisation (checkpoints, Keras import) builds this class for 'Dense' too.
tf.serialization.registerClass(FusedDense as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);

/** Drop-in for tf.layers.dense. */
export function dense(args: DenseLayerArgs): Dense {
  return new FusedDense(args);
}
