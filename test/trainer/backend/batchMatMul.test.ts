import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { nativeKernels } from '../../../src/trainer/backend/native/module';
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
  { a: [3, 6, 5], b: [3, 4, 5], transposeA: false, transposeB: true }, // batched
  { a: [2, 3, 6, 5], b: [1, 1, 6, 4], transposeA: true, transposeB: false }, // batched with broadcasting
  { a: [1, 6, 5], b: [4, 3, 5], transposeA: false, transposeB: true }, // broadcast batch of b
  { a: [6, 5], b: [5, 4], transposeA: false, transposeB: false },
  { a: [64, 784], b: [784, 128], transposeA: false, transposeB: false }, // MLP forward: ten 6×8 blocks and a 4×8 block per panel
  { a: [11, 10], b: [19, 10], transposeA: false, transposeB: true }, // 6-, 4- and 1-row blocks; Bᵀ packed 4 k at a time, then 2
  { a: [7, 10], b: [7, 16], transposeA: true, transposeB: false }, // a 6-row block and a single row, Aᵀ
  { a: [33, 17], b: [17, 11], transposeA: false, transposeB: false }, // remainder rows and columns
  { a: [1, 3], b: [3, 1], transposeA: false, transposeB: false },
  { a: [256, 8, 8], b: [256, 8, 8], transposeA: false, transposeB: true }, // attention scores
  { a: [2, 0, 4], b: [2, 4, 3], transposeA: false, transposeB: false }, // empty
];

/** gemm calls so far on the wasm backend's native kernels (the test fails if they did not load). */
function gemmCalls(): number {
  const native = nativeKernels(tf.findBackend('wasm') as BackendWasm);
  assert.ok(native, 'the native kernels loaded');
  return native.callCount('gemm');
}

describe('wasm BatchMatMul and _FusedMatMul (native gemm)', () => {
  before(ensureWasm);
  after(leaveOnWasm);

  it('wraps the stock kernel on wasm only', () => {
    assert.ok(replacedStockKernel('BatchMatMul'), 'the stock kernel was found and wrapped');
    assert.notStrictEqual(tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc, replacedStockKernel('BatchMatMul')?.kernelFunc);
    assert.strictEqual(tf.getKernel('BatchMatMul', 'cpu')?.backendName, 'cpu');
  });

  for (const c of CASES) {
    it(`agrees with cpu: [${c.a}]${c.transposeA ? 'ᵀ' : ''} · [${c.b}]${c.transposeB ? 'ᵀ' : ''}`, async () => {
      const before = gemmCalls();
      const err = await wasmVsCpu(() => tf.matMul(randomTensor(c.a, 1), randomTensor(c.b, 2), c.transposeA, c.transposeB));
      assert.ok(err <= TOLERANCE, `relative error ${err}`);
      if (!c.a.includes(0)) assert.strictEqual(gemmCalls(), before + 1, 'the native gemm ran');
    });
  }

  for (const activation of ['linear', 'relu', 'elu'] as const) {
    it(`_FusedMatMul with a bias and ${activation} agrees with cpu, values and gradients`, async () => {
      const before = gemmCalls();
      const err = await wasmVsCpu(() => {
        const f = (x: tf.Tensor, w: tf.Tensor, bias: tf.Tensor) => tf.sum(tf.mul(tf.fused.matMul({ a: x, b: w, bias, activation }), randomTensor([37, 21], 9)));
        const [x, w, bias] = [randomTensor([37, 29], 10), randomTensor([29, 21], 11), randomTensor([21], 12)];
        return [tf.fused.matMul({ a: x, b: w, bias, activation }), ...tf.grads(f)([x, w, bias])];
      });
      assert.ok(err <= TOLERANCE, `relative error ${err}`);
      // elu is left to the stock kernel; its gradient products still run natively.
      assert.ok(gemmCalls() >= before + (activation === 'elu' ? 2 : 3), 'the native gemm ran');
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
