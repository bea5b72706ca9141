// Before/after of each wasm kernel this project replaced for speed
// (`node dist/bench.js --kernels`): the stock tfjs-backend-wasm kernel, our
// previous implementation where there was one (a composite of stock kernels or
// a JS loop, kept as the fallback of the native kernel), and ours, on the seed
// CNN's shapes and the MLP's weight gradient, best of N calls each,
// interleaved. Also lets the throughput runs use the stock kernels
// (`--stock-kernels`) to measure what the replacements bought end to end.

import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { replacedStockKernel, WASM_FASTER_KERNELS } from '../src/trainer/backend/wasmKernels';
import { conv2dBackpropFilterComposite } from '../src/trainer/backend/wasmKernels/conv2dBackpropFilter';
import { conv2dBackpropInputComposite } from '../src/trainer/backend/wasmKernels/conv2dBackpropInput';
import { maxPoolGradJs } from '../src/trainer/backend/wasmKernels/maxPoolGrad';
import { nativeConv2d, nativeConv2dBackpropFilter, nativeConv2dBackpropInput } from '../src/trainer/backend/native/conv';
import { nativeKernels, nativeKernelsError } from '../src/trainer/backend/native/module';
import type { KernelArgs, Shape4 } from '../src/trainer/backend/wasmKernels/scope';

interface KernelCase {
  kernel: string;
  label: string;
  inputs: () => Record<string, tf.Tensor>;
  attrs: Record<string, unknown>;
  /** Our implementation before the native kernels (now their fallback). */
  previous?: (args: KernelArgs) => tf.TensorInfo;
  /** Floating-point operations of one call, for the GFLOP/s column. */
  flops?: number;
}

const r = (shape: number[]) => tf.randomUniform(shape, -1, 1, 'float32', 7);

/** The seed CNN's convolutions (bench/models.ts): conv1 3→32 on 32x32, conv2 32→64 on 16x16, 3x3 same. */
const CNN_CONVS = [
  { name: 'conv1', hw: 32, ci: 3, co: 32, winograd: false },
  { name: 'conv2', hw: 16, ci: 32, co: 64, winograd: true },
];

/**
 * The im2col kernels on a shape Winograd now takes (conv2): the previous
 * implementation in the before/after columns.
 */
function im2colKernel(kernel: 'Conv2D' | 'Conv2DBackpropFilter' | 'Conv2DBackpropInput', xShape: number[], filterShape: number[]) {
  return (args: KernelArgs): tf.TensorInfo => {
    const kernels = nativeKernels(args.backend as BackendWasm);
    if (!kernels) throw new Error(`native kernels not loaded: ${nativeKernelsError()}`);
    const info = tf.backend_util.computeConv2DInfo(xShape as Shape4, filterShape as Shape4, 1, 1, 'same');
    const { x, filter, dy } = args.inputs;
    if (kernel === 'Conv2D') return nativeConv2d(kernels, x!, filter!, null, 0, info, 'im2col');
    if (kernel === 'Conv2DBackpropFilter') return nativeConv2dBackpropFilter(kernels, x!, dy!, info, 'im2col');
    return nativeConv2dBackpropInput(kernels, dy!, filter!, info, 'im2col');
  };
}

function convCases(b: number): KernelCase[] {
  const cases: KernelCase[] = [];
  for (const c of CNN_CONVS) {
    const x = [b, c.hw, c.hw, c.ci];
    const y = [b, c.hw, c.hw, c.co];
    const f = [3, 3, c.ci, c.co];
    const flops = 2 * b * c.hw * c.hw * c.co * 9 * c.ci;
    const conv = { strides: 1, pad: 'same', dataFormat: 'NHWC' };
    // Winograd's GFLOP/s are the direct convolution's operations over its time ("effective").
    const how = c.winograd ? ' (Winograd; previous: im2col)' : '';
    cases.push(
      {
        kernel: 'Conv2D',
        label: `CNN ${c.name} forward, batch ${b}: x [${x}], filter [${f}]${how}`,
        flops,
        inputs: () => ({ x: r(x), filter: r(f) }),
        attrs: { ...conv, dilations: 1 },
        previous: c.winograd ? im2colKernel('Conv2D', x, f) : undefined,
      },
      {
        kernel: 'Conv2DBackpropFilter',
        label: `CNN ${c.name} filter gradient, batch ${b}: x [${x}], dy [${y}]${how}`,
        flops,
        inputs: () => ({ x: r(x), dy: r(y) }),
        attrs: { ...conv, filterShape: f },
        previous: c.winograd ? im2colKernel('Conv2DBackpropFilter', x, f) : conv2dBackpropFilterComposite,
      },
    );
    if (c.name !== 'conv1') {
      cases.push({
        kernel: 'Conv2DBackpropInput',
        label: `CNN ${c.name} input gradient, batch ${b}: dy [${y}], filter [${f}]${how}`,
        flops,
        inputs: () => ({ dy: r(y), filter: r(f) }),
        attrs: { ...conv, inputShape: x },
        previous: c.winograd ? im2colKernel('Conv2DBackpropInput', x, f) : conv2dBackpropInputComposite,
      });
    }
  }
  return cases;
}

function maxPoolGradPrevious(args: KernelArgs): tf.TensorInfo {
  const x = args.inputs.input!;
  const info = tf.backend_util.computePool2DInfo(x.shape as Shape4, 2, 2, 1, 'valid');
  return maxPoolGradJs(args.backend as BackendWasm, x, args.inputs.dy!, info);
}

const CASES: KernelCase[] = [
  ...[32, 64].flatMap(convCases),
  ...[
    { label: 'MLP dense1 forward x·W, batch 64', a: [64, 784], b: [784, 128], tA: false, tB: false },
    { label: 'MLP dense1 weight gradient xᵀ·dy, batch 64', a: [64, 784], b: [64, 128], tA: true, tB: false },
    { label: 'MLP dense1 input gradient dy·Wᵀ, batch 64', a: [64, 128], b: [784, 128], tA: false, tB: true },
    { label: 'CNN dense1 weight gradient xᵀ·dy, batch 64', a: [64, 4096], b: [64, 128], tA: true, tB: false },
    { label: 'CNN flatten gradient dy·Wᵀ, batch 64', a: [64, 128], b: [4096, 128], tA: false, tB: true },
    { label: 'LSTM recurrent weight gradient hᵀ·dz, batch 64', a: [64, 64], b: [64, 256], tA: true, tB: false },
  ].map((c) => ({
    kernel: 'BatchMatMul',
    label: c.label,
    // 2·M·N·K: K is the contracted axis of a (its first axis when transposed).
    flops: 2 * c.a[0] * c.a[1] * (c.tB ? c.b[0] : c.b[1]),
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
    previous: maxPoolGradPrevious,
  })),
  ...[
    { label: 'CNN conv1 bias gradient, batch 64: [64,32,32,32] over axes 0-2', shape: [64, 32, 32, 32], axis: [0, 1, 2] },
    { label: 'CNN conv2 bias gradient, batch 64: [64,16,16,64] over axes 0-2', shape: [64, 16, 16, 64], axis: [0, 1, 2] },
  ].map((c) => ({
    kernel: 'Sum',
    label: c.label,
    inputs: () => ({ x: r(c.shape) }),
    attrs: { axis: c.axis, keepDims: false },
  })),
];

function timed(run: () => void): number {
  const started = performance.now();
  run();
  return performance.now() - started;
}

const ms = (t: number) => (Number.isFinite(t) ? t.toFixed(2) : '–');
const ratio = (before: number, after: number) => (Number.isFinite(before) ? `${(before / after).toFixed(1)}×` : '–');

/**
 * Markdown table of stock vs our previous implementation vs ours per kernel
 * case (ms, best of `times` interleaved calls; GFLOP/s of ours for convolutions and products).
 */
export function compareKernels(times = 7): string {
  const rows = [
    '| kernel | case | stock wasm ms | previous ours ms | ours ms | ours GFLOP/s | vs stock | vs previous |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  const backend = tf.backend();
  for (const c of CASES) {
    const stock = replacedStockKernel(c.kernel);
    const ours = tf.getKernel(c.kernel, 'wasm');
    if ((!stock && !c.previous) || !ours) continue;
    stock?.setupFunc?.(backend);
    const inputs = c.inputs();
    const call = (kernelFunc: (args: KernelArgs) => tf.TensorInfo) => () => {
      const out = kernelFunc({ inputs, backend, attrs: c.attrs as tf.NamedAttrMap });
      backend.disposeData(out.dataId);
    };
    const variants = [
      stock && call(stock.kernelFunc as (args: KernelArgs) => tf.TensorInfo),
      c.previous && call(c.previous),
      call(ours.kernelFunc as (args: KernelArgs) => tf.TensorInfo),
    ];
    const best = variants.map(() => Infinity);
    for (const v of variants) v?.(); // warm-up (XNNPACK operator creation, JIT)
    for (let i = 0; i < times; i++) {
      variants.forEach((v, j) => {
        if (v) best[j] = Math.min(best[j], timed(v));
      });
    }
    tf.dispose(Object.values(inputs));
    const [stockMs, previousMs, oursMs] = best;
    const gflops = c.flops ? (c.flops / oursMs / 1e6).toFixed(1) : '–';
    rows.push(
      `| ${c.kernel} | ${c.label} | ${ms(stockMs)} | ${ms(previousMs)} | ${ms(oursMs)} | ${gflops} | ${ratio(stockMs, oursMs)} | ${ratio(previousMs, oursMs)} |`,
    );
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
