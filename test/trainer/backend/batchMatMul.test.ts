import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { replacedStockKernel } from '../../../src/trainer/backend/wasmKernels';
import { ensureWasm, leaveOnWasm, randomTensor, wasmVsCpu } from './helpers';

const TOLERANCE = 1e-5;

interface Case {
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
}

// Operand shapes as stored (before the transpose flags apply).
const CASES: Case[] = [
  { a: [32, 784], b: [32, 128], transposeA: true, transposeB: false }, // Dense weight gradient xᵀ·dy
  { a: [32, 128], b: [784, 128], transposeA: false, transposeB: true }, // Dense input gradient dy·Wᵀ
  { a: [5, 3], b: [4, 5], transposeA: true, transposeB: true },
  { a: [7, 1], b: [7, 6], transposeA: true, transposeB: false }, // a vector operand
  { a: [1, 9, 4], b: [1, 9, 6], transposeA: true, transposeB: false }, // rank 3, batch 1
  { a: [3, 6, 5], b: [3, 4, 5], transposeA: false, transposeB: true }, // batched: left to the stock kernel
  { a: [2, 3, 6, 5], b: [1, 1, 6, 4], transposeA: true, transposeB: false }, // batched with broadcasting
  { a: [1, 6, 5], b: [4, 3, 5], transposeA: false, transposeB: true }, // broadcast batch of b
  { a: [6, 5], b: [5, 4], transposeA: false, transposeB: false }, // untransposed: the stock kernel
];

describe('wasm BatchMatMul (transposed operands made explicit)', () => {
  before(ensureWasm);
  after(leaveOnWasm);

  it('wraps the stock kernel on wasm only', () => {
    assert.ok(replacedStockKernel('BatchMatMul'), 'the stock kernel was found and wrapped');
    assert.notStrictEqual(tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc, replacedStockKernel('BatchMatMul')?.kernelFunc);
    assert.strictEqual(tf.getKernel('BatchMatMul', 'cpu')?.backendName, 'cpu');
  });

  for (const c of CASES) {
    it(`agrees with cpu: [${c.a}]${c.transposeA ? 'ᵀ' : ''} · [${c.b}]${c.transposeB ? 'ᵀ' : ''}`, async () => {
      const err = await wasmVsCpu(() => tf.matMul(randomTensor(c.a, 1), randomTensor(c.b, 2), c.transposeA, c.transposeB));
      assert.ok(err <= TOLERANCE, `relative error ${err}`);
    });
  }

  it('gradients of dense layers and attention agree with cpu', async () => {
    const err = await wasmVsCpu(() => {
      const loss = (x: tf.Tensor, w: tf.Tensor, q: tf.Tensor) => {
        const h = tf.relu(tf.matMul(x, w)); // [8, 6]
        const heads = tf.reshape(h, [2, 4, 6]);
        const scores = tf.matMul(heads, tf.reshape(tf.matMul(x, q), [2, 4, 6]), false, true); // batched, transposeB
        return tf.sum(tf.mul(tf.softmax(scores), randomTensor([2, 4, 4], 3)));
      };
      return tf.grads(loss)([randomTensor([8, 5], 4), randomTensor([5, 6], 5), randomTensor([5, 6], 6)]);
    });
    assert.ok(err <= TOLERANCE, `relative error ${err}`);
  });

  it('frees its intermediates', async () => {
    await tf.setBackend('wasm');
    const a = randomTensor([16, 9], 7);
    const b = randomTensor([16, 5], 8);
    const run = () => tf.matMul(a, b, true, false).dispose();
    run();
    const ids = tf.engine().backend.numDataIds();
    for (let i = 0; i < 5; i++) run();
    assert.strictEqual(tf.engine().backend.numDataIds(), ids);
    tf.dispose([a, b]);
  });
});
