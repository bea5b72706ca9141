// Matrix products on the native gemm (assembly/gemm.ts): BatchMatMul with
// any transposes and broadcast batch axes, and _FusedMatMul with a bias row
// and a linear or ReLU activation (what Dense layers run). Transposes cost
// nothing: they only change the strides gemm reads with.

import type * as tf from '@tensorflow/tfjs';
import type { NativeKernels } from './module';
import { partRange } from './threadPool';

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
  // Split over whole matrices of the batch, or over 8-column panels of B
  // (each part packs only its own panels; better when M is small, since a
  // row split packs all of B once per part), or over rows of a single
  // product. Every output element is summed in the same order either way.
  const panelsOfB = Math.ceil(N / 8);
  const byColumns = batch === 1 && M < 256 && panelsOfB >= 2 * native.threads;
  const units = batch > 1 ? batch : byColumns ? panelsOfB : Math.ceil(M / 4);
  const parts = native.partsFor(2 * batch * M * N * K, units);
  const panels: number[] = [];
  try {
    for (let i = 0; i < parts; i++) panels.push(native.malloc(Math.max(1, K) * 8 * 4));
    const [aAt, bAt, cAt] = [native.address(a), native.address(b), native.address(result)];
    const biasAt = epilogue.bias ? native.address(epilogue.bias) : 0;
    const aBatch = sizeA === 1 ? 0 : M * K;
    const bBatch = sizeB === 1 ? 0 : K * N;
    const relu = epilogue.relu ? 1 : 0;
    // gemm's arguments for `count` products of [rows, K]·[K, cols] starting at the given addresses.
    const gemmArgs = (count: number, rows: number, cols: number, aAt0: number, bAt0: number, cAt0: number, bias: number, panel: number) => [
      count,
      rows,
      cols,
      K,
      aAt0,
      aBatch,
      aRow,
      aCol,
      bAt0,
      bBatch,
      bRow,
      bCol,
      cAt0,
      M * N,
      N,
      0,
      bias,
      relu,
      panel,
    ];
    native.runParts(
      'gemm',
      panels.map((panel, i) => {
        if (batch > 1) {
          const [t0, t1] = partRange(batch, parts, i);
          return gemmArgs(t1 - t0, M, N, aAt + 4 * t0 * aBatch, bAt + 4 * t0 * bBatch, cAt + 4 * t0 * M * N, biasAt, panel);
        }
        if (byColumns) {
          const [p0, p1] = partRange(panelsOfB, parts, i);
          const [j0, j1] = [8 * p0, Math.min(N, 8 * p1)];
          return gemmArgs(1, M, j1 - j0, aAt, bAt + 4 * j0 * bCol, cAt + 4 * j0, biasAt ? biasAt + 4 * j0 : 0, panel);
        }
        const [q0, q1] = partRange(Math.ceil(M / 4), parts, i);
        const [i0, i1] = [Math.min(M, 4 * q0), Math.min(M, 4 * q1)];
        return gemmArgs(1, i1 - i0, N, aAt + 4 * i0 * aRow, bAt, cAt + 4 * i0 * N, biasAt, panel);
      }),
    );
  } finally {
    for (const panel of panels) native.free(panel);
  }
  return result;
}
