// The image-folder loader's cost: decode speed (PNG and JPEG) and memory of a
// folder of small images, from the generated files to the float32 splits.
//   npx tsx bench/imageFolder.ts [--images N] [--size S] [--keep DIR]
// Writes N S×S RGB images (half PNG, half JPEG, 10 classes) to a temp folder,
// then loads them as "source": "images" in a fresh process. Results: docs/performance.md.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { loadData } from '../src/trainer/data';
import { decodeImage } from '../src/trainer/data/imageDecode';
import { mulberry32 } from '../src/trainer/data/random';

const CLASSES = 10;

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}

function writeFolder(root: string, count: number, size: number): void {
  const random = mulberry32(7);
  for (let c = 0; c < CLASSES; c++) fs.mkdirSync(path.join(root, `class${c}`), { recursive: true });
  for (let i = 0; i < count; i++) {
    // Smooth gradients with noise: compresses like photos rather than flat colour.
    const data = Buffer.alloc(size * size * 4);
    const tint = [random(), random(), random()].map((v) => v * 255);
    for (let p = 0; p < size * size; p++) {
      for (let k = 0; k < 3; k++) data[p * 4 + k] = Math.min(255, (tint[k] * (p % size)) / size + 40 * random());
      data[p * 4 + 3] = 255;
    }
    const dir = path.join(root, `class${i % CLASSES}`);
    if (i % 2 === 0) {
      const png = new PNG({ width: size, height: size });
      png.data = data;
      fs.writeFileSync(path.join(dir, `${i}.png`), PNG.sync.write(png, { colorType: 2 }));
    } else fs.writeFileSync(path.join(dir, `${i}.jpg`), jpeg.encode({ data, width: size, height: size }, 90).data);
  }
}

/** Decode-only throughput of one format, over the folder's files of that extension. */
function decodeRate(root: string, ext: string): number {
  const files = fs.readdirSync(root).flatMap((c) =>
    fs
      .readdirSync(path.join(root, c))
      .filter((f) => f.endsWith(ext))
      .map((f) => path.join(root, c, f)),
  );
  const bytes = files.slice(0, 2000).map((f) => fs.readFileSync(f));
  const start = process.hrtime.bigint();
  for (const b of bytes) decodeImage(b);
  return bytes.length / (Number(process.hrtime.bigint() - start) / 1e9);
}

async function measureLoad(root: string): Promise<void> {
  const mb = (n: number) => (n / 2 ** 20).toFixed(0);
  const gc = (globalThis as { gc?: () => void }).gc!;
  gc();
  const before = process.memoryUsage().arrayBuffers;
  const start = Date.now();
  const data = await loadData({ source: 'images', path: root }, { specFile: path.join(root, 'x.nn.json'), seed: 1 });
  const seconds = (Date.now() - start) / 1000;
  // Before a collection: the decoded bytes are still there, as at the loader's peak.
  const peak = process.memoryUsage().arrayBuffers - before;
  gc();
  // V8 frees large array buffers on a background thread: give it a moment.
  await new Promise((resolve) => setTimeout(resolve, 500));
  gc();
  const held = process.memoryUsage().arrayBuffers - before;
  process.stdout.write(
    `load: ${data.train.count} images ${data.inputShape.join('×')} in ${seconds.toFixed(1)} s (${Math.round(data.train.count / seconds)} images/s)\n` +
      `memory: pixel bytes + float32 split at the end of loading ${mb(peak)} MB; held for training ${mb(held)} MB ` +
      `(the float32 train split: ${mb(data.train.x.byteLength)} MB)\n`,
  );
}

async function main(): Promise<void> {
  if (process.argv.includes('--load')) return measureLoad(process.argv[process.argv.indexOf('--load') + 1]);
  const count = flag('--images', 10000);
  const size = flag('--size', 32);
  const keep = process.argv.indexOf('--keep');
  const root = keep > 0 ? process.argv[keep + 1] : fs.mkdtempSync(path.join(os.tmpdir(), 'nd-images-bench-'));
  try {
    if (!fs.existsSync(path.join(root, 'class0'))) {
      const start = Date.now();
      writeFolder(root, count, size);
      process.stdout.write(`wrote ${count} ${size}×${size} images in ${((Date.now() - start) / 1000).toFixed(1)} s\n`);
    }
    process.stdout.write(`decode: PNG ${Math.round(decodeRate(root, '.png'))} images/s, JPEG ${Math.round(decodeRate(root, '.jpg'))} images/s\n`);
    // A fresh process, so that the peak RSS is the loader's alone.
    const run = spawnSync(process.execPath, [...process.execArgv, '--expose-gc', __filename, '--load', root], { stdio: 'inherit' });
    if (run.status !== 0) process.exitCode = 1;
  } finally {
    if (keep < 0) fs.rmSync(root, { recursive: true, force: true });
  }
}

void main();
