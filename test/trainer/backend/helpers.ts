// Shared helpers for the backend tests: run the same computation on wasm and
// on cpu from identical inputs and compare.

import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/trainer/backend/select';
import { mulberry32 } from '../../../src/trainer/data/random';

let wasmReady: Promise<void> | null = null;

/** Starts wasm (with our kernels) once per test process. */
export function ensureWasm(): Promise<void> {
  wasmReady ??= initBackend('wasm').then(() => undefined);
  return wasmReady;
}

/** Deterministic values in [-1, 1) (mulberry32), so both backends see the same inputs. */
export function randomValues(size: number, seed: number): Float32Array {
  const next = mulberry32(seed);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = next() * 2 - 1;
  return out;
}

export function randomTensor(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(randomValues(tf.util.sizeFromShape(shape), seed), shape);
}

/**
 * Switches to `backend`, runs `compute` (tensors it creates are freed) and
 * returns the values and shapes of its outputs.
 */
export async function runOn(backend: 'wasm' | 'cpu', compute: () => tf.Tensor | tf.Tensor[]): Promise<{ values: Float32Array[]; shapes: number[][] }> {
  if (backend === 'wasm') await ensureWasm();
  await tf.setBackend(backend);
  await tf.ready();
  const outputs = tf.tidy(compute);
  const list = Array.isArray(outputs) ? outputs : [outputs];
  try {
    return {
      values: list.map((t) => Float32Array.from(t.dataSync() as ArrayLike<number>)),
      shapes: list.map((t) => t.shape.slice()),
    };
  } finally {
    tf.dispose(list);
  }
}

/** max|a−b| / max(1e-6, max|b|). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  let scale = 1e-6;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= diff)) diff = d; // NaN propagates as a failure
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

/** Runs `compute` on wasm and cpu; returns the worst relative error over its outputs. */
export async function wasmVsCpu(compute: () => tf.Tensor | tf.Tensor[]): Promise<number> {
  const wasm = await runOn('wasm', compute);
  const cpu = await runOn('cpu', compute);
  let worst = 0;
  cpu.values.forEach((expected, i) => {
    if (JSON.stringify(wasm.shapes[i]) !== JSON.stringify(cpu.shapes[i])) {
      throw new Error(`output ${i}: wasm shape ${wasm.shapes[i]} vs cpu shape ${cpu.shapes[i]}`);
    }
    worst = Math.max(worst, relativeError(wasm.values[i], expected));
  });
  return worst;
}

/**
 * Leaves the process on wasm after a test file that switched backends, so
 * later test files in the same mocha process do not silently run on cpu.
 */
export async function leaveOnWasm(): Promise<void> {
  await ensureWasm();
  await tf.setBackend('wasm');
}
