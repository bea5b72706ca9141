// BatchMatMul and _FusedMatMul for wasm. Both run on the project's native
// gemm (../native/matMul.ts: 20-40% faster than XNNPACK here, transposes
// free) whenever the native kernels load; the rest of this comment is the
// fallback used when they do not. Stock
// tfjs-backend-wasm 4.22 sends a product through XNNPACK only when neither
// operand is transposed; with transposeA or transposeB it falls back to a
// plain loop that is 5–45x slower (measured: [64,4096]ᵀ·[64,128] 206 ms vs
// 4.6 ms). Every Dense/LSTM/attention weight gradient is such a product
// (dW = xᵀ·dy, dx = dy·Wᵀ), so this replacement transposes the operand
// explicitly (a cheap copy) and runs the stock kernel untransposed.
// Batched products (batch > 1: attention scores) are left to the stock kernel:
// they take its loop either way, and the explicit copy only costs time there.

import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { nativeKernels } from '../native/module';
import { matMulShape, nativeMatMul } from '../native/matMul';
import { composite, kernelInput, type KernelArgs } from './scope';
import { requireStockKernel, wrapStockKernel } from './stock';

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

function batchMatMul(args: KernelArgs): tf.TensorInfo {
  const stock = requireStockKernel('BatchMatMul');
  const a = kernelInput(args, 'a');
  const b = kernelInput(args, 'b');
  const attrs = args.attrs as unknown as BatchMatMulAttrs;
  const { transposeA, transposeB } = attrs;
  const native = nativeKernels(args.backend as BackendWasm);
  if (native && a.dtype === 'float32' && b.dtype === 'float32' && matMulShape({ a, b, transposeA, transposeB })) {
    return nativeMatMul(native, { a, b, transposeA, transposeB });
  }
  if ((!transposeA && !transposeB) || batchSize(a.shape) > 1 || batchSize(b.shape) > 1 || a.dtype !== 'float32' || b.dtype !== 'float32') {
    return stock.kernelFunc(args) as tf.TensorInfo;
  }
  return composite(args.backend, (s) => {
    const aPlain = transposeA ? s.transpose(a, swapLastTwo(a.shape.length)) : a;
    const bPlain = transposeB ? s.transpose(b, swapLastTwo(b.shape.length)) : b;
    return s.runKernel(stock, { a: aPlain, b: bPlain }, { ...attrs, transposeA: false, transposeB: false });
  });
}

export const batchMatMulConfig = wrapStockKernel('BatchMatMul', batchMatMul as tf.KernelFunc);

interface FusedMatMulAttrs extends BatchMatMulAttrs {
  activation: string;
}

/** _FusedMatMul (Dense layers: x·W + bias, then the activation) with a [N] bias and a linear or ReLU activation. */
function fusedMatMul(args: KernelArgs): tf.TensorInfo {
  const a = kernelInput(args, 'a');
  const b = kernelInput(args, 'b');
  const bias = args.inputs.bias;
  const attrs = args.attrs as unknown as FusedMatMulAttrs;
  const { transposeA, transposeB, activation } = attrs;
  const native = nativeKernels(args.backend as BackendWasm);
  const shape = matMulShape({ a, b, transposeA, transposeB });
  const biasIsRow = bias === undefined || (bias.dtype === 'float32' && bias.shape.length === 1 && shape !== null && bias.shape[0] === shape.N);
  if (native && shape && biasIsRow && a.dtype === 'float32' && b.dtype === 'float32' && (activation === 'linear' || activation === 'relu')) {
    return nativeMatMul(native, { a, b, transposeA, transposeB }, { bias, relu: activation === 'relu' });
  }
  return requireStockKernel('_FusedMatMul').kernelFunc(args) as tf.TensorInfo;
}

export const fusedMatMulConfig = wrapStockKernel('_FusedMatMul', fusedMatMul as tf.KernelFunc);
