// Writes small PNG and JPEG files for the image-folder tests.

import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
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

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(8 + data.length + 4);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
}

/** A palette PNG (colour type 3, 8 bits per index), which pngjs does not write: built chunk by chunk. */
export function writePalettePng(file: string, width: number, height: number, palette: number[][], indices: number[]): void {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 3; // palette
  const rows = Buffer.alloc(height * (width + 1));
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) rows[y * (width + 1) + 1 + x] = indices[y * width + x]; // filter byte 0
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const png = Buffer.concat([
    signature,
    chunk('IHDR', header),
    chunk('PLTE', Buffer.from(palette.flat())),
    chunk('IDAT', zlib.deflateSync(rows)),
    chunk('IEND', new Uint8Array(0)),
  ]);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, png);
}
