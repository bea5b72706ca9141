// The native binary element-wise kernels (src/trainer/backend/wasmKernels/binary.ts,
// native/assembly/elementwise.ts): values and gradients against the cpu
// backend, bit-identity with the stock wasm kernels they replace (special
// values and NaN payloads included), call counts proving the native path ran,
// and the cases that must still go to the stock kernel.

import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { nativeKernels, nativeKernelsError, type NativeKernels } from '../../../src/trainer/backend/native/module';
import { replacedStockKernel } from '../../../src/trainer/backend/wasmKernels';
import { BinaryMode, binaryPlan, NATIVE_BINARY_FUNCTIONS } from '../../../src/trainer/backend/wasmKernels/binary';
import { ensureWasm, leaveOnWasm, randomTensor, randomValues, wasmVsCpu } from './helpers';

const TOLERANCE = 1e-5;
const OPS = Object.keys(NATIVE_BINARY_FUNCTIONS);

function native(): NativeKernels {
  const kernels = nativeKernels(tf.findBackend('wasm') as BackendWasm);
  assert.ok(kernels, `native kernels loaded (${nativeKernelsError()})`);
  return kernels;
}

/** Native calls of every binary function made while `body` runs. */
async function nativeCallsDuring<T>(body: () => Promise<T>): Promise<{ result: T; calls: number }> {
  const kernels = native();
  const count = () => Object.values(NATIVE_BINARY_FUNCTIONS).reduce((n, f) => n + kernels.callCount(f), 0);
  const before = count();
  const result = await body();
  return { result, calls: count() - before };
}

function run(op: string, a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.engine().runKernel(op, { a, b }) as tf.Tensor;
}

/** The broadcasts the native path takes, each in both operand orders below. */
const NATIVE_SHAPES: { name: string; a: number[]; b: number[] }[] = [
  { name: 'same shape, odd size', a: [5, 7], b: [5, 7] },
  { name: 'scalar (attention scale)', a: [3, 4, 8, 8], b: [] },
  { name: 'size-1 tensor of another rank', a: [2, 9, 3], b: [1] },
  { name: 'bias row [N] (odd N)', a: [33, 19], b: [19] },
  { name: 'suffix with leading 1s', a: [2, 3, 20], b: [1, 1, 20] },
  { name: 'suffix of two axes', a: [4, 8, 32], b: [8, 32] },
  { name: 'leading axes then 1 (layer norm)', a: [6, 5, 35], b: [6, 5, 1] },
  { name: 'leading axis then two 1s', a: [3, 4, 5], b: [3, 1, 1] },
  { name: 'batch 1, one column', a: [1, 7], b: [1, 1] },
  { name: 'same size, different rank', a: [1, 6], b: [6] },
];

describe('native wasm binary element-wise kernels', () => {
  before(ensureWasm);
  after(leaveOnWasm);

  for (const op of OPS) {
    for (const s of NATIVE_SHAPES) {
      for (const [aShape, bShape] of [
        [s.a, s.b],
        [s.b, s.a],
      ]) {
        it(`${op} [${aShape}] × [${bShape}] (${s.name}): values and gradients agree with cpu, natively`, async () => {
          const { result: err, calls } = await nativeCallsDuring(() =>
            wasmVsCpu(() => {
              const a = randomTensor(aShape, 1);
              // Divisors kept away from 0 so the gradient is well conditioned.
              const b = op === 'RealDiv' ? tf.add(tf.abs(randomTensor(bShape, 2)), 0.5) : randomTensor(bShape, 2);
              const outShape = tf.backend_util.assertAndGetBroadcastShape(aShape, bShape);
              const r = randomTensor(outShape, 3);
              // tfjs's SquaredDifference gradient does not reduce broadcast axes (on any backend).
              if (op === 'SquaredDifference' && !(aShape.length === bShape.length && aShape.every((d, i) => d === bShape[i]))) return run(op, a, b);
              const f = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(run(op, x, y), r));
              const [da, db] = tf.grads(f)([a, b]);
              return [run(op, a, b), da, db];
            }),
          );
          assert.ok(err <= TOLERANCE, `relative error ${err}`);
          assert.ok(calls >= 1, 'native kernels ran');
          // And this op itself, exactly once, took the native path.
          await tf.setBackend('wasm');
          const a = randomTensor(aShape, 1);
          const b = randomTensor(bShape, 2);
          const name = NATIVE_BINARY_FUNCTIONS[op];
          const before = native().callCount(name);
          tf.dispose(run(op, a, b));
          assert.strictEqual(native().callCount(name) - before, 1, `${name} called`);
          tf.dispose([a, b]);
        });
      }
    }
  }

  // Both operands carry specials at every position against every other one:
  // NaNs with distinct payloads and signs (which NaN comes out depends on the
  // operand order), ±Inf, ±0, subnormals, the largest floats.
  const SPECIAL_BITS = [
    0x7fc000aa, 0xffc000bb, 0x7fc00000, 0x7f800000, 0xff800000, 0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x007fffff, 0x7f7fffff, 0xff7fffff, 0x3f800000,
    0xbfc00000, 0x00800000, 0x4b000001,
  ];
  const specials = (n: number, shift: number) => {
    const bits = new Uint32Array(n);
    for (let i = 0; i < n; i++) bits[i] = SPECIAL_BITS[(i + Math.floor(i / SPECIAL_BITS.length) * shift) % SPECIAL_BITS.length];
    return new Float32Array(bits.buffer);
  };
  const BIT_SHAPES: [number[], number[]][] = [
    [
      [16, 16],
      [16, 16],
    ],
    [
      [7, 37],
      [7, 37],
    ],
    [[9, 16], []],
    [[5, 16], [16]],
    [
      [16, 21],
      [16, 1],
    ],
    [[1], [1]],
    [[], []],
    [[1, 1], [1]],
  ];
  for (const op of OPS) {
    it(`${op}: bit-identical to the stock wasm kernel on NaN payloads, ±Inf, ±0, subnormals, both operand orders`, async () => {
      await tf.setBackend('wasm');
      const backend = tf.backend();
      const stock = replacedStockKernel(op);
      assert.ok(stock, `stock ${op} remembered`);
      const { calls } = await nativeCallsDuring(async () => {
        for (const [x, y] of BIT_SHAPES) {
          for (const [aShape, bShape] of [
            [x, y],
            [y, x],
          ]) {
            const a = tf.tensor(specials(tf.util.sizeFromShape(aShape), 1), aShape);
            const b = tf.tensor(specials(tf.util.sizeFromShape(bShape), 3), bShape);
            const ours = run(op, a, b);
            const theirs = tf.engine().makeTensorFromTensorInfo(stock.kernelFunc({ inputs: { a, b }, backend, attrs: {} }) as tf.TensorInfo);
            assert.deepStrictEqual(ours.shape, theirs.shape);
            const oursBits = Array.from(new Uint32Array(Float32Array.from(ours.dataSync()).buffer));
            const theirBits = Array.from(new Uint32Array(Float32Array.from(theirs.dataSync()).buffer));
            assert.deepStrictEqual(oursBits, theirBits, `[${aShape}] × [${bShape}]`);
            tf.dispose([a, b, ours, theirs]);
          }
        }
      });
      assert.strictEqual(calls, BIT_SHAPES.length * 2);
    });
  }

  it('int32 operands and other broadcasts go to the stock kernel and stay exact', async () => {
    // Inputs made in JS, not by ops: only the kernels under test may count as calls.
    const ints = (shape: number[], seed: number) =>
      tf.tensor(
        Int32Array.from(randomValues(tf.util.sizeFromShape(shape), seed), (v) => Math.round(v * 1000)),
        shape,
        'int32',
      );
    const positive = (shape: number[], seed: number) =>
      tf.tensor(
        randomValues(tf.util.sizeFromShape(shape), seed).map((v) => Math.abs(v) + 0.5),
        shape,
      );
    const { result: err, calls } = await nativeCallsDuring(() =>
      wasmVsCpu(() => {
        const outs: tf.Tensor[] = [];
        for (const op of ['Add', 'Sub', 'Multiply', 'SquaredDifference']) {
          const r = run(op, ints([5, 7], 1), ints([7], 2));
          assert.strictEqual(r.dtype, 'int32');
          outs.push(r);
        }
        for (const op of OPS) {
          outs.push(run(op, randomTensor([3, 1], 4), positive([1, 4], 5))); // both broadcast
          outs.push(run(op, randomTensor([8, 1], 6), positive([4, 8, 6], 7))); // a middle axis
        }
        return outs;
      }),
    );
    assert.ok(err <= TOLERANCE, `relative error ${err}`);
    assert.strictEqual(calls, 0, 'no native call');
  });

  it("int32 results are exactly the stock kernel's (incl. overflow and int division)", async () => {
    await tf.setBackend('wasm');
    const a = tf.tensor([2147483647, -7, 9, 0, 100000], [5], 'int32');
    const b = tf.tensor([1, 2, -4, 5, 100000], [5], 'int32');
    const { calls } = await nativeCallsDuring(async () => {
      for (const op of OPS) {
        const ours = run(op, a, b);
        const theirs = tf
          .engine()
          .makeTensorFromTensorInfo(replacedStockKernel(op)!.kernelFunc({ inputs: { a, b }, backend: tf.backend(), attrs: {} }) as tf.TensorInfo);
        assert.strictEqual(ours.dtype, theirs.dtype, op);
        assert.deepStrictEqual(Array.from(ours.dataSync()), Array.from(theirs.dataSync()), op);
        tf.dispose([ours, theirs]);
      }
    });
    tf.dispose([a, b]);
    assert.strictEqual(calls, 0);
  });

  it('empty tensors keep their broadcast shape', async () => {
    await tf.setBackend('wasm');
    const out = tf.add(tf.zeros([0, 4]), tf.ones([4]));
    assert.deepStrictEqual(out.shape, [0, 4]);
    out.dispose();
  });

  it('binaryPlan recognises exactly the native layouts', () => {
    const plan = (a: number[], b: number[]) => {
      const p = binaryPlan(a, b);
      return p && [p.mode, p.rows, p.cols];
    };
    assert.deepStrictEqual(plan([4, 5], [4, 5]), [BinaryMode.Same, 1, 20]);
    assert.deepStrictEqual(plan([512, 32], [32]), [BinaryMode.BRow, 512, 32]);
    assert.deepStrictEqual(plan([1, 1, 10], [64, 8, 10]), [BinaryMode.ARow, 512, 10]);
    assert.deepStrictEqual(plan([64, 8, 32], [64, 8, 1]), [BinaryMode.BCol, 512, 32]);
    assert.deepStrictEqual(plan([64, 4, 8, 1], [64, 4, 8, 8]), [BinaryMode.ACol, 2048, 8]);
    assert.deepStrictEqual(plan([64, 4, 8, 8], []), [BinaryMode.BCol, 1, 16384]);
    assert.deepStrictEqual(plan([], [3, 2]), [BinaryMode.ACol, 1, 6]);
    assert.strictEqual(plan([3, 1], [1, 4]), null);
    assert.strictEqual(plan([64, 8, 32], [8, 1]), null);
    assert.strictEqual(plan([0, 4], [4]), null);
  });
});
