import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { ensureWasm, leaveOnWasm, randomTensor, wasmVsCpu } from './helpers';

describe('wasm Identity (shares data instead of copying)', () => {
  before(ensureWasm);
  after(leaveOnWasm);

  it('a clone shares its source data, and each stays valid when the other is disposed', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as BackendWasm;
    const x = randomTensor([5, 7], 1);
    const expected = Array.from(x.dataSync());
    const ids = backend.numDataIds();
    const copy = x.clone();
    assert.strictEqual(copy.dataId, x.dataId);
    assert.strictEqual(backend.numDataIds(), ids, 'no new buffer');
    assert.strictEqual(backend.refCount(x.dataId), 2);
    x.dispose();
    assert.deepStrictEqual(Array.from(copy.dataSync()), expected);
    copy.dispose();
    assert.strictEqual(backend.numDataIds(), ids - 1, 'freed with the last reference');
  });

  it('gradients through saved tensors agree with cpu (the tape clones via Identity)', async () => {
    const err = await wasmVsCpu(() => {
      const f = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.exp(tf.matMul(a, b)), tf.sigmoid(a).sum()));
      return tf.grads(f)([randomTensor([4, 3], 2), randomTensor([3, 2], 3)]);
    });
    assert.ok(err <= 1e-5, `relative error ${err}`);
  });

  it('keeps strings on the stock path', async () => {
    await tf.setBackend('wasm');
    const s = tf.tensor(['a', 'b']);
    assert.deepStrictEqual(s.clone().dataSync(), ['a', 'b']);
  });
});
