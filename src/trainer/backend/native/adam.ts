// Adam whose update runs as one native kernel call per weight on the wasm
// backend (assembly/adam.ts) instead of about fifteen tfjs kernels per weight;
// on every other backend, or when the native kernels do not load, it is
// tfjs' AdamOptimizer unchanged. Same class name, slots, slot names,
// accBeta variables and iteration counter as tfjs' Adam, so snapshots,
// checkpoints, getWeights/setWeights and Keras interop see no difference.
//
// A weight or moment is updated in place only when nothing else shares its
// data (backend refCount 1): a step-back snapshot (a tf.clone, which shares
// data) is never written through; such a weight gets new buffers instead.

import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { nativeKernels, type NativeKernels } from './module';
import { partRange } from './threadPool';

/**
 * What one weight's update counts for in the thread split: its 14
 * floating-point operations, NOT the 28 bytes it moves. Weighed by its bytes,
 * Adam on the MLP's 100k first-layer weights split into two parts at every
 * step, and at batch 1 (a step of ~0.6 ms, the worker asleep since the
 * previous step) the MLP ran at 0.83× of one thread (bench --only
 * split-cutoff): the gradient is in the calling thread's cache, and waking
 * the worker costs more than half the update.
 */
const ADAM_COST_PER_WEIGHT = 14;

/** What applyGradients receives (tfjs-core's NamedVariableMap | NamedTensor[], not re-exported by @tensorflow/tfjs). */
type VariableGradients = Parameters<tf.AdamOptimizer['applyGradients']>[0];

interface Slot {
  originalName: string;
  variable: tf.Variable;
}

/** The AdamOptimizer fields tfjs declares private; the update keeps them in the same shape. */
interface AdamState {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: (Slot | undefined)[];
  accumulatedSecondMoment: (Slot | undefined)[];
}

export class NativeAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: VariableGradients): void {
    const native = tf.getBackend() === 'wasm' ? nativeKernels(tf.backend() as BackendWasm) : null;
    if (!native) {
      super.applyGradients(variableGradients);
      return;
    }
    const state = this as unknown as AdamState;
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    const accBeta1 = state.accBeta1.dataSync()[0];
    const accBeta2 = state.accBeta2.dataSync()[0];
    const f = Math.fround;
    names.forEach((name, i) => {
      const value = tf.engine().registeredVariables[name];
      state.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      state.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      const gradient = Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
      if (gradient == null) return;
      if (gradient.dtype !== 'float32' || value.dtype !== 'float32' || gradient.size !== value.size) {
        throw new Error(`Adam: the gradient of ${name} is ${gradient.dtype} [${gradient.shape}], the weight ${value.dtype} [${value.shape}]`);
      }
      const m = state.accumulatedFirstMoment[i]!.variable;
      const v = state.accumulatedSecondMoment[i]!.variable;
      const [pOut, mOut, vOut] = [value, m, v].map((t) => writable(native, t));
      const scalars = [this.beta1, f(1 - this.beta1), this.beta2, f(1 - this.beta2), f(1 - accBeta1), f(1 - accBeta2), this.epsilon, -this.learningRate];
      const pointers = [value, gradient, m, v, pOut, mOut, vOut].map((t) => native.address(t));
      // Split over element ranges cut at multiples of 4, so each element takes the same (SIMD or tail) path on any thread count.
      const parts = native.partsFor(ADAM_COST_PER_WEIGHT * value.size, Math.ceil(value.size / 4));
      native.runParts(
        'adamUpdate',
        Array.from({ length: parts }, (_, part) => {
          const [q0, q1] = partRange(Math.ceil(value.size / 4), parts, part);
          const [start, end] = [Math.min(value.size, 4 * q0), Math.min(value.size, 4 * q1)];
          return [end - start, ...pointers.map((address) => address + 4 * start), ...scalars];
        }),
      );
      for (const [variable, out] of [
        [value, pOut],
        [m, mOut],
        [v, vOut],
      ] as const) {
        if (out !== variable) commit(variable, out);
      }
    });
    setScalar(native, state.accBeta1, f(accBeta1 * f(this.beta1)));
    setScalar(native, state.accBeta2, f(accBeta2 * f(this.beta2)));
    this.incrementIterations();
  }
}

/** The variable itself when only it holds its data, else a new buffer of its shape. */
function writable(native: NativeKernels, variable: tf.Tensor): tf.Tensor {
  if (native.backend.refCount(variable.dataId) === 1) return variable;
  return tf.engine().makeTensorFromTensorInfo(native.backend.makeOutput(variable.shape, 'float32'));
}

function commit(variable: tf.Variable, value: tf.Tensor): void {
  variable.assign(value);
  value.dispose();
}

function setScalar(native: NativeKernels, variable: tf.Variable, value: number): void {
  if (native.backend.refCount(variable.dataId) === 1) {
    native.heapF32()[native.address(variable) >> 2] = value;
  } else {
    commit(variable, tf.scalar(value));
  }
}
