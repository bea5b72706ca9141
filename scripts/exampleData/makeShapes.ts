// Generates the example data of examples/shapes-cnn.nn.json and
// examples/shapes-numpy.nn.json: small pictures of circles, squares and
// triangles (random size, position, rotation and colours), seeded so that
// running it again gives the same files.
//   npx tsx scripts/exampleData/makeShapes.ts
// writes examples/data/shapes/{train,test}/{circle,square,triangle}/ as PNG
// (RGB, RGBA and grayscale) and JPEG files, and examples/data/shapes.npz
// (16×16 grayscale: x_train uint8 [480, 16, 16], y_train int64 [480], x_test, y_test: 120).

import * as fs from 'fs';
import * as path from 'path';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { mulberry32 } from '../../src/trainer/data/random';
import { encodeNpy, encodeNpz } from './npyFile';

const CLASSES = ['circle', 'square', 'triangle'] as const;
type ShapeClass = (typeof CLASSES)[number];

/** Is (x, y), relative to the shape's centre and in units of its radius, inside the shape rotated by `angle`? */
function inside(shape: ShapeClass, x: number, y: number, angle: number): boolean {
  const u = x * Math.cos(angle) + y * Math.sin(angle);
  const v = -x * Math.sin(angle) + y * Math.cos(angle);
  if (shape === 'circle') return u * u + v * v <= 1;
  if (shape === 'square') return Math.abs(u) <= 0.8 && Math.abs(v) <= 0.8;
  // Equilateral triangle inscribed in the unit circle: inside all three edges.
  for (let k = 0; k < 3; k++) {
    const a = (2 * Math.PI * k) / 3;
    if (u * Math.cos(a) + v * Math.sin(a) > 0.5) return false;
  }
  return true;
}

/** An RGBA picture of `shape`, 4×4 supersampled so that edges are smooth. */
function draw(shape: ShapeClass, size: number, random: () => number): Uint8Array {
  const radius = size * (0.3 + 0.15 * random());
  const cx = radius + (size - 2 * radius) * random();
  const cy = radius + (size - 2 * radius) * random();
  const angle = 2 * Math.PI * random();
  // A dark background and a light shape, each in a random tint.
  const background = [0, 0, 0].map(() => 20 + 60 * random());
  const foreground = [0, 0, 0].map(() => 150 + 105 * random());
  const rgba = new Uint8Array(size * size * 4);
  const n = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let covered = 0;
      for (let sy = 0; sy < n; sy++)
        for (let sx = 0; sx < n; sx++) {
          if (inside(shape, (px + (sx + 0.5) / n - cx) / radius, (py + (sy + 0.5) / n - cy) / radius, angle)) covered++;
        }
      const t = covered / (n * n);
      const at = (py * size + px) * 4;
      for (let c = 0; c < 3; c++) rgba[at + c] = Math.round(background[c] * (1 - t) + foreground[c] * t);
      rgba[at + 3] = 255;
    }
  }
  return rgba;
}

function encode(rgba: Uint8Array, size: number, index: number): { bytes: Buffer; ext: string } {
  // Every third file is a JPEG; the PNGs alternate RGB, RGBA and grayscale colour types.
  if (index % 3 === 2) return { bytes: jpeg.encode({ data: rgba, width: size, height: size }, 90).data, ext: 'jpg' };
  const png = new PNG({ width: size, height: size });
  png.data = Buffer.from(rgba);
  const colorType = ([2, 6, 0] as const)[index % 3 === 0 ? 0 : index % 2 === 0 ? 2 : 1];
  return { bytes: PNG.sync.write(png, { colorType, inputHasAlpha: true }), ext: 'png' };
}

function writeFolder(root: string, perClass: number, size: number, random: () => number): void {
  fs.rmSync(root, { recursive: true, force: true });
  for (const shape of CLASSES) {
    fs.mkdirSync(path.join(root, shape), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const { bytes, ext } = encode(draw(shape, size, random), size, i);
      fs.writeFileSync(path.join(root, shape, `${String(i).padStart(3, '0')}.${ext}`), bytes);
    }
  }
}

/** 16×16 grayscale pictures as uint8 [count, 16, 16] with int64 labels. */
function shapeArrays(count: number, size: number, random: () => number): { x: Uint8Array; y: number[] } {
  const x = new Uint8Array(count * size * size);
  const y = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const label = i % CLASSES.length;
    const rgba = draw(CLASSES[label], size, random);
    for (let p = 0; p < size * size; p++) x[i * size * size + p] = Math.round((rgba[p * 4] + rgba[p * 4 + 1] + rgba[p * 4 + 2]) / 3);
    y[i] = label;
  }
  return { x, y };
}

/** The layout of Keras' mnist.npz: x_train, y_train, x_test, y_test. */
function writeNpz(file: string, trainCount: number, testCount: number, size: number, random: () => number): void {
  const train = shapeArrays(trainCount, size, random);
  const test = shapeArrays(testCount, size, random);
  const arrays = {
    x_train: encodeNpy(train.x, [trainCount, size, size], '|u1'),
    y_train: encodeNpy(train.y, [trainCount], '<i8'),
    x_test: encodeNpy(test.x, [testCount, size, size], '|u1'),
    y_test: encodeNpy(test.y, [testCount], '<i8'),
  };
  fs.writeFileSync(file, encodeNpz(arrays));
}

if (require.main === module) {
  const data = path.join(__dirname, '..', '..', 'examples', 'data');
  const random = mulberry32(2026);
  writeFolder(path.join(data, 'shapes', 'train'), 100, 32, random);
  writeFolder(path.join(data, 'shapes', 'test'), 20, 32, random);
  writeNpz(path.join(data, 'shapes.npz'), 480, 120, 16, random);
  process.stdout.write(`wrote ${path.relative(process.cwd(), data)}/shapes and shapes.npz\n`);
}
