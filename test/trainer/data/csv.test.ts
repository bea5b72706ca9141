import * as assert from 'assert';
import * as path from 'path';
import { loadData, type DataSpec } from '../../../src/trainer/data';
import { parseCsv } from '../../../src/trainer/data/csvParse';
import { expectUserError, makeTempDir, removeDir, writeFile } from './helpers';

describe('CSV loader', () => {
  let dir: string;
  let specFile: string;
  beforeEach(() => {
    dir = makeTempDir();
    specFile = path.join(dir, 'model.nn.json');
  });
  afterEach(() => removeDir(dir));

  const load = (spec: Partial<DataSpec> & { path: string }, seed = 1) =>
    loadData({ source: 'csv', label: 'label', normalize: 'none', ...spec } as DataSpec, { specFile, seed });

  describe('tokenizer', () => {
    it('handles quotes, doubled quotes, line breaks in quotes, CRLF, blank lines and positions', () => {
      const rows = parseCsv('a,"b,c",d\r\n\r\n1,"say ""hi""","x\ny"\n  2 ,3,\n', 'f.csv');
      assert.deepStrictEqual(
        rows.map((r) => r.cells),
        [
          ['a', 'b,c', 'd'],
          ['1', 'say "hi"', 'x\ny'],
          ['  2 ', '3', ''],
        ],
      );
      assert.deepStrictEqual(rows[1].lines, [3, 3, 3]);
      assert.deepStrictEqual(rows[1].columns, [1, 3, 16]);
      assert.deepStrictEqual(rows[2].lines, [5, 5, 5]);
      assert.deepStrictEqual(rows[2].columns, [1, 6, 8]);
    });

    it('detects semicolon and tab delimiters from the header line', () => {
      assert.deepStrictEqual(parseCsv('a;b\n1,5;2\n', 'f.csv')[1].cells, ['1,5', '2']);
      assert.deepStrictEqual(parseCsv('a\tb\n1\t2\n', 'f.csv')[1].cells, ['1', '2']);
    });
  });

  it('loads classification data with string labels mapped in sorted order', async () => {
    const file = writeFile(dir, 'iris.csv', 'sepal,petal,label\n5.1,1.4,setosa\n7.0,4.7,versicolor\n6.3,6.0,virginica\n4.9,1.5,setosa\n');
    const data = await load({ path: 'iris.csv' });
    assert.deepStrictEqual(data.classNames, ['setosa', 'versicolor', 'virginica']);
    assert.deepStrictEqual(data.target, { kind: 'class', numClasses: 3, shape: [] });
    assert.deepStrictEqual(data.inputShape, [2]);
    assert.strictEqual(data.train.count, 4);
    assert.strictEqual(data.test, null);
    const rows = new Map([
      [5.1, 0],
      [7.0, 1],
      [6.3, 2],
      [4.9, 0],
    ]);
    for (let i = 0; i < 4; i++) assert.strictEqual(data.train.y[i], rows.get(Math.round(data.train.x[2 * i] * 10) / 10));
    assert.match(
      data.description,
      new RegExp(`CSV ${file.replace(/[.]/g, '\\.')}: 2 features, label "label" \\(classification, 3 classes; task inferred from labels are not all numbers`),
    );
  });

  it('sorts integer labels numerically and reads a test file with reordered columns', async () => {
    writeFile(dir, 'train.csv', 'x,label\n1,10\n2,2\n3,10\n4,1\n');
    writeFile(dir, 'test.csv', 'label,x\n2,5\n1,6\n');
    const data = await load({ path: 'train.csv', testPath: 'test.csv' });
    assert.deepStrictEqual(data.classNames, ['1', '2', '10']);
    assert.strictEqual(data.test?.count, 2);
    assert.deepStrictEqual(Array.from(data.test!.x), [5, 6]);
    assert.deepStrictEqual(Array.from(data.test!.y), [1, 0]);
    for (let i = 0; i < 4; i++) assert.strictEqual(data.train.y[i], [2, 1, 2, 0][data.train.x[i] - 1]);
  });

  it('loads regression data (explicit task, or inferred from non-integer labels)', async () => {
    writeFile(dir, 'r.csv', 'a,b,label\n1,2,0.5\n3,4,1.5\n5,6,2\n');
    for (const spec of [{ path: 'r.csv' }, { path: 'r.csv', task: 'regression' as const }]) {
      const data = await load(spec);
      assert.deepStrictEqual(data.target, { kind: 'value', shape: [1] });
      assert.strictEqual(data.classNames, undefined);
      for (let i = 0; i < 3; i++) assert.strictEqual(data.train.y[i], [0.5, 1.5, 2][(data.train.x[2 * i] - 1) / 2]);
    }
    writeFile(dir, 'ints.csv', 'a,label\n1,0\n2,1\n3,1\n');
    assert.strictEqual((await load({ path: 'ints.csv' })).target.kind, 'class');
    assert.strictEqual((await load({ path: 'ints.csv', task: 'regression' })).target.kind, 'value');
  });

  it('standardizes with train statistics by default', async () => {
    writeFile(dir, 's.csv', 'a,b,label\n1,100,x\n2,100,y\n3,100,x\n4,100,y\n');
    const data = await loadData({ source: 'csv', path: 's.csv', label: 'label' }, { specFile, seed: 1 });
    const a = [0, 1, 2, 3].map((i) => data.train.x[2 * i]).sort((p, q) => p - q);
    const std = Math.sqrt(1.25);
    a.forEach((v, i) => assert.ok(Math.abs(v - (i + 1 - 2.5) / std) < 1e-6));
    // A constant column is centred, not divided by zero.
    for (let i = 0; i < 4; i++) assert.strictEqual(data.train.x[2 * i + 1], 0);
    assert.match(data.description, /standardized per feature/);
  });

  describe('errors', () => {
    const cases: { name: string; text: string; line?: number; column?: number; message: RegExp }[] = [
      {
        name: 'a row with too many cells',
        text: 'a,b,label\n1,2,x\n3,4,y,9\n',
        line: 3,
        column: 7,
        message: /this row has 4 cells, but the header has 3 columns/,
      },
      {
        name: 'a row with too few cells',
        text: 'a,b,label\n1,2,x\n3,y\n',
        line: 3,
        column: 4,
        message: /has 2 cells, but the header has 3 columns \(missing "label"\)/,
      },
      {
        name: 'a non-numeric feature',
        text: 'a,b,label\n1,2,x\n3, abc ,y\n',
        line: 3,
        column: 3,
        message: /"abc" in feature column "b" is not a number; feature columns must be numeric \(only the label column "label" may hold text\)/,
      },
      { name: 'an empty feature cell', text: 'a,b,label\n1,,x\n', line: 2, column: 3, message: /empty cell in feature column "b"/ },
      { name: 'NaN', text: 'a,b,label\n1,2,x\nNaN,2,y\n', line: 3, column: 1, message: /NaN in feature column "a" is not a finite number/ },
      { name: 'Infinity', text: 'a,b,label\n1,-inf,x\n', line: 2, column: 3, message: /-inf in feature column "b" is not a finite number/ },
      {
        name: 'a value beyond float32',
        text: 'a,b,label\n1,2,x\n1,1e39,y\n',
        line: 3,
        column: 3,
        message: /1e39 in feature column "b" is too large for a 32-bit float/,
      },
      { name: 'an empty label', text: 'a,label\n1,x\n2,\n', line: 3, column: 3, message: /empty cell in label column "label"; every row needs a label/ },
      {
        name: 'a duplicate column name',
        text: 'a,a,label\n1,2,x\n',
        line: 1,
        column: 3,
        message: /column name "a" appears twice in the header row \(columns 1 and 2\)/,
      },
      { name: 'a quote that is never closed', text: 'a,label\n1,"x\n2,y\n', line: 2, column: 3, message: /quoted cell is never closed/ },
      { name: 'a header without data rows', text: 'a,b,label\n', line: 1, column: 1, message: /header row but no data rows/ },
      { name: 'an empty file', text: '\n  \n', message: /the file is empty; expected a header row/ },
      { name: 'a single class', text: 'a,label\n1,x\n2,x\n', message: /only one value \("x"\); classification needs at least 2 classes/ },
      { name: 'only the label column', text: 'label\nx\ny\n', line: 1, column: 1, message: /the only column is the label "label"/ },
    ];
    for (const c of cases) {
      it(`reports ${c.name} with its position`, async () => {
        const file = writeFile(dir, 'bad.csv', c.text);
        await expectUserError(() => load({ path: 'bad.csv' }), { file, line: c.line, column: c.column, message: c.message });
      });
    }

    it('reports a non-numeric regression label', async () => {
      const file = writeFile(dir, 'r.csv', 'a,label\n1,0.5\n2,high\n');
      await expectUserError(() => load({ path: 'r.csv', task: 'regression' }), {
        file,
        line: 3,
        column: 3,
        message: /"high" in label column "label" is not a number; regression labels must be numbers/,
      });
    });

    it('names the existing columns when the label column is missing', async () => {
      writeFile(dir, 'd.csv', 'a,b,kind\n1,2,x\n');
      await expectUserError(() => load({ path: 'd.csv', label: 'species' }), {
        file: specFile,
        field: 'data.label',
        message: /d\.csv has no column "species"; its columns are "a", "b", "kind"/,
      });
    });

    it('reports a test file whose columns differ, and missing files', async () => {
      writeFile(dir, 'train.csv', 'a,b,label\n1,2,x\n3,4,y\n');
      const testFile = writeFile(dir, 'test.csv', 'a,c,label\n1,2,x\n');
      await expectUserError(() => load({ path: 'train.csv', testPath: 'test.csv' }), {
        file: testFile,
        line: 1,
        column: 1,
        message: /the columns differ from those of .*train\.csv: missing "b"; extra "c"/,
      });
      await expectUserError(() => load({ path: 'train.csv', testPath: 'nope.csv' }), {
        file: specFile,
        field: 'data.testPath',
        message: /file .*nope\.csv does not exist/,
      });
      await expectUserError(() => load({ path: 'missing.csv' }), {
        file: specFile,
        field: 'data.path',
        message: /file .*missing\.csv does not exist/,
      });
      await expectUserError(() => load({ path: '.' }), { field: 'data.path', message: /is a folder, but a data file is expected/ });
    });
  });
});
