// The native convolution kernels (src/trainer/backend/native/assembly/conv.ts)
// behind Conv2D, FusedConv2D, Conv2DBackpropFilter and Conv2DBackpropInput on
// wasm, against the cpu backend: values and end-to-end gradients. Every test
// checks through the call counts that the native kernel really ran (or, for
// the cases it leaves to the fallback, that it did not).

import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { nativeKernels, nativeKernelsError, type NativeKernels } from '../../../src/trainer/backend/native/module';
import { conv2dBackpropFilterComposite } from '../../../src/trainer/backend/wasmKernels/conv2dBackpropFilter';
import { conv2dBackpropInputComposite } from '../../../src/trainer/backend/wasmKernels/conv2dBackpropInput';
import { ensureWasm, leaveOnWasm, randomTensor, wasmVsCpu } from './helpers';

const TOLERANCE = 1e-5;

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

interface Case {
  name: string;
  x: [number, number, number, number];
  /** [KH, KW, Ci, Co] */
  f: [number, number, number, number];
  s: [number, number];
  pad: Pad;
  round?: 'floor' | 'round' | 'ceil';
  /**
   * 3×3 stride 1 with ≥ 16 channels, multiples of 4: the forward pass and
   * input gradient are Winograd F(2×2, 3×3), and with ≥ 32 output tiles
   * ('all') the filter gradient too.
   */
  winograd?: 'all' | 'forward';
}

/** 2 rows above, none below, 1 column left, 3 right. */
const ASYMMETRIC_PADDING: Pad = [
  [0, 0],
  [2, 0],
  [1, 3],
  [0, 0],
];

const CASES: Case[] = [
  { name: 'batch 1, 1 channel, 3x3 valid', x: [1, 5, 5, 1], f: [3, 3, 1, 1], s: [1, 1], pad: 'valid' },
  { name: '3 channels (first layer), same, odd sizes', x: [2, 7, 9, 3], f: [3, 3, 3, 5], s: [1, 1], pad: 'same' },
  { name: '5 channels, stride 2, same', x: [2, 9, 7, 5], f: [3, 3, 5, 6], s: [2, 2], pad: 'same' },
  { name: 'stride 2 valid, last row unread', x: [2, 8, 8, 3], f: [3, 3, 3, 4], s: [2, 2], pad: 'valid' },
  { name: 'non-square kernel, mixed strides 1x2', x: [3, 6, 11, 2], f: [2, 3, 2, 7], s: [1, 2], pad: 'same' },
  { name: '1x1 pointwise (no im2col)', x: [2, 5, 6, 4], f: [1, 1, 4, 9], s: [1, 1], pad: 'valid' },
  { name: '1x1 stride 2 same', x: [2, 8, 7, 3], f: [1, 1, 3, 4], s: [2, 2], pad: 'same' },
  { name: '5x5 stride 3 same', x: [1, 11, 10, 3], f: [5, 5, 3, 2], s: [3, 3], pad: 'same' },
  { name: 'numeric pad 2', x: [2, 6, 7, 3], f: [3, 3, 3, 5], s: [1, 1], pad: 2 },
  {
    name: 'explicit asymmetric padding, stride 2',
    x: [2, 7, 6, 2],
    f: [3, 3, 2, 3],
    s: [2, 2],
    pad: ASYMMETRIC_PADDING,
  },
  { name: 'numeric pad 0, ceil rounding', x: [1, 8, 8, 2], f: [3, 3, 2, 2], s: [2, 2], pad: 0, round: 'ceil' },
  { name: 'the seed CNN conv2, small batch (several tile blocks)', x: [3, 16, 16, 32], f: [3, 3, 32, 64], s: [1, 1], pad: 'same', winograd: 'all' },
  { name: 'Winograd, odd output sizes (half tiles), 20 output channels', x: [2, 7, 9, 16], f: [3, 3, 16, 20], s: [1, 1], pad: 'same', winograd: 'all' },
  { name: 'Winograd, valid', x: [4, 8, 7, 16], f: [3, 3, 16, 16], s: [1, 1], pad: 'valid', winograd: 'all' },
  { name: 'Winograd, numeric pad 2', x: [2, 6, 5, 20], f: [3, 3, 20, 24], s: [1, 1], pad: 2, winograd: 'all' },
  {
    name: 'Winograd, explicit asymmetric padding',
    x: [3, 6, 7, 16],
    f: [3, 3, 16, 16],
    s: [1, 1],
    pad: ASYMMETRIC_PADDING,
    winograd: 'all',
  },
  { name: 'Winograd forward, im2col filter gradient (16 tiles, under 32)', x: [1, 8, 8, 16], f: [3, 3, 16, 16], s: [1, 1], pad: 'same', winograd: 'forward' },
  { name: '3x3 stride 1 with 12 channels (too few for Winograd)', x: [2, 6, 6, 12], f: [3, 3, 12, 16], s: [1, 1], pad: 'same' },
  { name: 'conv1d shape 1xK', x: [3, 1, 13, 4], f: [1, 5, 4, 6], s: [1, 2], pad: 'same' },
];

function native(): NativeKernels {
  const kernels = nativeKernels(tf.findBackend('wasm') as BackendWasm);
  assert.ok(kernels, `native kernels loaded (${nativeKernelsError()})`);
  return kernels;
}

/** Runs `body` and returns how often each named native kernel was called during it (on wasm only). */
async function counting<T>(names: string[], body: () => Promise<T>): Promise<{ result: T; calls: number[] }> {
  const kernels = native();
  const before = names.map((n) => kernels.callCount(n));
  const result = await body();
  return { result, calls: names.map((n, i) => kernels.callCount(n) - before[i]) };
}

function outShape(c: Case): number[] {
  return tf.backend_util.computeConv2DInfo(c.x, c.f, c.s, 1, c.pad, c.round).outShape;
}

const attrs = (c: Case, extra: object) => ({ strides: c.s, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: c.round, ...extra }) as unknown as tf.NamedAttrMap;

describe('native wasm convolution kernels', () => {
  before(ensureWasm);
  after(leaveOnWasm);

  it('loaded into the wasm backend', () => {
    native();
    for (const name of ['Conv2D', 'FusedConv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput']) assert.ok(tf.getKernel(name, 'wasm'));
  });

  for (const c of CASES) {
    it(`Conv2D agrees with cpu: ${c.name}`, async () => {
      const { result: err, calls } = await counting([c.winograd ? 'winogradForward' : 'conv2dForward'], () =>
        wasmVsCpu(() => tf.engine().runKernel('Conv2D', { x: randomTensor(c.x, 1), filter: randomTensor(c.f, 2) }, attrs(c, { dilations: 1 })) as tf.Tensor),
      );
      assert.ok(err <= TOLERANCE, `relative error ${err}`);
      assert.strictEqual(calls[0], 1, 'the native forward kernel ran');
    });

    it(`Conv2DBackpropFilter agrees with cpu: ${c.name}`, async () => {
      const { result: err, calls } = await counting([c.winograd === 'all' ? 'winogradFilterGradBlocks' : 'conv2dBackpropFilter'], () =>
        wasmVsCpu(
          () =>
            tf
              .engine()
              .runKernel('Conv2DBackpropFilter', { x: randomTensor(c.x, 3), dy: randomTensor(outShape(c), 4) }, attrs(c, { filterShape: c.f })) as tf.Tensor,
        ),
      );
      assert.ok(err <= TOLERANCE, `relative error ${err}`);
      assert.strictEqual(calls[0], 1, 'the native filter-gradient kernel ran');
    });

    it(`Conv2DBackpropInput agrees with cpu: ${c.name}`, async () => {
      const { result: err, calls } = await counting([c.winograd ? 'winogradForward' : 'conv2dBackpropInput'], () =>
        wasmVsCpu(
          () =>
            tf
              .engine()
              .runKernel('Conv2DBackpropInput', { dy: randomTensor(outShape(c), 5), filter: randomTensor(c.f, 6) }, attrs(c, { inputShape: c.x })) as tf.Tensor,
        ),
      );
      assert.ok(err <= TOLERANCE, `relative error ${err}`);
      assert.strictEqual(calls[0], 1, 'the native input-gradient kernel ran');
    });

    it(`the composite fallbacks still agree with the native kernels: ${c.name}`, async () => {
      await tf.setBackend('wasm');
      const backend = tf.backend();
      const x = randomTensor(c.x, 3);
      const dy = randomTensor(outShape(c), 4);
      const filter = randomTensor(c.f, 6);
      const viaComposite = (info: tf.TensorInfo) => tf.engine().makeTensorFromTensorInfo(info, backend);
      const pairs: [tf.Tensor, tf.Tensor][] = [
        [
          tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs(c, { filterShape: c.f })) as tf.Tensor,
          viaComposite(conv2dBackpropFilterComposite({ inputs: { x, dy }, backend, attrs: attrs(c, { filterShape: c.f }) })),
        ],
        [
          tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, attrs(c, { inputShape: c.x })) as tf.Tensor,
          viaComposite(conv2dBackpropInputComposite({ inputs: { dy, filter }, backend, attrs: attrs(c, { inputShape: c.x }) })),
        ],
      ];
      for (const [ours, composite] of pairs) {
        assert.deepStrictEqual(ours.shape, composite.shape);
        const scale = Math.max(1e-6, tf.max(tf.abs(composite)).dataSync()[0]);
        const diff = tf.max(tf.abs(tf.sub(ours, composite))).dataSync()[0];
        assert.ok(diff / scale <= TOLERANCE, `relative difference ${diff / scale}`);
      }
      tf.dispose([x, dy, filter, ...pairs.flat()]);
    });
  }

  const GRAD_CASES = CASES.filter((c) => typeof c.pad === 'string' && !c.round);
  for (const c of GRAD_CASES) {
    it(`tf.grads of conv2d (value, dx, dW) agree with cpu: ${c.name}`, async () => {
      // Winograd serves both the forward pass and the input gradient.
      const names = c.winograd
        ? ['winogradForward', 'winogradFilterGradBlocks', 'conv2dBackpropFilter']
        : ['conv2dForward', 'conv2dBackpropFilter', 'conv2dBackpropInput'];
      const { result: err, calls } = await counting(names, () =>
        wasmVsCpu(() => {
          const loss = (a: tf.Tensor, b: tf.Tensor) => {
            const y = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad as 'same' | 'valid');
            return tf.sum(tf.mul(y, randomTensor(y.shape, 7)));
          };
          const { value, grads } = tf.valueAndGrads(loss)([randomTensor(c.x, 8), randomTensor(c.f, 9)]);
          return [value, ...grads];
        }),
      );
      assert.ok(err <= TOLERANCE, `relative error ${err}`);
      const expected = c.winograd === 'all' ? [2, 1, 0] : c.winograd === 'forward' ? [2, 0, 1] : [1, 1, 1];
      assert.deepStrictEqual(calls, expected, `native kernel calls ${names}: ${calls}`);
    });
  }

  for (const activation of ['linear', 'relu'] as const) {
    it(`FusedConv2D with bias and ${activation} runs natively and agrees with cpu`, async () => {
      const { result: err, calls } = await counting(['conv2dForward'], () =>
        wasmVsCpu(() =>
          tf.fused.conv2d({
            x: randomTensor([2, 9, 8, 3], 10) as tf.Tensor4D,
            filter: randomTensor([3, 3, 3, 6], 11) as tf.Tensor4D,
            strides: 2,
            pad: 'same',
            bias: randomTensor([6], 12),
            activation,
          }),
        ),
      );
      assert.ok(err <= TOLERANCE, `relative error ${err}`);
      assert.strictEqual(calls[0], 1);
    });
  }

  it('the layers path (Conv2D layer fit step) trains with the native kernels and matches cpu', async () => {
    const names = ['conv2dForward', 'conv2dBackpropFilter', 'conv2dBackpropInput'];
    const { result: err, calls } = await counting(names, () =>
      wasmVsCpu(() => {
        const model = tf.sequential({
          layers: [
            tf.layers.conv2d({ inputShape: [10, 10, 3], filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: 'ones' }),
            tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'valid', kernelInitializer: 'ones' }),
          ],
        });
        model.layers.forEach((layer, i) => layer.setWeights(layer.getWeights().map((w, j) => randomTensor(w.shape, 20 + 2 * i + j).mul(0.3))));
        const x = randomTensor([2, 10, 10, 3], 30);
        const target = randomTensor([2, 4, 4, 4], 31);
        const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
        const { value, grads } = tf.variableGrads(() => tf.losses.meanSquaredError(target, model.apply(x) as tf.Tensor) as tf.Scalar, variables);
        assert.strictEqual(variables.length, 4);
        return [value, ...variables.map((v) => grads[v.name])];
      }),
    );
    assert.ok(err <= TOLERANCE, `relative error ${err}`);
    assert.ok(
      calls.every((n) => n >= 1),
      `native kernel calls ${names}: ${calls}`,
    );
  });

  it('leaves dilation 2 and a prelu activation to the stock kernels (and they agree with cpu)', async () => {
    const { result: err, calls } = await counting(['conv2dForward'], () =>
      wasmVsCpu(() => [
        tf.conv2d(randomTensor([2, 9, 9, 3], 13) as tf.Tensor4D, randomTensor([3, 3, 3, 4], 14) as tf.Tensor4D, 1, 'same', 'NHWC', 2),
        tf.fused.conv2d({
          x: randomTensor([1, 6, 6, 2], 15) as tf.Tensor4D,
          filter: randomTensor([3, 3, 2, 3], 16) as tf.Tensor4D,
          strides: 1,
          pad: 'valid',
          activation: 'prelu',
          preluActivationWeights: randomTensor([3], 17),
        }),
      ]),
    );
    assert.ok(err <= TOLERANCE, `relative error ${err}`);
    assert.strictEqual(calls[0], 0, 'the native forward kernel did not run');
  });

  it('leaks no tensors and no data ids', async () => {
    await tf.setBackend('wasm');
    const x = randomTensor([2, 8, 8, 3], 18);
    const f = randomTensor([3, 3, 3, 5], 19);
    const run = () => tf.dispose(tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')))([x, f]));
    run();
    const tensors = tf.memory().numTensors;
    const ids = tf.engine().backend.numDataIds();
    for (let i = 0; i < 5; i++) run();
    assert.strictEqual(tf.memory().numTensors, tensors);
    assert.strictEqual(tf.engine().backend.numDataIds(), ids);
    tf.dispose([x, f]);
  });
});
