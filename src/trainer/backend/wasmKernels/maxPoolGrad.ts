// MaxPoolGrad for wasm. Stock tfjs-backend-wasm 4.22 *has* this kernel but
// it is wrong: its C++ starts the running maximum at
// std::numeric_limits<float>::min() (the smallest positive float, not the
// lowest), so a window whose values are all ≤ 0 — common after a conv without
// ReLU, or a batch norm — loses its gradient, which lands on the tensor's
// first element instead. (MaxPoolWithArgmax shares the bug, so it cannot be
// used to compose a fix.)
//
// This replacement routes each output gradient to the first position holding
// its window's maximum (TensorFlow's and the cpu backend's rule; NaNs are
// never selected), reading and writing the wasm heap directly. Measured on
// the seed CNN's first pooling ([32,30,30,32], 2x2/2): 12.5 ms against the
// stock kernel's 36 ms; with channels innermost (below) [64,32,32,32] went
// from 19.7 ms to 16.3 ms (docs/performance.md). The same rule now runs as
// a native SIMD kernel (src/trainer/backend/native/assembly/pool.ts, four
// channels per step) for float32; this JS loop is its fallback.

import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { nativeKernels } from '../native/module';
import { nativeMaxPoolGrad } from '../native/conv';
import { kernelInput, type KernelArgs, type Shape4 } from './scope';

function maxPoolGrad(args: KernelArgs): tf.TensorInfo {
  const dy = kernelInput(args, 'dy');
  const x = kernelInput(args, 'input');
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(x.shape as Shape4, filterSize, strides, 1, pad, dimRoundingMode);
  const backend = args.backend as BackendWasm;
  const kernels = x.dtype === 'float32' && dy.dtype === 'float32' ? nativeKernels(backend) : null;
  if (kernels && tf.util.arraysEqual(dy.shape, info.outShape)) return nativeMaxPoolGrad(kernels, x, dy, info);
  return maxPoolGradJs(backend, x, dy, info);
}

/** The JS loop (fallback; also the "before" of bench/kernels.ts). */
export function maxPoolGradJs(backend: BackendWasm, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const dx = backend.makeOutput(x.shape, 'float32');
  // Views only after makeOutput: allocating can grow, and so move, the heap.
  const xValues = backend.typedArrayFromHeap(x);
  const dyValues = backend.typedArrayFromHeap(dy);
  const dxValues = backend.typedArrayFromHeap(dx);
  dxValues.fill(0);

  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const { top, left } = info.padInfo;

  // Per window, the taps are visited in row-major order with the channels
  // innermost (contiguous in NHWC), keeping each channel's best value and its
  // position: a strict '>' keeps the first maximum and never selects NaN.
  const best = new Float32Array(channels);
  const bestAt = new Int32Array(channels);
  for (let b = 0; b < batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      const rowStart = yR * strideHeight - top;
      const rMin = Math.max(0, rowStart);
      const rMax = Math.min(inHeight, rowStart + filterHeight);
      for (let yC = 0; yC < outWidth; yC++) {
        const colStart = yC * strideWidth - left;
        const cMin = Math.max(0, colStart);
        const cMax = Math.min(inWidth, colStart + filterWidth);
        if (rMin >= rMax || cMin >= cMax) continue;
        // The window's first tap seeds every channel, as if compared with
        // -Infinity (so NaN and -Infinity seed nothing, like the cpu kernel).
        const first = ((b * inHeight + rMin) * inWidth + cMin) * channels;
        for (let d = 0; d < channels; d++) {
          const v = xValues[first + d];
          const seeds = v > -Infinity;
          best[d] = seeds ? v : -Infinity;
          bestAt[d] = seeds ? first + d : -1;
        }
        for (let r = rMin; r < rMax; r++) {
          for (let c = r === rMin ? cMin + 1 : cMin; c < cMax; c++) {
            const base = ((b * inHeight + r) * inWidth + c) * channels;
            for (let d = 0; d < channels; d++) {
              const v = xValues[base + d];
              if (v > best[d]) {
                best[d] = v;
                bestAt[d] = base + d;
              }
            }
          }
        }
        const dyBase = ((b * outHeight + yR) * outWidth + yC) * channels;
        for (let d = 0; d < channels; d++) {
          if (bestAt[d] >= 0) dxValues[bestAt[d]] += dyValues[dyBase + d];
        }
      }
    }
  }
  return dx;
}

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as tf.KernelFunc,
};
