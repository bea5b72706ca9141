// Writes small PNG and JPEG files for the image-folder tests.

import * as fs from 'fs';
import * as path from 'path';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

/** An RGBA buffer of width × height filled by `pixel(x, y)` → [r, g, b, a]. */
export function rgba(width: number, height: number, pixel: (x: number, y: number) => number[]): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 4);
  return data;
}

/** PNG colour types pngjs writes: 0 grayscale, 2 RGB, 4 grayscale + alpha, 6 RGBA. */
export function writePng(file: string, width: number, height: number, data: Uint8Array, colorType: 0 | 2 | 4 | 6 = 2): void {
  const png = new PNG({ width, height });
  png.data = Buffer.from(data);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, PNG.sync.write(png, { colorType, inputHasAlpha: true }));
}

export function writeJpeg(file: string, width: number, height: number, data: Uint8Array, quality = 95): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, jpeg.encode({ data, width, height }, quality).data);
}

/** A width × height image of one colour. */
export function solid(width: number, height: number, color: number[]): Uint8Array {
  return rgba(width, height, () => [...color.slice(0, 3), color[3] ?? 255]);
}
