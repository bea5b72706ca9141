// Matrix products on the native gemm (assembly/gemm.ts): BatchMatMul with
// any transposes and broadcast batch axes, and _FusedMatMul with a bias row
// and a linear or ReLU activation (what Dense layers run). Transposes cost
// nothing: they only change the strides gemm reads with.

import type * as tf from '@tensorflow/tfjs';
import type { NativeKernels } from './module';

export interface MatMulOperands {
  a: tf.TensorInfo;
  b: tf.TensorInfo;
  transposeA: boolean;
  transposeB: boolean;
}

export interface MatMulEpilogue {
  /** A row of N floats added to every output row (a bias of shape [N]). */
  bias?: tf.TensorInfo;
  relu?: boolean;
}

function leftPad(dims: number[], rank: number): number[] {
  return [...new Array<number>(rank - dims.length).fill(1), ...dims];
}

function product(shape: number[]): number {
  return shape.reduce((x, y) => x * y, 1);
}

/** The output shape, or null when the batch axes do not broadcast the way gemm's strides can express. */
export function matMulShape({ a, b, transposeA, transposeB }: MatMulOperands): { out: number[]; M: number; N: number; K: number } | null {
  if (a.shape.length < 2 || b.shape.length < 2) return null;
  const M = transposeA ? a.shape[a.shape.length - 1] : a.shape[a.shape.length - 2];
  const Ka = transposeA ? a.shape[a.shape.length - 2] : a.shape[a.shape.length - 1];
  const Kb = transposeB ? b.shape[b.shape.length - 1] : b.shape[b.shape.length - 2];
  const N = transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
  if (Ka !== Kb) return null;
  // gemm's batch strides express equal batch axes, or one side a single matrix (stride 0).
  const rank = Math.max(a.shape.length, b.shape.length) - 2;
  const batchA = leftPad(a.shape.slice(0, -2), rank);
  const batchB = leftPad(b.shape.slice(0, -2), rank);
  let batch: number[];
  if (batchA.every((d, i) => d === batchB[i]) || batchB.every((d) => d === 1)) batch = batchA;
  else if (batchA.every((d) => d === 1)) batch = batchB;
  else return null;
  return { out: [...batch, M, N], M, N, K: Ka };
}

/**
 * C = op(A)·op(B) (+ bias, ReLU) into a new output. The caller checked
 * `matMulShape` is not null and both operands are float32.
 */
export function nativeMatMul(native: NativeKernels, operands: MatMulOperands, epilogue: MatMulEpilogue = {}): tf.TensorInfo {
  const { a, b, transposeA, transposeB } = operands;
  const shape = matMulShape(operands);
  if (!shape) throw new Error(`native matMul: shapes [${a.shape}] and [${b.shape}] do not multiply`);
  const { out, M, N, K } = shape;
  const backend = native.backend;
  const result = backend.makeOutput(out, 'float32');
  const batch = product(out.slice(0, -2));
  const sizeA = product(a.shape.slice(0, -2));
  const sizeB = product(b.shape.slice(0, -2));
  // Strides in floats: A(i,k), B(k,j) as stored.
  const aRow = transposeA ? 1 : K;
  const aCol = transposeA ? M : 1;
  const bRow = transposeB ? 1 : N;
  const bCol = transposeB ? K : 1;
  if (M * N === 0) return result;
  const panel = native.malloc(Math.max(1, K) * 8 * 4);
  try {
    native.fn('gemm')(
      batch,
      M,
      N,
      K,
      native.address(a),
      sizeA === 1 ? 0 : M * K,
      aRow,
      aCol,
      native.address(b),
      sizeB === 1 ? 0 : K * N,
      bRow,
      bCol,
      native.address(result),
      M * N,
      N,
      0,
      epilogue.bias ? native.address(epilogue.bias) : 0,
      epilogue.relu ? 1 : 0,
      panel,
    );
  } finally {
    native.free(panel);
  }
  return result;
}
