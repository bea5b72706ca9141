// Sum for wasm, fast for a sum over leading axes (every bias gradient: a
// conv's [N,H,W,C] summed to [C], a dense layer's [N,C] to [C]). Stock
// tfjs-backend-wasm 4.22 reduces only innermost axes, so it first transposes
// the whole activation (9 ms per seed-CNN step at batch 64); the native
// kernel (src/trainer/backend/native/assembly/reduce.ts) reads it in place.
// Every other sum (innermost axes, int32, empty tensors, no native kernels)
// goes to the stock kernel.

import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { nativeKernels } from '../native/module';
import { nativeSumLeadingAxes } from '../native/conv';
import { kernelInput, type KernelArgs } from './scope';
import { requireStockKernel, wrapStockKernel } from './stock';

interface SumAttrs {
  axis: number | number[];
  keepDims: boolean;
}

/** k when the (deduplicated) axes are exactly 0 .. k−1 with 0 < k < rank, else 0. */
export function leadingAxesCount(axis: number | number[], shape: number[]): number {
  const axes = [...new Set(tf.util.parseAxisParam(axis, shape))].sort((a, b) => a - b);
  if (axes.length === 0 || axes.length >= shape.length) return 0;
  return axes.every((a, i) => a === i) ? axes.length : 0;
}

function sum(args: KernelArgs): tf.TensorInfo {
  const x = kernelInput(args, 'x');
  const { axis, keepDims } = args.attrs as unknown as SumAttrs;
  const k = x.dtype === 'float32' ? leadingAxesCount(axis, x.shape) : 0;
  const kernels = k > 0 ? nativeKernels(args.backend as BackendWasm) : null;
  const rows = tf.util.sizeFromShape(x.shape.slice(0, k));
  const cols = tf.util.sizeFromShape(x.shape.slice(k));
  if (!kernels || rows * cols === 0) return requireStockKernel('Sum').kernelFunc(args) as tf.TensorInfo;
  const outShape = keepDims ? [...x.shape.slice(0, k).map(() => 1), ...x.shape.slice(k)] : x.shape.slice(k);
  return nativeSumLeadingAxes(kernels, x, rows, cols, outShape);
}

export const sumConfig = wrapStockKernel('Sum', sum as tf.KernelFunc);
