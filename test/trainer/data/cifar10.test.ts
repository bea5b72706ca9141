import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { loadData } from '../../../src/trainer/data';
import { cifarRecord, expectUserError, makeTempDir, removeDir, writeFile } from './helpers';

// Record r (counted over all train files) has label r % 10 and red at (0, 0) = r,
// so a test can find it after the shuffle. Every other pixel is a function of
// (record, c, h, w) that differs between channels and positions.
function pixelOf(record: number, c: number, h: number, w: number): number {
  if (c === 0 && h === 0 && w === 0) return record;
  return (record * 31 + c * 101 + h * 7 + w * 3) % 256;
}

function writeBatches(dir: string, perFile: number, testRecords: number): void {
  let record = 0;
  for (let b = 1; b <= 5; b++) {
    const records: Buffer[] = [];
    for (let i = 0; i < perFile; i++, record++) {
      const r = record;
      records.push(cifarRecord(r % 10, (c, h, w) => pixelOf(r, c, h, w)));
    }
    fs.writeFileSync(path.join(dir, `data_batch_${b}.bin`), Buffer.concat(records));
  }
  const test: Buffer[] = [];
  for (let i = 0; i < testRecords; i++) test.push(cifarRecord(9 - i, (c, h, w) => pixelOf(100 + i, c, h, w)));
  fs.writeFileSync(path.join(dir, 'test_batch.bin'), Buffer.concat(test));
}

describe('CIFAR-10 loader', () => {
  let dir: string;
  let specFile: string;
  beforeEach(() => {
    dir = makeTempDir();
    specFile = path.join(dir, 'model.nn.json');
    fs.mkdirSync(path.join(dir, 'cifar'));
    writeBatches(path.join(dir, 'cifar'), 3, 4);
  });
  afterEach(() => removeDir(dir));

  it('reads the five train files and the test file, converting CHW records to HWC', async () => {
    const data = await loadData({ source: 'cifar10', path: 'cifar', normalize: 'none' }, { specFile, seed: 5 });
    assert.deepStrictEqual(data.inputShape, [32, 32, 3]);
    assert.deepStrictEqual(data.target, { kind: 'class', numClasses: 10, shape: [] });
    assert.strictEqual(data.train.count, 15);
    assert.strictEqual(data.test?.count, 4);
    assert.deepStrictEqual(data.classNames?.slice(0, 3), ['airplane', 'automobile', 'bird']);
    assert.match(data.description, /^CIFAR-10 from .*cifar: 15 train \/ 4 test; raw pixel values 0–255$/);
    const seen = new Set<number>();
    for (let i = 0; i < data.train.count; i++) {
      const image = data.train.x.subarray(i * 3072, (i + 1) * 3072);
      const record = image[0];
      seen.add(record);
      assert.strictEqual(data.train.y[i], record % 10);
      // HWC: value (h, w, c) sits at (h * 32 + w) * 3 + c.
      for (const [h, w, c] of [
        [0, 0, 1],
        [0, 0, 2],
        [1, 2, 0],
        [1, 2, 2],
        [31, 30, 1],
        [17, 0, 2],
      ]) {
        assert.strictEqual(image[(h * 32 + w) * 3 + c], pixelOf(record, c, h, w), `record ${record} (${h}, ${w}, ${c})`);
      }
    }
    assert.strictEqual(seen.size, 15);
    assert.deepStrictEqual(Array.from(data.test!.y), [9, 8, 7, 6]);
    assert.strictEqual(data.test!.x[(5 * 32 + 6) * 3 + 1], pixelOf(100, 1, 5, 6));
  });

  it('scales pixels by 1/255 by default and finds the unpacked cifar-10-batches-bin subfolder', async () => {
    fs.renameSync(path.join(dir, 'cifar'), path.join(dir, 'cifar-10-batches-bin'));
    fs.mkdirSync(path.join(dir, 'download'));
    fs.renameSync(path.join(dir, 'cifar-10-batches-bin'), path.join(dir, 'download', 'cifar-10-batches-bin'));
    writeFile(dir, 'download/cifar-10-batches-bin/batches.meta.txt', 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n');
    const data = await loadData({ source: 'cifar10', path: 'download' }, { specFile, seed: 5 });
    assert.strictEqual(data.train.count, 15);
    assert.deepStrictEqual(data.classNames, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']);
    const record = Math.round(data.train.x[0] * 255);
    assert.ok(Math.abs(data.train.x[(1 * 32 + 2) * 3 + 0] - pixelOf(record, 0, 1, 2) / 255) < 1e-7);
    assert.match(data.description, /pixels \/ 255$/);
  });

  it('explains where to get the data when the folder or a file is missing', async () => {
    await expectUserError(() => loadData({ source: 'cifar10', path: 'nowhere' }, { specFile, seed: 1 }), {
      file: specFile,
      field: 'data.path',
      message:
        /folder .*nowhere does not exist; download the "CIFAR-10 binary version" .*https:\/\/www\.cs\.toronto\.edu\/~kriz\/cifar\.html.*data_batch_1\.bin/,
    });
    fs.rmSync(path.join(dir, 'cifar', 'data_batch_4.bin'));
    fs.rmSync(path.join(dir, 'cifar', 'test_batch.bin'));
    await expectUserError(() => loadData({ source: 'cifar10', path: 'cifar' }, { specFile, seed: 1 }), {
      file: specFile,
      field: 'data.path',
      message: /has no data_batch_4\.bin, test_batch\.bin \(it contains data_batch_1\.bin.*\); download the "CIFAR-10 binary version"/,
    });
  });

  it('rejects a truncated file, an empty file and a label byte above 9', async () => {
    const file = path.join(dir, 'cifar', 'data_batch_2.bin');
    fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 3073 * 2 + 100));
    await expectUserError(() => loadData({ source: 'cifar10', path: 'cifar' }, { specFile, seed: 1 }), {
      file,
      message: /truncated .*multiple of 3073 bytes .*but it is 6246 bytes \(2 whole images and 100 bytes left over\)/,
    });
    fs.writeFileSync(file, Buffer.alloc(0));
    await expectUserError(() => loadData({ source: 'cifar10', path: 'cifar' }, { specFile, seed: 1 }), {
      file,
      message: /data_batch_2\.bin is empty/,
    });
    fs.writeFileSync(file, Buffer.concat([cifarRecord(1, () => 0), cifarRecord(57, () => 0)]));
    await expectUserError(() => loadData({ source: 'cifar10', path: 'cifar' }, { specFile, seed: 1 }), {
      file,
      message: /record 2 has label 57, but CIFAR-10 labels are 0–9/,
    });
  });
});
