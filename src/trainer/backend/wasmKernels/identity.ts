// Identity for wasm that shares the input's data (a reference count) instead
// of copying it, as the cpu backend's Identity does. tfjs clones every tensor
// a gradient will need (inputs and outputs of each op on the tape) through
// this kernel, so stock wasm copied each layer's weights and activations on
// every training step (an MLP 784-128-64-10 at batch 64: 19 copies, 0.6 MB).
// Sharing is safe because wasm kernels never write into their inputs; the one
// in-place writer in this project, native Adam, writes only to buffers whose
// reference count is 1 (../native/adam.ts).

import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { kernelInput, type KernelArgs } from './scope';
import { requireStockKernel, wrapStockKernel } from './stock';

function identity(args: KernelArgs): tf.TensorInfo {
  const x = kernelInput(args, 'x');
  if (x.dtype === 'string') return requireStockKernel('Identity').kernelFunc(args) as tf.TensorInfo;
  (args.backend as BackendWasm).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export const identityConfig = wrapStockKernel('Identity', identity as tf.KernelFunc);
