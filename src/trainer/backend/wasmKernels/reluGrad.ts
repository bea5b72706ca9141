// The ReLU gradient on wasm in one native pass. tfjs composes it for every
// backend as dy · cast(step(x)): three kernels and three passes over the
// activation (Step, Cast, Multiply: ~3.5 ms of a seed-CNN step at batch 64,
// docs/performance.md). 'NeuralReluGrad' (assembly/dense.ts reluGrad) makes
// the same products, so the same bits, NaN and −0 included. The gradient of
// 'Relu' is registered over tfjs' own, and runs tfjs' composition unchanged
// wherever the kernel does not apply (another backend, the native kernels
// off or not loaded, a dtype other than float32).

import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { nativeKernels, requireNativeKernels } from '../native/module';
import { kernelInput, type KernelArgs } from './scope';

const RELU_GRAD_KERNEL = 'NeuralReluGrad';

function reluGrad(args: KernelArgs): tf.TensorInfo {
  const native = requireNativeKernels(args.backend, RELU_GRAD_KERNEL);
  const [dy, x] = [kernelInput(args, 'dy'), kernelInput(args, 'x')];
  const dx = native.backend.makeOutput(x.shape, 'float32');
  native.fn('reluGrad')(tf.util.sizeFromShape(x.shape), native.address(dy), native.address(x), native.address(dx));
  return dx;
}

export const reluGradConfig: tf.KernelConfig = { kernelName: RELU_GRAD_KERNEL, backendName: 'wasm', kernelFunc: reluGrad as tf.KernelFunc };

function nativeApplies(dy: tf.Tensor, x: tf.Tensor): boolean {
  return (
    tf.getBackend() === 'wasm' &&
    dy.dtype === 'float32' &&
    x.dtype === 'float32' &&
    tf.util.arraysEqual(dy.shape, x.shape) &&
    tf.getKernel(RELU_GRAD_KERNEL, 'wasm') !== undefined &&
    nativeKernels(tf.backend() as BackendWasm) !== null
  );
}

let registered = false;

/** Registers the 'Relu' gradient that uses the kernel on wasm. Idempotent. */
export function registerReluGradient(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved;
      const grad = dy as tf.Tensor;
      return {
        x: () =>
          nativeApplies(grad, x) ? (tf.engine().runKernel(RELU_GRAD_KERNEL, { dy: grad, x }) as tf.Tensor) : tf.mul(grad, tf.cast(tf.step(x), 'float32')), // tfjs-core's Relu_grad, as it is
      };
    },
  });
}
