import * as assert from 'assert';
import * as path from 'path';
import { loadData, type DataSpec } from '../../../src/trainer/data';
import { inputShapeFix } from '../../../src/trainer/data/inputShape';
import { expectUserError, makeTempDir, removeDir, writeFile } from './helpers';

describe('data.inputShape', () => {
  let dir: string;
  beforeEach(() => (dir = makeTempDir()));
  afterEach(() => removeDir(dir));

  it('reshapes flat CSV rows, keeping per-feature statistics, and refuses a shape of another size', async () => {
    const header = [...Array.from({ length: 12 }, (_, i) => `p${i}`), 'label'].join(',');
    const rows = Array.from({ length: 4 }, (_, r) => [...Array.from({ length: 12 }, (_, i) => r * 12 + i), r % 2].join(','));
    writeFile(dir, 'pixels.csv', `${header}\n${rows.join('\n')}\n`);
    const specFile = path.join(dir, 'model.nn.json');
    const spec = { source: 'csv', path: 'pixels.csv', label: 'label', normalize: 'none' } as DataSpec;
    const data = await loadData({ ...spec, inputShape: [2, 2, 3] }, { specFile, seed: 1 });
    assert.deepStrictEqual(data.inputShape, [2, 2, 3]);
    assert.strictEqual(data.train.x.length, 4 * 12);
    const flat = await loadData(spec, { specFile, seed: 1 });
    assert.deepStrictEqual([...data.train.x], [...flat.train.x]);
    await expectUserError(() => loadData({ ...spec, inputShape: [32, 32, 3] }, { specFile, seed: 1 }), {
      file: specFile,
      field: 'data.inputShape',
      message: /^\[32, 32, 3\] holds 3072 values, but each sample has 12 \(\[12\]\); the shape must hold exactly 12/,
    });
  });

  it('is what a model input of the same size but another shape is told to set', () => {
    assert.strictEqual(inputShapeFix([32, 32, 3], [3072]), 'set data.inputShape to [32, 32, 3] to reshape each sample of [3072]');
    assert.strictEqual(inputShapeFix([28, 28, 1], [3072]), null);
    assert.strictEqual(inputShapeFix([null, 3], [6]), null);
  });
});
