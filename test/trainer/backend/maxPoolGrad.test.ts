import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { replacedStockKernel } from '../../../src/trainer/backend/wasmKernels';
import { ensureWasm, leaveOnWasm, randomTensor, runOn, wasmVsCpu } from './helpers';

const TOLERANCE = 1e-5;

const CASES: {
  name: string;
  x: [number, number, number, number];
  pool: [number, number];
  strides: [number, number];
  pad: 'same' | 'valid' | number;
  shift?: number;
}[] = [
  { name: '2x2/2 valid, batch 1, one channel', x: [1, 4, 4, 1], pool: [2, 2], strides: [2, 2], pad: 'valid' },
  { name: '2x2/2 valid, odd sizes drop the last row', x: [2, 7, 5, 3], pool: [2, 2], strides: [2, 2], pad: 'valid' },
  { name: '3x3/2 same (overlapping windows, padding)', x: [2, 7, 8, 2], pool: [3, 3], strides: [2, 2], pad: 'same' },
  { name: '3x3/1 same', x: [1, 5, 6, 4], pool: [3, 3], strides: [1, 1], pad: 'same' },
  { name: 'non-square 3x2/2x1 valid', x: [2, 9, 6, 2], pool: [3, 2], strides: [2, 1], pad: 'valid' },
  { name: '1x3/1x2 same (maxPooling1d shape)', x: [3, 1, 11, 5], pool: [1, 3], strides: [1, 2], pad: 'same' },
  { name: 'numeric pad 1', x: [1, 6, 6, 2], pool: [3, 3], strides: [2, 2], pad: 1 },
  { name: 'all values negative', x: [2, 6, 6, 3], pool: [2, 2], strides: [2, 2], pad: 'valid', shift: -2 },
  { name: 'all values positive', x: [2, 6, 6, 3], pool: [2, 2], strides: [2, 2], pad: 'valid', shift: 2 },
];

function maxPoolLoss(c: (typeof CASES)[number], seed: number) {
  return (x: tf.Tensor) => {
    const y = tf.maxPool(x as tf.Tensor4D, c.pool, c.strides, c.pad);
    return tf.sum(tf.mul(y, randomTensor(y.shape, seed)));
  };
}

function input(c: (typeof CASES)[number]): tf.Tensor {
  return tf.add(randomTensor(c.x, 1), c.shift ?? 0);
}

describe('wasm MaxPoolGrad (replaces the stock kernel)', () => {
  before(ensureWasm);
  after(leaveOnWasm);

  for (const c of CASES) {
    it(`tf.grad of maxPool agrees with cpu: ${c.name}`, async () => {
      const err = await wasmVsCpu(() => tf.grad(maxPoolLoss(c, 2))(input(c)));
      assert.ok(err <= TOLERANCE, `relative error ${err}`);
    });
  }

  it('gives ties to the first maximum of the window, like cpu and TensorFlow', async () => {
    const compute = () => tf.grad((x: tf.Tensor) => tf.sum(tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid')))(tf.zeros([1, 4, 4, 1]));
    const wasm = await runOn('wasm', compute);
    const cpu = await runOn('cpu', compute);
    assert.deepStrictEqual(Array.from(wasm.values[0]), Array.from(cpu.values[0]));
    assert.deepStrictEqual(Array.from(wasm.values[0]), [1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0]);
  });

  it('never routes gradient to NaN', async () => {
    const compute = () => tf.grad((x: tf.Tensor) => tf.sum(tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid')))(tf.tensor4d([NaN, 1, 2, NaN], [1, 2, 2, 1]));
    const wasm = await runOn('wasm', compute);
    assert.deepStrictEqual(Array.from(wasm.values[0]), [0, 0, 1, 0]);
  });

  it('frees nothing it should keep and leaks nothing', async () => {
    await tf.setBackend('wasm');
    const x = randomTensor([2, 6, 6, 3], 3);
    const run = () => tf.dispose(tf.grad((t: tf.Tensor) => tf.sum(tf.maxPool(t as tf.Tensor4D, 2, 2, 'same')))(x));
    run();
    const before = tf.memory().numTensors;
    const ids = tf.engine().backend.numDataIds();
    for (let i = 0; i < 5; i++) run();
    assert.strictEqual(tf.memory().numTensors, before);
    assert.strictEqual(tf.engine().backend.numDataIds(), ids);
    x.dispose();
  });

  // When this fails, tfjs-backend-wasm has fixed its kernel: drop ours.
  it('is still needed: the stock kernel drops the gradient of all-negative windows', async () => {
    await tf.setBackend('wasm');
    const stock = replacedStockKernel('MaxPoolGrad');
    assert.ok(stock, 'the stock MaxPoolGrad was replaced');
    stock.setupFunc?.(tf.backend() as BackendWasm);
    const x = tf.tensor4d([-4, -3, -2, -1], [1, 2, 2, 1]); // the maximum is the last element
    const y = tf.maxPool(x, 2, 2, 'valid');
    const dy = tf.ones(y.shape);
    const info = stock.kernelFunc({
      inputs: { dy, input: x, output: y },
      backend: tf.backend(),
      attrs: { filterSize: 2, strides: 2, pad: 'valid' } as unknown as tf.NamedAttrMap,
    }) as tf.TensorInfo;
    const dx = tf.engine().makeTensorFromTensorInfo(info);
    assert.notDeepStrictEqual(Array.from(dx.dataSync()), [0, 0, 0, 1], 'stock result is now correct');
    tf.dispose([x, y, dy, dx]);
  });
});
