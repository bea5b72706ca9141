import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { loadData, type DataSpec, type NumpyDataSpec } from '../../../src/trainer/data';
import { parseNpy } from '../../../src/trainer/data/npy';
import { encodeNpy, encodeNpz, type NpyDtype } from '../../../scripts/exampleData/npyFile';
import { expectUserError, makeTempDir, removeDir } from './helpers';

describe('NumPy loader', () => {
  let dir: string;
  let specFile: string;
  beforeEach(() => {
    dir = makeTempDir();
    specFile = path.join(dir, 'model.nn.json');
  });
  afterEach(() => removeDir(dir));

  const write = (name: string, bytes: Uint8Array) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, bytes);
    return file;
  };
  const load = (spec: Partial<NumpyDataSpec> & { path: string }, extra: Partial<DataSpec> = {}) =>
    loadData({ source: 'numpy', normalize: 'none', ...spec, ...extra } as DataSpec, { specFile, seed: 1 });
  /** The split's samples as [x values, y], sorted (the pipeline shuffles before splitting). */
  const samples = (split: { x: Float32Array; y: Float32Array; count: number }) => {
    const size = split.x.length / split.count;
    return Array.from({ length: split.count }, (_, i) => [[...split.x.subarray(i * size, (i + 1) * size)], split.y[i]] as const).sort(
      (a, b) => a[0][0] - b[0][0],
    );
  };

  describe('.npy format', () => {
    const cases: [NpyDtype, number[], string][] = [
      ['<f4', [0.5, -1.25, 3, 1e-3], 'float'],
      ['>f4', [0.5, -1.25, 3, 1e-3], 'float'],
      ['<f8', [0.5, -1.25, 3, 1e-3], 'float'],
      ['<i1', [-128, 0, 5, 127], 'int'],
      ['<i2', [-300, 0, 5, 32767], 'int'],
      ['<i4', [-70000, 0, 5, 2 ** 31 - 1], 'int'],
      ['<i8', [-70000, 0, 5, 2 ** 40], 'int'],
      ['|u1', [0, 1, 200, 255], 'uint'],
      ['<u2', [0, 1, 200, 65535], 'uint'],
      ['|b1', [0, 1, 1, 0], 'bool'],
    ];
    for (const [dtype, values, kind] of cases) {
      it(`reads ${dtype}`, () => {
        const array = parseNpy(encodeNpy(values, [2, 2], dtype), 'a.npy');
        assert.deepStrictEqual(array.shape, [2, 2]);
        assert.strictEqual(array.dtype, dtype);
        assert.strictEqual(array.kind, kind);
        assert.deepStrictEqual([...array.data], values.map(Math.fround));
        assert.ok(dtype === '|u1' ? array.data instanceof Uint8Array : array.data instanceof Float32Array);
      });
    }

    it('reorders a Fortran-order array into C order', () => {
      // [[1, 2, 3], [4, 5, 6]] stored column by column.
      const array = parseNpy(encodeNpy([1, 4, 2, 5, 3, 6], [2, 3], '<f4', true), 'f.npy');
      assert.deepStrictEqual([...array.data], [1, 2, 3, 4, 5, 6]);
      const cube = parseNpy(encodeNpy([0, 4, 2, 6, 1, 5, 3, 7], [2, 2, 2], '|u1', true), 'f.npy');
      assert.deepStrictEqual([...cube.data], [0, 1, 2, 3, 4, 5, 6, 7]);
    });

    it('refuses a truncated file, a non-.npy file and unsupported dtypes, naming the file', async () => {
      const whole = encodeNpy(new Array(12).fill(1), [4, 3], '<f4');
      await expectUserError(() => parseNpy(whole.subarray(0, whole.length - 20), 'x.npy'), {
        file: 'x.npy',
        message: /^the file is truncated: its header says 4 samples of shape \(4, 3\) <f4 \(48 bytes\), but only 28 bytes follow \(2 complete samples\)/,
      });
      await expectUserError(() => parseNpy(whole.subarray(0, 30), 'x.npy'), { message: /truncated inside its header/ });
      await expectUserError(() => parseNpy(new TextEncoder().encode('a,b\n1,2\n'), 'x.npy'), { file: 'x.npy', message: /not a NumPy \.npy file/ });
      const objects = encodeNpy([1], [1], '<f8');
      const at = Buffer.from(objects).indexOf("'<f8'");
      objects.set(Buffer.from("'|O8'"), at);
      await expectUserError(() => parseNpy(objects, 'o.npy', 'x.npy'), { file: 'o.npy', message: /^array x\.npy: object \(pickled\) arrays cannot be read/ });
    });
  });

  it('loads an .npz with x and y: integer labels are classes, any input shape', async () => {
    const x = Array.from({ length: 4 * 2 * 3 }, (_, i) => i);
    write('d.npz', encodeNpz({ x: encodeNpy(x, [4, 2, 3], '<f4'), y: encodeNpy([0, 2, 1, 2], [4], '<i8') }));
    const data = await load({ path: 'd.npz' });
    assert.deepStrictEqual(data.inputShape, [2, 3]);
    assert.deepStrictEqual(data.target, { kind: 'class', numClasses: 3, shape: [] });
    assert.strictEqual(data.inputIsTokenIds, false);
    assert.deepStrictEqual(samples(data.train), [
      [x.slice(0, 6), 0],
      [x.slice(6, 12), 2],
      [x.slice(12, 18), 1],
      [x.slice(18, 24), 2],
    ]);
    assert.match(data.description, /NumPy d\.npz|NumPy .*d\.npz: input \[2, 3\] <f4, classification, 3 classes \(inferred from the labels' dtype <i8/);
  });

  it('reads x_train/y_train/x_test/y_test (Keras mnist.npz), uint8 pixels scaled by 255, [N, 1] labels', async () => {
    write(
      'mnist.npz',
      encodeNpz({
        x_train: encodeNpy([0, 255, 51, 102], [2, 2], '|u1'),
        y_train: encodeNpy([1, 0], [2, 1], '|u1'),
        x_test: encodeNpy([255, 0], [1, 2], '|u1'),
        y_test: encodeNpy([1], [1, 1], '|u1'),
      }),
    );
    const data = await loadData({ source: 'numpy', path: 'mnist.npz' } as DataSpec, { specFile, seed: 1 });
    assert.deepStrictEqual(data.target, { kind: 'class', numClasses: 2, shape: [] });
    assert.deepStrictEqual(samples(data.train), [
      [[0, 1], 1],
      [[51, 102].map((v) => Math.fround(v * (1 / 255))), 0],
    ]);
    assert.strictEqual(data.test!.count, 1);
    assert.deepStrictEqual([...data.test!.x], [1, 0]);
    assert.match(data.description, /\(test: x_test, y_test\).*pixels \/ 255/);
  });

  it('reads one-hot labels as classes, float labels as regression, and follows data.task', async () => {
    write('x.npy', encodeNpy([1, 2, 3], [3], '<f8'));
    write('onehot.npy', encodeNpy([0, 1, 0, 1, 0, 0, 0, 0, 1], [3, 3], '<f4'));
    write('values.npy', encodeNpy([0.5, 1, 2.5], [3], '<f4'));
    const onehot = await load({ path: 'x.npy', labelPath: 'onehot.npy' });
    assert.deepStrictEqual(onehot.inputShape, [1]);
    assert.deepStrictEqual(onehot.target, { kind: 'class', numClasses: 3, shape: [] });
    assert.deepStrictEqual(samples(onehot.train), [
      [[1], 1],
      [[2], 0],
      [[3], 2],
    ]);
    const values = await load({ path: 'x.npy', labelPath: 'values.npy' });
    assert.deepStrictEqual(values.target, { kind: 'value', shape: [1] });
    assert.deepStrictEqual(samples(values.train), [
      [[1], 0.5],
      [[2], 1],
      [[3], 2.5],
    ]);
    write('ints.npy', encodeNpy([0, 3, 1], [3], '<i4'));
    assert.deepStrictEqual((await load({ path: 'x.npy', labelPath: 'ints.npy', task: 'regression' })).target, { kind: 'value', shape: [1] });
    await expectUserError(() => load({ path: 'x.npy', labelPath: 'values.npy', task: 'classification' }), {
      file: path.join(dir, 'values.npy'),
      message: /values\.npy: sample 0 has the label 0\.5; class labels must be integers/,
    });
  });

  it('takes integer inputs as token ids', async () => {
    write('t.npz', encodeNpz({ x: encodeNpy([1, 2, 3, 4], [2, 2], '<i4'), y: encodeNpy([0, 1], [2], '<i4') }));
    const data = await load({ path: 't.npz' });
    assert.strictEqual(data.inputIsTokenIds, true);
    await expectUserError(() => load({ path: 't.npz' }, { normalize: 'standardize' }), { field: 'data.normalize', message: /token ids/ });
  });

  it('refuses mismatched x/y lengths, naming the files and the counts', async () => {
    write('x.npy', encodeNpy(new Array(10).fill(0), [5, 2], '<f4'));
    write('y.npy', encodeNpy([0, 1, 0], [3], '<i8'));
    await expectUserError(() => load({ path: 'x.npy', labelPath: 'y.npy' }), {
      file: path.join(dir, 'y.npy'),
      message: /y\.npy has 3 labels, but .*x\.npy has 5 samples; the first axes must have the same length/,
    });
    write('d.npz', encodeNpz({ x: encodeNpy([1, 2], [2], '<f4'), y: encodeNpy([0], [1], '<i8') }));
    await expectUserError(() => load({ path: 'd.npz' }), {
      file: path.join(dir, 'd.npz'),
      message: /d\.npz \(y\) has 1 labels, but .*d\.npz \(x\) has 2 samples/,
    });
  });

  it('names the file of a truncated .npy, an archive without x and y, and a missing labelPath', async () => {
    const whole = encodeNpy(new Array(8).fill(1), [4, 2], '<f8');
    const cut = write('x.npy', whole.subarray(0, whole.length - 10));
    write('y.npy', encodeNpy([0, 1, 0, 1], [4], '<i8'));
    await expectUserError(() => load({ path: 'x.npy', labelPath: 'y.npy' }), {
      file: cut,
      message: /truncated: its header says 4 samples .* \(3 complete samples\)/,
    });
    write('k.npz', encodeNpz({ features: encodeNpy([1], [1], '<f4'), target: encodeNpy([1], [1], '<f4') }));
    await expectUserError(() => load({ path: 'k.npz' }), { field: 'data.path', message: /has the arrays "features", "target"; expected "x" and "y"/ });
    await expectUserError(() => load({ path: 'y.npy' }), { field: 'data.path', message: /is an \.npy file of inputs; set data\.labelPath/ });
    write('bad.npz', new Uint8Array([0x50, 0x4b, 3, 4, 0, 0]));
    await expectUserError(() => load({ path: 'bad.npz' }), { message: /cannot read this \.npz archive/ });
  });

  it('reshapes samples with data.inputShape and refuses a shape of another size', async () => {
    write('d.npz', encodeNpz({ x: encodeNpy(new Array(2 * 12).fill(0), [2, 12], '<f4'), y: encodeNpy([0, 1], [2], '<i8') }));
    const data = await load({ path: 'd.npz' }, { inputShape: [2, 2, 3] });
    assert.deepStrictEqual(data.inputShape, [2, 2, 3]);
    assert.match(data.description, /each sample reshaped to \[2, 2, 3\]/);
    await expectUserError(() => load({ path: 'd.npz' }, { inputShape: [5, 5] }), {
      field: 'data.inputShape',
      message: /^\[5, 5\] holds 25 values, but each sample has 12 \(\[12\]\)/,
    });
  });
});
