import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { loadData, type DataSpec } from '../../../src/trainer/data';
import { expectUserError, makeTempDir, removeDir, writeFile, writeMiniMnist } from './helpers';

// CSV with 100 rows: feature `id` = row index, `twice` = 2·id, label = id % 4,
// so every sample can be traced back to its row after shuffling.
function traceableCsv(dir: string, rows = 100, name = 'rows.csv'): string {
  const lines = ['id,twice,label'];
  for (let i = 0; i < rows; i++) lines.push(`${i},${2 * i},${i % 4}`);
  return writeFile(dir, name, `${lines.join('\n')}\n`);
}

describe('data pipeline (split, caps, normalisation, paths)', () => {
  let dir: string;
  let specFile: string;
  beforeEach(() => {
    dir = makeTempDir();
    specFile = path.join(dir, 'model.nn.json');
    traceableCsv(dir);
  });
  afterEach(() => removeDir(dir));

  const csv = (extra: Partial<DataSpec>, seed = 1) =>
    loadData({ source: 'csv', path: 'rows.csv', label: 'label', normalize: 'none', ...extra } as DataSpec, { specFile, seed });

  const ids = (x: Float32Array) => Array.from({ length: x.length / 2 }, (_, i) => x[2 * i]);

  it('holds out a seeded validation split: disjoint, complete, pairs intact, deterministic', async () => {
    const data = await csv({ validationSplit: 0.25 });
    assert.strictEqual(data.train.count, 75);
    assert.strictEqual(data.validation?.count, 25);
    const all = [...ids(data.train.x), ...ids(data.validation!.x)].sort((a, b) => a - b);
    assert.deepStrictEqual(
      all,
      Array.from({ length: 100 }, (_, i) => i),
    );
    for (const split of [data.train, data.validation!]) {
      for (let i = 0; i < split.count; i++) {
        assert.strictEqual(split.x[2 * i + 1], 2 * split.x[2 * i]);
        assert.strictEqual(split.y[i], split.x[2 * i] % 4);
      }
    }
    const validationIds = ids(data.validation!.x);
    assert.notDeepStrictEqual(
      validationIds,
      Array.from({ length: 25 }, (_, i) => 75 + i),
      'not shuffled',
    );
    assert.deepStrictEqual(ids((await csv({ validationSplit: 0.25 })).validation!.x), validationIds);
    assert.notDeepStrictEqual(ids((await csv({ validationSplit: 0.25 }, 2)).validation!.x), validationIds);
    assert.match(data.description, /: 100 train \(75 \+ 25 validation\) \/ no test set$/);
  });

  it('trainSamples keeps the full validation split and takes the first N of the rest', async () => {
    const full = await csv({ validationSplit: 0.2 });
    const capped = await csv({ validationSplit: 0.2, trainSamples: 10 });
    assert.strictEqual(capped.train.count, 10);
    assert.strictEqual(capped.validation?.count, 20);
    assert.deepStrictEqual(ids(capped.train.x), ids(full.train.x).slice(0, 10));
    assert.deepStrictEqual(ids(capped.validation!.x), ids(full.validation!.x));
    assert.match(capped.description, /100 train \(10 used \+ 20 validation\)/);
    const more = await csv({ trainSamples: 500 });
    assert.strictEqual(more.train.count, 100);
    assert.match(more.description, /100 train \(all 100 used, fewer than trainSamples 500\)/);
  });

  it('testSamples takes a seeded subset of the test set; 0 drops it', async () => {
    traceableCsv(dir, 40, 'test.csv');
    const capped = await csv({ testPath: 'test.csv', testSamples: 10 });
    assert.strictEqual(capped.test?.count, 10);
    const testIds = ids(capped.test!.x);
    assert.strictEqual(new Set(testIds).size, 10);
    testIds.forEach((id, i) => assert.strictEqual(capped.test!.y[i], id % 4));
    assert.match(capped.description, /\/ 40 test \(10 used\)/);
    assert.strictEqual((await csv({ testPath: 'test.csv', testSamples: 0 })).test, null);
    assert.deepStrictEqual(
      ids((await csv({ testPath: 'test.csv' })).test!.x),
      Array.from({ length: 40 }, (_, i) => i),
    );
  });

  it('standardize uses train-split statistics for validation and test too', async () => {
    traceableCsv(dir, 40, 'test.csv');
    const raw = await csv({ validationSplit: 0.3, testPath: 'test.csv' });
    const norm = await csv({ validationSplit: 0.3, testPath: 'test.csv', normalize: 'standardize' });
    const trainIds = ids(raw.train.x);
    const mean = trainIds.reduce((a, b) => a + b, 0) / trainIds.length;
    const std = Math.sqrt(trainIds.reduce((a, b) => a + (b - mean) ** 2, 0) / trainIds.length);
    const check = (rawSplit: Float32Array, normSplit: Float32Array) =>
      ids(rawSplit).forEach((id, i) => {
        assert.ok(Math.abs(normSplit[2 * i] - (id - mean) / std) < 1e-5);
        assert.ok(Math.abs(normSplit[2 * i + 1] - (2 * id - 2 * mean) / (2 * std)) < 1e-5);
      });
    check(raw.train.x, norm.train.x);
    check(raw.validation!.x, norm.validation!.x);
    check(raw.test!.x, norm.test!.x);
  });

  it('scale maps non-image features to [0, 1] with the train min and max', async () => {
    const data = await csv({ normalize: 'scale', validationSplit: 0.5 });
    const trainIds = ids((await csv({ validationSplit: 0.5 })).train.x);
    const min = Math.min(...trainIds);
    const max = Math.max(...trainIds);
    ids(data.train.x).forEach((v) => assert.ok(v >= 0 && v <= 1));
    assert.ok(ids(data.train.x).includes(0) && ids(data.train.x).includes(1));
    ids((await csv({ validationSplit: 0.5 })).validation!.x).forEach((id, i) =>
      assert.ok(Math.abs(data.validation!.x[2 * i] - (id - min) / (max - min)) < 1e-6),
    );
    assert.match(data.description, /min–max scaled to \[0, 1\] on the train split/);
  });

  it('standardizes images per channel', async () => {
    writeMiniMnist(dir, [0, 1, 2, 3, 4, 5, 6, 7], [1, 2]);
    const data = await loadData({ source: 'mnist', path: '.', normalize: 'standardize' }, { specFile, seed: 1 });
    const x = data.train.x;
    const mean = x.reduce((a, b) => a + b, 0) / x.length;
    const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length;
    assert.ok(Math.abs(mean) < 1e-5 && Math.abs(variance - 1) < 1e-4, `mean ${mean} variance ${variance}`);
  });

  it('rejects out-of-range common options with their field', async () => {
    const cases: [Partial<DataSpec>, string, RegExp][] = [
      [{ validationSplit: 1 }, 'data.validationSplit', /must be at least 0 and less than 1 .* but it is 1/],
      [{ validationSplit: -0.1 }, 'data.validationSplit', /but it is -0\.1/],
      [{ validationSplit: 0.999 }, 'data.validationSplit', /holding out 0\.999 of 100 samples leaves none for training/],
      [{ trainSamples: 0 }, 'data.trainSamples', /must be an integer ≥ 1, but it is 0/],
      [{ testSamples: -1 }, 'data.testSamples', /must be an integer ≥ 0 \(0 = no test set\), but it is -1/],
      [{ normalize: 'minmax' as 'scale' }, 'data.normalize', /must be one of "none", "scale", "standardize"/],
      [{ source: 'parquet' } as unknown as Partial<DataSpec>, 'data.source', /unknown data source "parquet"/],
    ];
    for (const [extra, field, message] of cases) {
      await expectUserError(() => csv(extra), { file: specFile, field, message });
    }
    await expectUserError(() => loadData({ source: 'synthetic', dataset: 'token-sort', normalize: 'standardize' }, { specFile, seed: 1 }), {
      field: 'data.normalize',
      message: /token ids .* cannot be normalized/,
    });
  });

  describe('dataRoot (untrusted workspace)', () => {
    let outside: string;
    beforeEach(() => {
      outside = makeTempDir('nd-outside-');
      traceableCsv(outside, 10, 'secret.csv');
    });
    afterEach(() => removeDir(outside));

    it('allows paths inside the root and refuses paths and symlinks leading outside', async () => {
      const ctx = { specFile, seed: 1, dataRoot: dir };
      const inside = await loadData({ source: 'csv', path: 'rows.csv', label: 'label' }, ctx);
      assert.strictEqual(inside.train.count, 100);
      const message = new RegExp(`outside the workspace folder ${dir}; data paths must stay inside it in an untrusted workspace`);
      await expectUserError(() => loadData({ source: 'csv', path: path.join(outside, 'secret.csv'), label: 'label' }, ctx), {
        file: specFile,
        field: 'data.path',
        message,
      });
      await expectUserError(() => loadData({ source: 'csv', path: '../x/../../etc/passwd', label: 'label' }, ctx), { field: 'data.path', message });
      fs.symlinkSync(outside, path.join(dir, 'link'));
      await expectUserError(() => loadData({ source: 'csv', path: 'link/secret.csv', label: 'label' }, ctx), { field: 'data.path', message });
      await expectUserError(() => loadData({ source: 'csv', path: 'rows.csv', testPath: path.join(outside, 'secret.csv'), label: 'label' }, ctx), {
        field: 'data.testPath',
        message,
      });
      await expectUserError(() => loadData({ source: 'cifar10', path: outside }, ctx), { field: 'data.path', message });
      // A root given through a symlink still contains its files, existing or not.
      const linkedRoot = path.join(outside, 'root-link');
      fs.symlinkSync(dir, linkedRoot);
      const linkedCtx = { specFile: path.join(linkedRoot, 'model.nn.json'), seed: 1, dataRoot: linkedRoot };
      assert.strictEqual((await loadData({ source: 'csv', path: 'rows.csv', label: 'label' }, linkedCtx)).train.count, 100);
      await expectUserError(() => loadData({ source: 'csv', path: 'sub/missing.csv', label: 'label' }, linkedCtx), {
        field: 'data.path',
        message: /missing\.csv does not exist/,
      });
      // The bundled MNIST (no data.path) is not user data and stays allowed.
      const mnist = await loadData({ source: 'mnist', trainSamples: 10, testSamples: 10 }, ctx);
      assert.strictEqual(mnist.train.count, 10);
    });
  });
});
