import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { loadData, type DataSpec, type ImagesDataSpec } from '../../../src/trainer/data';
import { expectUserError, makeTempDir, removeDir, writeFile } from './helpers';
import { rgba, solid, writeJpeg, writePalettePng, writePng } from './imageFiles';

describe('image folder loader', () => {
  let dir: string;
  let specFile: string;
  let progress: string[];
  beforeEach(() => {
    dir = makeTempDir();
    specFile = path.join(dir, 'model.nn.json');
    progress = [];
  });
  afterEach(() => removeDir(dir));

  const load = (spec: Partial<ImagesDataSpec> = {}, extra: Partial<DataSpec> = {}, dataRoot?: string) =>
    loadData({ source: 'images', path: 'train', normalize: 'none', ...spec, ...extra } as DataSpec, {
      specFile,
      seed: 1,
      dataRoot,
      onProgress: (m) => progress.push(m),
    });

  /** Sample i of the train split as bytes. */
  const sample = (x: Float32Array, size: number, i: number) => [...x.subarray(i * size, (i + 1) * size)];

  it('reads PNG (RGB, RGBA, grayscale) and JPEG files, classes in sorted folder order, other files ignored', async () => {
    writePng(path.join(dir, 'train/red/a.png'), 2, 2, solid(2, 2, [200, 100, 50]), 2);
    writePng(path.join(dir, 'train/red/b.png'), 2, 2, solid(2, 2, [200, 100, 50, 0]), 6); // fully transparent: colour kept
    writePng(path.join(dir, 'train/gray/nested/c.png'), 2, 2, solid(2, 2, [90, 90, 90]), 0);
    writePng(path.join(dir, 'train/gray/e.png'), 2, 2, solid(2, 2, [90, 90, 90, 128]), 4); // grayscale with alpha
    writeJpeg(path.join(dir, 'train/gray/d.JPG'), 8, 8, solid(8, 8, [90, 90, 90]));
    writeFile(dir, 'train/gray/notes.txt', 'not an image');
    writeFile(dir, 'train/README.md', 'loose file');
    const data = await load({ imageSize: [2, 2] });
    assert.deepStrictEqual(data.classNames, ['gray', 'red']);
    assert.deepStrictEqual(data.inputShape, [2, 2, 3]);
    assert.deepStrictEqual(data.target, { kind: 'class', numClasses: 2, shape: [] });
    assert.strictEqual(data.train.count, 5);
    const byLabel = new Map<number, number[][]>();
    for (let i = 0; i < 5; i++) byLabel.set(data.train.y[i], [...(byLabel.get(data.train.y[i]) ?? []), sample(data.train.x, 12, i)]);
    for (const pixels of byLabel.get(1)!) assert.deepStrictEqual(pixels, [200, 100, 50, 200, 100, 50, 200, 100, 50, 200, 100, 50]);
    assert.strictEqual(byLabel.get(0)!.length, 3);
    // JPEG is lossy: within a few levels.
    for (const pixels of byLabel.get(0)!) for (const v of pixels) assert.ok(Math.abs(v - 90) <= 3, `gray pixel ${v}`);
    assert.match(
      data.description,
      /2 classes \(gray, red\), rgb, resized to 2×2, ignored 2 files that are not \.png\/\.jpg\/\.jpeg \(.*README\.md, .*notes\.txt\)/,
    );
  });

  it('reads palette PNGs through their palette', async () => {
    writePalettePng(
      path.join(dir, 'train/a/p.png'),
      2,
      1,
      [
        [10, 20, 30],
        [200, 150, 100],
      ],
      [1, 0],
    );
    writePng(path.join(dir, 'train/b/1.png'), 2, 1, solid(2, 1, [0, 0, 0]));
    const data = await load();
    const a = data.train.y[0] === 0 ? 0 : 1;
    assert.deepStrictEqual(sample(data.train.x, 6, a), [200, 150, 100, 10, 20, 30]);
  });

  it('converts to grayscale with TensorFlow’s luma weights, and takes the first image’s size by default', async () => {
    writePng(path.join(dir, 'train/a/1.png'), 3, 2, solid(3, 2, [200, 100, 50]));
    writePng(path.join(dir, 'train/b/1.png'), 6, 4, solid(6, 4, [0, 0, 255]));
    const data = await load({ colorMode: 'grayscale' });
    assert.deepStrictEqual(data.inputShape, [2, 3, 1]);
    const a = data.train.y[0] === 0 ? 0 : 1;
    assert.deepStrictEqual(sample(data.train.x, 6, a), new Array(6).fill(Math.round(0.2989 * 200 + 0.587 * 100 + 0.114 * 50)));
    assert.deepStrictEqual(sample(data.train.x, 6, 1 - a), new Array(6).fill(Math.round(0.114 * 255)));
    assert.match(data.description, /size of the first image, 2×3 \(set data\.imageSize to change it\)/);
  });

  it('resizes bilinearly with half-pixel centres (as tf.image.resize)', async () => {
    // A 2×1 black-white image widened to 4×1, and a 4×4 half-black image halved.
    writePng(
      path.join(dir, 'train/a/wide.png'),
      2,
      1,
      rgba(2, 1, (x) => (x === 0 ? [0, 0, 0, 255] : [255, 255, 255, 255])),
    );
    writePng(
      path.join(dir, 'train/b/half.png'),
      4,
      4,
      rgba(4, 4, (x) => (x < 2 ? [0, 0, 0, 255] : [255, 255, 255, 255])),
    );
    const wide = await load({ imageSize: [1, 4], colorMode: 'grayscale' });
    const w = wide.train.y[0] === 0 ? 0 : 1;
    assert.deepStrictEqual(sample(wide.train.x, 4, w), [0, 64, 191, 255]);
    fs.rmSync(path.join(dir, 'train/a'), { recursive: true });
    writePng(
      path.join(dir, 'train/a/tall.png'),
      1,
      2,
      rgba(1, 2, (_, y) => (y === 0 ? [0, 0, 0, 255] : [255, 255, 255, 255])),
    );
    const tall = await load({ imageSize: [4, 1], colorMode: 'grayscale' });
    const t = tall.train.y[0] === 0 ? 0 : 1;
    assert.deepStrictEqual(sample(tall.train.x, 4, t), [0, 64, 191, 255]);
    const half = await load({ imageSize: 2, colorMode: 'grayscale' });
    const h = half.train.y[0] === 1 ? 0 : 1;
    assert.deepStrictEqual(sample(half.train.x, 4, h), [0, 255, 0, 255]);
  });

  it('divides pixels by 255 by default and reads a test folder with a subset of the classes', async () => {
    writePng(path.join(dir, 'train/a/1.png'), 1, 1, solid(1, 1, [255, 0, 51]));
    writePng(path.join(dir, 'train/b/1.png'), 1, 1, solid(1, 1, [0, 0, 0]));
    writePng(path.join(dir, 'test/b/1.png'), 1, 1, solid(1, 1, [0, 255, 0]));
    const data = await loadData({ source: 'images', path: 'train', testPath: 'test' }, { specFile, seed: 1 });
    assert.strictEqual(data.test!.count, 1);
    assert.deepStrictEqual([...data.test!.y], [1]);
    assert.deepStrictEqual([...data.test!.x], [0, 1, 0]);
    const a = data.train.y[0] === 0 ? 0 : 1;
    assert.deepStrictEqual(
      [...data.train.x.subarray(a * 3, a * 3 + 3)].map((v) => Math.round(v * 255)),
      [255, 0, 51],
    );
    assert.match(data.description, /pixels \/ 255/);
  });

  it('names a corrupt image, or skips it with a warning when onBadImage is "skip"', async () => {
    writePng(path.join(dir, 'train/a/1.png'), 2, 2, solid(2, 2, [1, 2, 3]));
    writePng(path.join(dir, 'train/b/1.png'), 2, 2, solid(2, 2, [1, 2, 3]));
    const good = fs.readFileSync(path.join(dir, 'train/b/1.png'));
    const corrupt = writeFile(dir, 'train/b/2.png', '');
    fs.writeFileSync(corrupt, good.subarray(0, 40)); // a PNG cut inside its first chunk
    const fake = writeFile(dir, 'train/a/fake.jpg', 'GIF89a, not a JPEG');
    await expectUserError(() => load({ imageSize: 2 }), {
      file: fake,
      message: /not a PNG or JPEG file \(it starts with bytes 47 49 46 38\).*data\.onBadImage to "skip"/,
    });
    fs.rmSync(fake);
    const huge = Buffer.from(good);
    huge.writeUInt32BE(200_000, 16); // IHDR width
    huge.writeUInt32BE(100_000, 20); // and height
    const hugeFile = writeFile(dir, 'train/a/huge.png', '');
    fs.writeFileSync(hugeFile, huge);
    await expectUserError(() => load({ imageSize: 2 }), {
      file: hugeFile,
      message: /header says 200000 × 100000 pixels \(width × height\), more than 100 megapixels/,
    });
    await expectUserError(() => load({ imageSize: 2 }), { file: hugeFile, message: /^cannot decode this PNG file/ });
    fs.rmSync(hugeFile);
    await expectUserError(() => load({ imageSize: 2 }), { file: corrupt, message: /^cannot decode this PNG file \(.+\); replace or delete the file/ });
    const data = await load({ imageSize: 2, onBadImage: 'skip' });
    assert.strictEqual(data.train.count, 2);
    assert.strictEqual(data.train.x.length, 2 * 12);
    assert.ok(
      progress.some((m) => m.startsWith('warning: skipped ') && m.includes('2.png: cannot decode this PNG file')),
      progress.join('\n'),
    );
    assert.match(data.description, /skipped 1 unreadable images/);
    // Without imageSize the size comes from the first image that decodes.
    fs.writeFileSync(path.join(dir, 'train/a/0.png'), 'broken');
    assert.deepStrictEqual((await load({ onBadImage: 'skip' })).inputShape, [2, 2, 3]);
  });

  it('refuses an empty class folder, a single class, loose images and a test class the training folder lacks', async () => {
    writePng(path.join(dir, 'train/a/1.png'), 1, 1, solid(1, 1, [1, 2, 3]));
    writeFile(dir, 'train/b/readme.txt', 'no images here');
    await expectUserError(() => load(), {
      file: specFile,
      field: 'data.path',
      message: /class folder .*train\/b has no PNG or JPEG images \(only .*readme\.txt\); add images or remove the folder/,
    });
    fs.rmSync(path.join(dir, 'train/b'), { recursive: true });
    await expectUserError(() => load(), { field: 'data.path', message: /has one class folder \("a"\); classification needs at least 2/ });
    writePng(path.join(dir, 'loose/1.png'), 1, 1, solid(1, 1, [1, 2, 3]));
    await expectUserError(() => load({ path: 'loose' }), { field: 'data.path', message: /no class subfolders \(1 images lie directly in it\)/ });
    writePng(path.join(dir, 'train/b/1.png'), 1, 1, solid(1, 1, [1, 2, 3]));
    writePng(path.join(dir, 'test/c/1.png'), 1, 1, solid(1, 1, [1, 2, 3]));
    await expectUserError(() => load({ testPath: 'test' }), {
      field: 'data.testPath',
      message: /test\/c is a class the training folder does not have; its classes are "a", "b"/,
    });
    await expectUserError(() => load({ path: 'nope' }), { field: 'data.path', message: /folder .*nope does not exist/ });
  });

  it('checks labelMode "binary" against the class count and trains a one-unit target from two folders', async () => {
    for (const c of ['cat', 'dog', 'fox']) writePng(path.join(dir, `train/${c}/1.png`), 1, 1, solid(1, 1, [1, 2, 3]));
    await expectUserError(() => load({ labelMode: 'binary' }), {
      field: 'data.labelMode',
      message: /"binary" needs exactly 2 class folders, but .*train has 3 \(cat, dog, fox\)/,
    });
    fs.rmSync(path.join(dir, 'train/fox'), { recursive: true });
    const data = await load({ labelMode: 'binary' });
    assert.deepStrictEqual(data.target, { kind: 'class', numClasses: 2, shape: [] });
    assert.deepStrictEqual([...data.train.y].sort(), [0, 1]);
  });

  it('splits with the seed, and stays inside the data root in restricted mode (symbolic links not followed)', async () => {
    for (let i = 0; i < 10; i++) writePng(path.join(dir, `train/${i % 2 ? 'a' : 'b'}/${i}.png`), 1, 1, solid(1, 1, [i * 20, 0, 0]));
    const first = await load({}, { validationSplit: 0.3 });
    const again = await load({}, { validationSplit: 0.3 });
    assert.deepStrictEqual([...again.validation!.x], [...first.validation!.x]);
    assert.strictEqual(first.validation!.count, 3);

    const outside = makeTempDir('nd-outside-');
    try {
      writePng(path.join(outside, 'secret/1.png'), 1, 1, solid(1, 1, [9, 9, 9]));
      await expectUserError(() => load({ path: outside }, {}, dir), { field: 'data.path', message: /is outside the workspace folder/ });
      fs.symlinkSync(path.join(outside, 'secret'), path.join(dir, 'train/a/linked'));
      fs.symlinkSync(path.join(outside, 'secret'), path.join(dir, 'train/secret'));
      const data = await load({}, {}, dir);
      assert.strictEqual(data.train.count, 10);
      assert.deepStrictEqual(data.classNames, ['a', 'b']);
      assert.match(data.description, /did not follow 2 symbolic links/);
    } finally {
      removeDir(outside);
    }
  });
});
