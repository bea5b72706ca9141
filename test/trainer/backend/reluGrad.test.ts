// The one-pass ReLU gradient on wasm ('NeuralReluGrad', wasmKernels/reluGrad.ts)
// against tfjs' own composition on cpu: the same bits, NaN, ±Inf and −0
// included, with the call count proving the native kernel ran; and the
// composition still runs where the kernel does not apply.

import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { nativeKernels } from '../../../src/trainer/backend/native/module';
import { ensureWasm, leaveOnWasm, randomValues, relativeError, runOn } from './helpers';

function reluCalls(): number {
  const native = nativeKernels(tf.findBackend('wasm') as BackendWasm);
  assert.ok(native, 'the native kernels loaded');
  return native.callCount('reluGrad');
}

/** Bits of each value, so −0 ≠ 0 and every NaN is one value. */
function bits(values: Float32Array): string[] {
  return Array.from(values, (v) => (Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : String(v)));
}

describe('wasm ReLU gradient (one native pass)', () => {
  before(ensureWasm);
  after(leaveOnWasm);

  it("gives the bits of tfjs' dy · step(x) on cpu, special values and a size that is not a multiple of 4 included", async () => {
    const size = 4 * 257 + 3;
    const x = randomValues(size, 1);
    const dy = randomValues(size, 2);
    // Special values in the SIMD part and in the scalar tail.
    const specials: [number, number][] = [
      [NaN, 1],
      [-1, Infinity],
      [0, NaN],
      [-0, -3],
      [2, -Infinity],
      [Infinity, 6],
      [-Infinity, 7],
      [0, -5],
    ];
    specials.forEach(([xv, dv], i) => {
      x[i] = xv;
      dy[i] = dv;
      x[size - 1 - i] = xv;
      dy[size - 1 - i] = dv;
    });
    const compute = () => tf.grad((t: tf.Tensor) => tf.relu(t).mul(tf.tensor(dy)).sum())(tf.tensor(x));
    const before = reluCalls();
    const wasm = await runOn('wasm', compute);
    assert.equal(reluCalls() - before, 1, 'the native kernel ran once');
    const cpu = await runOn('cpu', compute);
    assert.deepEqual(bits(wasm.values[0]), bits(cpu.values[0]));
  });

  it('gives a conv layer with ReLU the gradients it has on cpu', async () => {
    // d/dW Σ relu(conv(x, W) + b)²: the ReLU gradient between two native kernels.
    const compute = () => {
      const x = tf.tensor(randomValues(2 * 6 * 6 * 3, 3), [2, 6, 6, 3]) as tf.Tensor4D;
      const b = tf.tensor(randomValues(4, 5), [4]);
      const loss = (w: tf.Tensor) =>
        tf
          .relu(tf.add(tf.conv2d(x, w as tf.Tensor4D, 1, 'same'), b))
          .square()
          .sum();
      return tf.grads(loss)([tf.tensor(randomValues(3 * 3 * 3 * 4, 4), [3, 3, 3, 4])]);
    };
    const before = reluCalls();
    const wasm = await runOn('wasm', compute);
    assert.equal(reluCalls() - before, 1, 'the native kernel ran once');
    const cpu = await runOn('cpu', compute);
    const err = relativeError(wasm.values[0], cpu.values[0]);
    assert.ok(err <= 1e-5, `relative error ${err}`);
  });

  it("keeps tfjs' composition for int32 tensors", async () => {
    const before = reluCalls();
    const out = await runOn('wasm', () => tf.grad((t: tf.Tensor) => tf.relu(t).sum())(tf.tensor([-2, 0, 3], [3], 'int32')));
    assert.equal(reluCalls(), before, 'no native call for int32');
    assert.deepEqual(Array.from(out.values[0]), [0, 0, 1]);
  });
});
