// The native MaxPool forward and MaxPoolGrad (src/trainer/backend/native/assembly/pool.ts) and
// leading-axes Sum (reduce.ts) on wasm against the cpu backend, asserting
// through the call counts that the native kernels ran (maxPoolGrad.test.ts
// covers the tie/NaN rules, which now run natively too).

import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { nativeKernels, nativeKernelsError, type NativeKernels } from '../../../src/trainer/backend/native/module';
import { maxPoolGradJs } from '../../../src/trainer/backend/wasmKernels/maxPoolGrad';
import { leadingAxesCount } from '../../../src/trainer/backend/wasmKernels/sum';
import { ensureWasm, leaveOnWasm, randomTensor, runOn, wasmVsCpu } from './helpers';

const TOLERANCE = 1e-5;

function native(): NativeKernels {
  const kernels = nativeKernels(tf.findBackend('wasm') as BackendWasm);
  assert.ok(kernels, `native kernels loaded (${nativeKernelsError()})`);
  return kernels;
}

async function callsDuring(name: string, body: () => Promise<number>): Promise<{ err: number; calls: number }> {
  const kernels = native();
  const before = kernels.callCount(name);
  const err = await body();
  return { err, calls: kernels.callCount(name) - before };
}

const POOLS: { name: string; x: [number, number, number, number]; pool: [number, number]; s: [number, number]; pad: 'same' | 'valid' | number }[] = [
  { name: '2x2/2, 32 channels (the seed CNN)', x: [2, 8, 8, 32], pool: [2, 2], s: [2, 2], pad: 'valid' },
  { name: '2x2/2, 5 channels (SIMD block + tail), odd size', x: [3, 7, 9, 5], pool: [2, 2], s: [2, 2], pad: 'valid' },
  { name: '3x3/1 same, 3 channels (scalar only), batch 1', x: [1, 6, 5, 3], pool: [3, 3], s: [1, 1], pad: 'same' },
  { name: '3x3/2 same overlapping, 8 channels', x: [2, 9, 8, 8], pool: [3, 3], s: [2, 2], pad: 'same' },
  { name: 'numeric pad 1, 1 channel', x: [2, 6, 6, 1], pool: [3, 3], s: [2, 2], pad: 1 },
  // Disjoint windows (stride ≥ window) take the store-per-tap path; these do not tile the input.
  { name: '2x2/2 same on odd sizes (padded last window), 8 channels', x: [2, 7, 9, 8], pool: [2, 2], s: [2, 2], pad: 'same' },
  { name: '2x2/3 valid (gaps between windows), 4 channels', x: [2, 8, 8, 4], pool: [2, 2], s: [3, 3], pad: 'valid' },
  { name: '3x2/3x2 valid, 6 channels (SIMD block + tail), batch 1', x: [1, 9, 8, 6], pool: [3, 2], s: [3, 2], pad: 'valid' },
];

describe('native wasm MaxPoolGrad and Sum', () => {
  before(ensureWasm);
  after(leaveOnWasm);

  for (const c of POOLS) {
    it(`MaxPool forward equals cpu bit for bit and ran natively: ${c.name}`, async () => {
      const kernels = native();
      const before = kernels.callCount('maxPoolForward');
      // Rounded values (many ties), −Infinity and NaN: the window rule decides what comes out.
      const compute = () => {
        const x = tf.round(tf.mul(randomTensor(c.x, 1), 4));
        const mask = tf.less(randomTensor(c.x, 7), -0.8);
        const special = tf.where(tf.less(randomTensor(c.x, 8), 0), tf.fill(c.x, -Infinity), tf.fill(c.x, NaN));
        return tf.maxPool(tf.where(mask, special, x) as tf.Tensor4D, c.pool, c.s, c.pad);
      };
      const ours = await runOn('wasm', compute);
      assert.strictEqual(kernels.callCount('maxPoolForward') - before, 1, 'the native forward ran once');
      const cpu = await runOn('cpu', compute);
      assert.deepStrictEqual(ours.shapes, cpu.shapes);
      assert.deepStrictEqual(Array.from(ours.values[0]), Array.from(cpu.values[0]));
    });
  }

  for (const c of POOLS) {
    it(`MaxPoolGrad agrees with cpu and ran natively: ${c.name}`, async () => {
      const { err, calls } = await callsDuring('maxPoolGrad', () =>
        wasmVsCpu(
          () =>
            tf.grad((x: tf.Tensor) => {
              const y = tf.maxPool(x as tf.Tensor4D, c.pool, c.s, c.pad);
              return tf.sum(tf.mul(y, randomTensor(y.shape, 2)));
            })(tf.round(tf.mul(randomTensor(c.x, 1), 4))), // rounded: many ties
        ),
      );
      assert.ok(err <= TOLERANCE, `relative error ${err}`);
      assert.strictEqual(calls, 1);
    });
  }

  it('MaxPoolGrad: a window of only -Infinity/NaN passes no gradient, in SIMD lanes and the tail', async () => {
    const x = [-Infinity, NaN, 1, -Infinity, 2, -Infinity, NaN, -Infinity, 3, NaN, -Infinity, 4, 5];
    const compute = () => tf.grad((t: tf.Tensor) => tf.sum(tf.maxPool(t as tf.Tensor4D, [1, 1], 1, 'valid')))(tf.tensor4d(x, [1, 1, 1, 13]));
    const wasm = await runOn('wasm', compute);
    const cpu = await runOn('cpu', compute);
    assert.deepStrictEqual(Array.from(wasm.values[0]), Array.from(cpu.values[0]));
    assert.deepStrictEqual(
      Array.from(wasm.values[0]),
      x.map((v) => (v > -Infinity ? 1 : 0)),
    );
  });

  it('MaxPoolGrad: the JS fallback agrees with the native kernel', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as BackendWasm;
    const x = tf.round(tf.mul(randomTensor([2, 9, 7, 6], 3), 3));
    const info = tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], 3, 2, 1, 'same');
    const dy = randomTensor(info.outShape, 4);
    const ours = tf
      .engine()
      .runKernel('MaxPoolGrad', { dy, input: x, output: tf.maxPool(x as tf.Tensor4D, 3, 2, 'same') }, { filterSize: 3, strides: 2, pad: 'same' }) as tf.Tensor;
    const js = tf.engine().makeTensorFromTensorInfo(maxPoolGradJs(backend, x, dy, info), backend);
    assert.deepStrictEqual(Array.from(ours.dataSync()), Array.from(js.dataSync()));
    tf.dispose([x, dy, ours, js]);
  });

  const SUMS: { shape: number[]; axis: number | number[]; keepDims?: boolean }[] = [
    { shape: [4, 6, 6, 32], axis: [0, 1, 2] }, // a conv bias gradient
    { shape: [5, 7, 3, 19], axis: [0, 1, 2] }, // 16-wide block + 3 tail
    { shape: [33, 10], axis: 0 }, // a dense bias gradient
    { shape: [3, 4, 5], axis: [1, 0], keepDims: true },
    { shape: [2, 3, 6], axis: [-3, -2] },
    { shape: [1, 1, 3], axis: [0, 1] },
    { shape: [9, 1], axis: 0 },
  ];
  for (const c of SUMS) {
    it(`Sum over leading axes agrees with cpu and ran natively: [${c.shape}] axis ${c.axis}${c.keepDims ? ' keepDims' : ''}`, async () => {
      const { err, calls } = await callsDuring('sumLeadingAxes', () => wasmVsCpu(() => tf.sum(randomTensor(c.shape, 5), c.axis, c.keepDims)));
      assert.ok(err <= TOLERANCE, `relative error ${err}`);
      assert.strictEqual(calls, 1);
    });
  }

  it('Sum over other axes, of everything, and of int32 goes to the stock kernel (and agrees with cpu)', async () => {
    const { err, calls } = await callsDuring('sumLeadingAxes', () =>
      wasmVsCpu(() => [
        tf.sum(randomTensor([3, 4, 5], 6), -1),
        tf.sum(randomTensor([3, 4, 5], 7), [0, 2]),
        tf.sum(randomTensor([3, 4, 5], 8)),
        tf
          .sum(
            tf.tensor(
              [
                [1, 2],
                [3, 4],
              ],
              undefined,
              'int32',
            ),
            0,
          )
          .cast('float32'),
      ]),
    );
    assert.ok(err <= TOLERANCE, `relative error ${err}`);
    assert.strictEqual(calls, 0);
  });

  it('leadingAxesCount recognises exactly the leading-axes sums', () => {
    assert.strictEqual(leadingAxesCount([0, 1, 2], [2, 3, 4, 5]), 3);
    assert.strictEqual(leadingAxesCount([1, 0, 1], [2, 3, 4]), 2);
    assert.strictEqual(leadingAxesCount(-3, [2, 3, 4]), 1);
    assert.strictEqual(leadingAxesCount([1], [2, 3, 4]), 0);
    assert.strictEqual(leadingAxesCount([0, 1, 2], [2, 3, 4]), 0);
  });

  it('the bias gradient of a conv layer goes through the native sum', async () => {
    const { err, calls } = await callsDuring('sumLeadingAxes', () =>
      wasmVsCpu(() => {
        const b = randomTensor([4], 9);
        return tf.grad((bias: tf.Tensor) => tf.sum(tf.mul(tf.add(randomTensor([2, 5, 5, 4], 10), bias), randomTensor([2, 5, 5, 4], 11))))(b);
      }),
    );
    assert.ok(err <= TOLERANCE, `relative error ${err}`);
    assert.ok(calls >= 1);
  });
});
