// MaxPool forward for wasm through the native kernel (assembly/pool.ts
// maxPoolForward): one pass, four channels at a time, the same window rule
// as our MaxPoolGrad (first maximum, NaN never selected). The stock kernel
// (XNNPACK) took 1.7–2.3 ms of a seed-CNN step at batch 64
// (docs/performance.md). Non-float32 inputs, NCHW and pools the native
// kernel does not cover go to the stock kernel.

import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { nativeKernels } from '../native/module';
import { nativeMaxPool } from '../native/conv';
import { kernelInput, type KernelArgs, type Shape4 } from './scope';
import { requireStockKernel, wrapStockKernel } from './stock';

function maxPool(args: KernelArgs): tf.TensorInfo {
  const x = kernelInput(args, 'x');
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as tf.MaxPoolAttrs;
  const kernels = x.dtype === 'float32' && x.shape.length === 4 ? nativeKernels(args.backend as BackendWasm) : null;
  if (kernels) {
    const info = tf.backend_util.computePool2DInfo(x.shape as Shape4, filterSize, strides, 1, pad, dimRoundingMode);
    if (info.dilationHeight === 1 && info.dilationWidth === 1) return nativeMaxPool(kernels, x, info);
  }
  return requireStockKernel('MaxPool').kernelFunc(args) as tf.TensorInfo;
}

export const maxPoolConfig = wrapStockKernel('MaxPool', maxPool as tf.KernelFunc);
