// tfjs-layers' LSTM with the fused wasm op (./lstm.ts) behind its `call`: the
// same class name ('LSTM'), weights, config and serialization, so models,
// checkpoints and Keras imports do not see a difference. A call takes the
// fused path only when the op computes exactly what the stock layer would:
// wasm backend with our kernels, one float32 [batch, steps, features] input,
// no mask, no initial state, not stateful, no returnState/goBackwards, no
// (recurrent) dropout, activations the kernel has. Anything else runs the stock
// RNN loop unchanged.

import * as tf from '@tensorflow/tfjs';
import type { LSTM, LSTMCell, LSTMLayerArgs } from '@tensorflow/tfjs-layers/dist/layers/recurrent';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types';
import { fusedLstm, fusedLstmUnavailable } from './lstm';

const MAX_WORKSPACE_BYTES = 256 * 2 ** 20;

type LstmConstructor = new (args: LSTMLayerArgs) => LSTM;

/** The stock class, taken from an instance: tfjs does not export it by value. */
const StockLSTM = tf.layers.lstm({ units: 1 }).constructor as LstmConstructor;

/** Set NEURAL_FUSED_LSTM=0 to force the stock path (A/B measurements, bisecting). */
function fusedDisabledByEnv(): boolean {
  return typeof process !== 'undefined' && process.env.NEURAL_FUSED_LSTM === '0';
}

export class FusedLSTM extends StockLSTM {
  /** The stock name: getClassName(), saved configs and checkpoints say 'LSTM'. */
  static className = 'LSTM';

  /** Why the last call did not take the fused path; null when it did (or before any call). */
  lastFallbackReason: string | null = null;

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const x = Array.isArray(inputs) ? (inputs.length === 1 ? inputs[0] : null) : inputs;
    const reason = x === null ? 'more than one input tensor' : this.fallbackReason(x, kwargs);
    this.lastFallbackReason = reason;
    if (reason !== null || x === null) return super.call(inputs, kwargs);
    const cell = this.cell as LSTMCell;
    return tf.tidy(() =>
      fusedLstm(x, cell.kernel.read(), cell.recurrentKernel.read(), cell.useBias ? cell.bias.read() : null, {
        activation: cell.activation.getClassName(),
        recurrentActivation: cell.recurrentActivation.getClassName(),
        returnSequences: this.returnSequences,
      }),
    );
  }

  private fallbackReason(x: tf.Tensor, kwargs: Kwargs | undefined): string | null {
    if (fusedDisabledByEnv()) return 'NEURAL_FUSED_LSTM=0';
    const cell = this.cell as LSTMCell;
    if (x.rank !== 3 || x.dtype !== 'float32' || x.size === 0) return `input ${x.dtype} ${JSON.stringify(x.shape)}`;
    if (kwargs?.mask != null) return 'mask';
    if (kwargs?.initialState != null) return 'initialState';
    if (this.stateful) return 'stateful';
    if (this.returnState) return 'returnState';
    if (this.goBackwards) return 'goBackwards';
    // The stock cell applies dropout masks only for rates strictly inside (0, 1).
    if ((cell.dropout > 0 && cell.dropout < 1) || (cell.recurrentDropout > 0 && cell.recurrentDropout < 1)) return 'dropout';
    if (!cell.kernel || !cell.recurrentKernel || (cell.useBias && !cell.bias)) return 'not built';
    // The fused forward keeps gates and states of every step (7·B·T·units floats, also for
    // inference); the wasm heap never shrinks, so very large calls take the stock loop.
    if (7 * x.shape[0]! * x.shape[1]! * cell.units * 4 > MAX_WORKSPACE_BYTES) return 'workspace over 256 MB';
    return fusedLstmUnavailable({
      activation: cell.activation.getClassName(),
      recurrentActivation: cell.recurrentActivation.getClassName(),
      returnSequences: this.returnSequences,
    });
  }
}

// Deserialisation (checkpoints, Keras import) builds this class for 'LSTM' too.
// (LSTM.fromConfig, inherited at run time, constructs `cls`, i.e. this class.)
tf.serialization.registerClass(FusedLSTM as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);

/** Drop-in for tf.layers.lstm. */
export function lstm(args: LSTMLayerArgs): LSTM {
  return new FusedLSTM(args);
}
