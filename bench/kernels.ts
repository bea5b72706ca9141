// Before/after of each wasm kernel this project replaced for speed
// (`node dist/bench.js --kernels`): the stock tfjs-backend-wasm kernel and
// ours on the seed CNN's shapes and the MLP's weight gradient, best of N calls
// each, interleaved. Also lets the throughput runs use the stock kernels
// (`--stock-kernels`) to measure what the replacements bought end to end.

import * as tf from '@tensorflow/tfjs';
import { replacedStockKernel, WASM_FASTER_KERNELS } from '../src/trainer/backend/wasmKernels';

interface KernelCase {
  kernel: string;
  label: string;
  inputs: () => Record<string, tf.Tensor>;
  attrs: Record<string, unknown>;
}

const r = (shape: number[]) => tf.randomUniform(shape, -1, 1, 'float32', 7);

const CASES: KernelCase[] = [
  ...[32, 64].map((b) => ({
    kernel: 'Conv2DBackpropInput',
    label: `CNN conv2 input gradient, batch ${b}: dy [${b},16,16,64], filter [3,3,32,64]`,
    inputs: () => ({ dy: r([b, 16, 16, 64]), filter: r([3, 3, 32, 64]) }),
    attrs: { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: [b, 16, 16, 32] },
  })),
  ...[
    { label: 'MLP dense1 weight gradient xᵀ·dy, batch 64', a: [64, 784], b: [64, 128], tA: true, tB: false },
    { label: 'MLP dense1 input gradient dy·Wᵀ, batch 64', a: [64, 128], b: [784, 128], tA: false, tB: true },
    { label: 'CNN dense1 weight gradient xᵀ·dy, batch 64', a: [64, 4096], b: [64, 128], tA: true, tB: false },
    { label: 'CNN flatten gradient dy·Wᵀ, batch 64', a: [64, 128], b: [4096, 128], tA: false, tB: true },
    { label: 'LSTM recurrent weight gradient hᵀ·dz, batch 64', a: [64, 64], b: [64, 256], tA: true, tB: false },
  ].map((c) => ({
    kernel: 'BatchMatMul',
    label: c.label,
    inputs: () => ({ a: r(c.a), b: r(c.b) }),
    attrs: { transposeA: c.tA, transposeB: c.tB },
  })),
  ...[32, 64].map((b) => ({
    kernel: 'MaxPoolGrad',
    label: `CNN pool1 gradient, batch ${b}: [${b},32,32,32] 2x2/2`,
    inputs: () => {
      const input = r([b, 32, 32, 32]);
      const output = tf.maxPool(input as tf.Tensor4D, 2, 2, 'valid');
      return { input, output, dy: r(output.shape) };
    },
    attrs: { filterSize: 2, strides: 2, pad: 'valid' },
  })),
];

function timed(run: () => void): number {
  const started = performance.now();
  run();
  return performance.now() - started;
}

/** Markdown table of stock vs ours per kernel case (ms, best of `times` interleaved calls). */
export function compareKernels(times = 7): string {
  const rows = ['| kernel | case | stock wasm ms | ours ms | speed-up |', '|---|---|---:|---:|---:|'];
  const backend = tf.backend();
  for (const c of CASES) {
    const stock = replacedStockKernel(c.kernel);
    const ours = tf.getKernel(c.kernel, 'wasm');
    if (!stock || !ours) continue;
    stock.setupFunc?.(backend);
    const inputs = c.inputs();
    const call = (kernel: tf.KernelConfig) => () => {
      const out = kernel.kernelFunc({ inputs, backend, attrs: c.attrs as tf.NamedAttrMap }) as tf.TensorInfo;
      backend.disposeData(out.dataId);
    };
    call(ours)(); // warm-up (XNNPACK operator creation, JIT)
    call(stock)();
    let stockMs = Infinity;
    let oursMs = Infinity;
    for (let i = 0; i < times; i++) {
      stockMs = Math.min(stockMs, timed(call(stock)));
      oursMs = Math.min(oursMs, timed(call(ours)));
    }
    tf.dispose(Object.values(inputs));
    rows.push(`| ${c.kernel} | ${c.label} | ${stockMs.toFixed(2)} | ${oursMs.toFixed(2)} | ${(stockMs / oursMs).toFixed(1)}× |`);
  }
  return rows.join('\n');
}

/** Puts the stock kernels back in place of our speed replacements (for before/after runs). */
export function useStockKernels(): string[] {
  const restored: string[] = [];
  for (const config of WASM_FASTER_KERNELS) {
    const stock = replacedStockKernel(config.kernelName);
    if (!stock) continue;
    tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(stock);
    stock.setupFunc?.(tf.backend());
    restored.push(config.kernelName);
  }
  return restored;
}
