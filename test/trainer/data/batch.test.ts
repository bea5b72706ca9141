import * as assert from 'assert';
import * as fc from 'fast-check';
import { BatchSource, type Split } from '../../../src/trainer/data';

/** A split whose sample i has every input value i + 0.5·j and target [i, -i] (so x and y can be matched). */
function traceableSplit(count: number, sampleSize: number): Split {
  const x = new Float32Array(count * sampleSize);
  const y = new Float32Array(count * 2);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < sampleSize; j++) x[i * sampleSize + j] = i + 0.5 * j;
    y[2 * i] = i;
    y[2 * i + 1] = -i;
  }
  return { x, y, count };
}

function epochIds(source: BatchSource, epoch: number, sampleSize: number): number[] {
  const ids: number[] = [];
  for (let b = 0; b < source.batchesPerEpoch; b++) {
    const batch = source.batch(epoch, b);
    for (let i = 0; i < batch.size; i++) {
      const id = batch.x[i * sampleSize];
      for (let j = 0; j < sampleSize; j++) assert.strictEqual(batch.x[i * sampleSize + j], id + 0.5 * j);
      assert.strictEqual(batch.y[2 * i], id);
      assert.strictEqual(batch.y[2 * i + 1], -id);
      ids.push(id);
    }
  }
  return ids;
}

describe('BatchSource', () => {
  it('visits every sample exactly once per epoch, with x and y kept together (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 150 }),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.boolean(),
        (count, batchSize, seed, epoch, shuffle) => {
          const source = new BatchSource(traceableSplit(count, 3), [3, 1], [2], batchSize, { shuffle, seed });
          assert.strictEqual(source.batchesPerEpoch, Math.ceil(count / batchSize));
          const ids = epochIds(source, epoch, 3);
          assert.deepStrictEqual(
            [...ids].sort((a, b) => a - b),
            Array.from({ length: count }, (_, i) => i),
          );
          if (!shuffle)
            assert.deepStrictEqual(
              ids,
              Array.from({ length: count }, (_, i) => i),
            );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('gives the same order for the same (seed, epoch), whatever was asked before', () => {
    const split = traceableSplit(100, 2);
    const a = new BatchSource(split, [2], [2], 16, { shuffle: true, seed: 42 });
    const b = new BatchSource(split, [2], [2], 16, { shuffle: true, seed: 42 });
    const epoch3 = epochIds(a, 3, 2);
    epochIds(b, 0, 2);
    epochIds(b, 7, 2);
    assert.deepStrictEqual(epochIds(b, 3, 2), epoch3);
    // Replaying one batch out of order ("step back") gives the same batch.
    const batch5 = a.batch(3, 5);
    a.batch(4, 0);
    assert.deepStrictEqual(a.batch(3, 5), batch5);
    assert.notDeepStrictEqual(epochIds(a, 4, 2), epoch3);
    const otherSeed = new BatchSource(split, [2], [2], 16, { shuffle: true, seed: 43 });
    assert.notDeepStrictEqual(epochIds(otherSeed, 3, 2), epoch3);
  });

  it('makes the last batch smaller and returns copies', () => {
    const split = traceableSplit(10, 1);
    for (const shuffle of [false, true]) {
      const source = new BatchSource(split, [1], [2], 4, { shuffle, seed: 1 });
      assert.strictEqual(source.batchesPerEpoch, 3);
      assert.deepStrictEqual(
        [0, 1, 2].map((b) => source.batch(0, b).size),
        [4, 4, 2],
      );
      const last = source.batch(0, 2);
      assert.strictEqual(last.x.length, 2);
      assert.strictEqual(last.y.length, 4);
      last.x[0] = 999;
      assert.ok(!split.x.includes(999), 'batch shares memory with the split');
    }
  });

  it('rejects bad indices and inconsistent splits', () => {
    const source = new BatchSource(traceableSplit(10, 1), [1], [2], 4, { shuffle: true, seed: 1 });
    assert.throws(() => source.batch(0, 3), RangeError);
    assert.throws(() => source.batch(0, -1), RangeError);
    assert.throws(() => source.batch(-1, 0), RangeError);
    assert.throws(() => new BatchSource(traceableSplit(10, 1), [2], [2], 4, { shuffle: true, seed: 1 }), /x has 10 values for shape \[2\]/);
    assert.throws(() => new BatchSource(traceableSplit(10, 1), [1], [2], 0, { shuffle: true, seed: 1 }), RangeError);
  });
});
