// Categorical cross-entropy on probabilities, −mean(Σ_last y·log(clip(p))),
// as ONE wasm kernel forward and ONE backward, instead of the six ops and
// about ten gradient kernels of its tfjs composition (objectives.ts). The
// arrays are small (batch × classes), so the kernels are JS loops over the
// wasm heap; each gradient step is rounded to float32 in the order tfjs'
// gradients of that composition compute it.

import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { kernelInput, type KernelArgs } from '../wasmKernels/scope';

const CROSS_ENTROPY_KERNEL = 'NeuralCategoricalCrossEntropy';
const CROSS_ENTROPY_GRAD_KERNEL = 'NeuralCategoricalCrossEntropyGrad';

interface CrossEntropyAttrs {
  epsilon: number;
}

function heap(backend: tf.KernelBackend, info: tf.TensorInfo): Float32Array {
  return (backend as BackendWasm).typedArrayFromHeap(info) as Float32Array;
}

/** Rows averaged over: every axis but the last. */
function rowCount(shape: number[]): number {
  return shape.slice(0, -1).reduce((a, b) => a * b, 1);
}

function forward(args: KernelArgs): tf.TensorInfo {
  const [yTrue, yPred] = [kernelInput(args, 'yTrue'), kernelInput(args, 'yPred')];
  const eps = Math.fround((args.attrs as unknown as CrossEntropyAttrs).epsilon);
  const hi = Math.fround(1 - eps);
  const t = heap(args.backend, yTrue);
  const p = heap(args.backend, yPred);
  let total = 0;
  for (let i = 0; i < p.length; i++) {
    if (t[i] !== 0) total += t[i] * Math.log(Math.min(Math.max(p[i], eps), hi));
    else if (Number.isNaN(p[i])) total = NaN; // 0·log(NaN) is NaN in tfjs too
  }
  const out = (args.backend as BackendWasm).makeOutput([], 'float32');
  heap(args.backend, out)[0] = -total / rowCount(yPred.shape);
  return out;
}

/** d loss / d yPred for an upstream gradient dy (a scalar). */
function backward(args: KernelArgs): tf.TensorInfo {
  const [dy, yTrue, yPred] = [kernelInput(args, 'dy'), kernelInput(args, 'yTrue'), kernelInput(args, 'yPred')];
  const eps = Math.fround((args.attrs as unknown as CrossEntropyAttrs).epsilon);
  const hi = Math.fround(1 - eps);
  const f = Math.fround;
  const backend = args.backend as BackendWasm;
  const out = backend.makeOutput(yPred.shape, 'float32');
  const g = f(-f(heap(backend, dy)[0] / rowCount(yPred.shape)));
  const t = heap(backend, yTrue);
  const p = heap(backend, yPred);
  const d = heap(backend, out);
  for (let i = 0; i < p.length; i++) {
    const x = p[i];
    // clipByValue passes the gradient where eps <= x <= 1-eps (NaN: nowhere).
    d[i] = x >= eps && x <= hi ? f(f(g * t[i]) / x) : 0;
  }
  return out;
}

let registered = false;

function register(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({ kernelName: CROSS_ENTROPY_KERNEL, backendName: 'wasm', kernelFunc: forward as tf.KernelFunc });
  tf.registerKernel({ kernelName: CROSS_ENTROPY_GRAD_KERNEL, backendName: 'wasm', kernelFunc: backward as tf.KernelFunc });
  tf.registerGradient({
    kernelName: CROSS_ENTROPY_KERNEL,
    inputsToSave: ['yTrue', 'yPred'],
    gradFunc: (dy, saved, attrs) => {
      const [yTrue, yPred] = saved;
      const { epsilon } = attrs as unknown as CrossEntropyAttrs;
      return {
        yPred: () =>
          tf.engine().runKernel(CROSS_ENTROPY_GRAD_KERNEL, { dy: dy as tf.Tensor, yTrue, yPred }, { epsilon } as unknown as tf.NamedAttrMap) as tf.Tensor,
        // Targets are data, not weights; their gradient is here for completeness.
        yTrue: () => tf.mul(tf.log(tf.clipByValue(yPred, epsilon, 1 - epsilon)), tf.div(tf.neg(dy as tf.Tensor), rowCount(yPred.shape))),
      };
    },
  });
}

/** Whether the fused kernels apply: the wasm backend and float32 tensors of one shape. */
export function fusedCrossEntropyApplies(yTrue: tf.Tensor, yPred: tf.Tensor): boolean {
  return (
    tf.getBackend() === 'wasm' &&
    yTrue.dtype === 'float32' &&
    yPred.dtype === 'float32' &&
    yPred.rank >= 1 &&
    yPred.size > 0 &&
    tf.util.arraysEqual(yTrue.shape, yPred.shape)
  );
}

/** −mean over rows of Σ_last yTrue·log(clip(yPred, ε, 1−ε)); the caller checked `fusedCrossEntropyApplies`. */
export function fusedCrossEntropy(yTrue: tf.Tensor, yPred: tf.Tensor, epsilon: number): tf.Scalar {
  register();
  return tf.engine().runKernel(CROSS_ENTROPY_KERNEL, { yTrue, yPred }, { epsilon } as unknown as tf.NamedAttrMap) as tf.Scalar;
}
