// BatchMatMul for wasm, without its slow transposed paths. Stock
// tfjs-backend-wasm 4.22 sends a product through XNNPACK only when neither
// operand is transposed; with transposeA or transposeB it falls back to a
// plain loop that is 5–45x slower (measured: [64,4096]ᵀ·[64,128] 206 ms vs
// 4.6 ms). Every Dense/LSTM/attention weight gradient is such a product
// (dW = xᵀ·dy, dx = dy·Wᵀ), so this replacement transposes the operand
// explicitly (a cheap copy) and runs the stock kernel untransposed.
// Batched products (batch > 1: attention scores) are left to the stock kernel:
// they take its loop either way, and the explicit copy only costs time there.

import * as tf from '@tensorflow/tfjs';
import { composite, kernelInput, type KernelArgs } from './scope';
import { requireStockKernel } from './stock';

interface BatchMatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

function batchSize(shape: number[]): number {
  return shape.slice(0, -2).reduce((a, b) => a * b, 1);
}

/** perm that swaps the last two axes. */
function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return perm;
}

export function batchMatMul(args: KernelArgs): tf.TensorInfo {
  const stock = requireStockKernel('BatchMatMul');
  const a = kernelInput(args, 'a');
  const b = kernelInput(args, 'b');
  const attrs = args.attrs as unknown as BatchMatMulAttrs;
  const { transposeA, transposeB } = attrs;
  if ((!transposeA && !transposeB) || batchSize(a.shape) > 1 || batchSize(b.shape) > 1 || a.dtype !== 'float32' || b.dtype !== 'float32') {
    return stock.kernelFunc(args) as tf.TensorInfo;
  }
  return composite(args.backend, (s) => {
    const aPlain = transposeA ? s.transpose(a, swapLastTwo(a.shape.length)) : a;
    const bPlain = transposeB ? s.transpose(b, swapLastTwo(b.shape.length)) : b;
    return s.runKernel(stock, { a: aPlain, b: bPlain }, { ...attrs, transposeA: false, transposeB: false });
  });
}

export const batchMatMulConfig: tf.KernelConfig = {
  kernelName: 'BatchMatMul',
  backendName: 'wasm',
  kernelFunc: batchMatMul as tf.KernelFunc,
  // The stock kernel binds its wasm function in its setup; it must still run
  // although the stock config is no longer registered.
  setupFunc: (backend) => requireStockKernel('BatchMatMul').setupFunc?.(backend),
};
