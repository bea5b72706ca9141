import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { ensureWasm, leaveOnWasm, randomTensor, relativeError, runOn, wasmVsCpu } from './helpers';

const TOLERANCE = 1e-5;

const CASES: { name: string; x: number[]; ids: number[]; numSegments: number }[] = [
  { name: 'rows with repeated ids', x: [6, 3], ids: [0, 2, 0, 1, 2, 2], numSegments: 3 },
  { name: 'segments that no id names stay zero', x: [4, 5], ids: [5, 1, 5, 1], numSegments: 7 },
  { name: 'rank-1 data (scalar rows)', x: [5], ids: [1, 1, 0, 1, 2], numSegments: 3 },
  { name: 'negative ids are dropped', x: [5, 2], ids: [-1, 0, 1, -3, 0], numSegments: 2 },
  { name: 'ids past numSegments are dropped', x: [4, 2], ids: [0, 4, 1, 2], numSegments: 2 },
  { name: 'no valid id at all', x: [3, 2], ids: [-1, -2, 9], numSegments: 2 },
  { name: 'a single row', x: [1, 4], ids: [2], numSegments: 3 },
];

describe('wasm UnsortedSegmentSum (composed from ScatterNd)', () => {
  before(ensureWasm);
  after(leaveOnWasm);

  it('is registered for wasm', () => {
    assert.ok(tf.getKernel('UnsortedSegmentSum', 'wasm'));
  });

  for (const c of CASES) {
    it(`agrees with cpu: ${c.name}`, async () => {
      const err = await wasmVsCpu(() => tf.unsortedSegmentSum(randomTensor(c.x, 1), tf.tensor1d(c.ids, 'int32'), c.numSegments));
      assert.ok(err <= TOLERANCE, `relative error ${err}`);
    });
  }

  // tfjs's cpu kernel cannot broadcast ids of rank > 1 (gather's gradient
  // always flattens them), so the reference is cpu on the flattened problem.
  it('handles rank-2 ids with rank-4 data like the flattened problem on cpu', async () => {
    const ids = [1, 0, 1, 3, 3, 1];
    const wasm = await runOn('wasm', () =>
      // The public op's type says rank 1; the kernel and cpu's op accept any rank.
      tf.unsortedSegmentSum(randomTensor([2, 3, 2, 2], 1), tf.tensor2d(ids, [2, 3], 'int32') as unknown as tf.Tensor1D, 4),
    );
    const cpu = await runOn('cpu', () => tf.unsortedSegmentSum(tf.reshape(randomTensor([2, 3, 2, 2], 1), [6, 2, 2]), tf.tensor1d(ids, 'int32'), 4));
    assert.deepStrictEqual(wasm.shapes[0], [4, 2, 2]);
    const err = relativeError(wasm.values[0], cpu.values[0]);
    assert.ok(err <= TOLERANCE, `relative error ${err}`);
  });

  it('sums int32 data exactly', async () => {
    const compute = () =>
      tf.unsortedSegmentSum(
        tf.tensor2d(
          [
            [1, 2],
            [3, 4],
            [5, 6],
          ],
          [3, 2],
          'int32',
        ),
        tf.tensor1d([1, 0, 1], 'int32'),
        2,
      );
    const wasm = await runOn('wasm', compute);
    assert.deepStrictEqual(Array.from(wasm.values[0]), [3, 4, 6, 8]);
  });

  it('the gradient of gather (an Embedding lookup) agrees with cpu', async () => {
    const err = await wasmVsCpu(() => {
      const table = randomTensor([10, 4], 2);
      const ids = tf.tensor2d(
        [
          [1, 3, 3, 9],
          [0, 1, 1, 1],
        ],
        [2, 4],
        'int32',
      );
      const loss = (t: tf.Tensor) => {
        const y = tf.gather(t, ids);
        return tf.sum(tf.mul(y, randomTensor(y.shape, 3)));
      };
      return tf.grad(loss)(table);
    });
    assert.ok(err <= TOLERANCE, `relative error ${err}`);
  });

  it('frees its intermediates, in the all-valid and the filtered path', async () => {
    await ensureWasm();
    await tf.setBackend('wasm');
    const x = randomTensor([6, 3], 4);
    const valid = tf.tensor1d([0, 1, 1, 2, 0, 2], 'int32');
    const someInvalid = tf.tensor1d([0, -1, 1, 7, 0, 2], 'int32');
    const run = () => tf.dispose([tf.unsortedSegmentSum(x, valid, 3), tf.unsortedSegmentSum(x, someInvalid, 3)]);
    run();
    const before = tf.engine().backend.numDataIds();
    for (let i = 0; i < 5; i++) run();
    assert.strictEqual(tf.engine().backend.numDataIds(), before);
    tf.dispose([x, valid, someInvalid]);
  });
});
