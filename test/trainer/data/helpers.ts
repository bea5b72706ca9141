// Shared helpers for the data-loading tests: temporary folders, idx/CIFAR/CSV
// file writers and an assertion for positioned user errors.

import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { isUserError } from '../../../src/shared/errors';
import type { UserErrorInfo } from '../../../src/shared/protocol';

export function makeTempDir(prefix = 'nd-data-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Writes an unsigned-byte idx file with the given dimensions and values. */
export function writeIdx(file: string, dims: number[], values: Uint8Array): void {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  fs.writeFileSync(file, Buffer.concat([header, Buffer.from(values)]));
}

/** Writes a small MNIST-format folder: `train` and `test` images of rows×cols with the given labels. */
export function writeMiniMnist(dir: string, trainLabels: number[], testLabels: number[], rows = 4, cols = 3): void {
  const write = (prefix: string, labels: number[]) => {
    const pixels = new Uint8Array(labels.length * rows * cols);
    // Pixel 0 of image i holds i, so tests can find an image after shuffling.
    labels.forEach((_, i) => {
      for (let p = 0; p < rows * cols; p++) pixels[i * rows * cols + p] = p === 0 ? i : (i * 7 + p) % 256;
    });
    writeIdx(path.join(dir, `${prefix}-images-idx3-ubyte`), [labels.length, rows, cols], pixels);
    writeIdx(path.join(dir, `${prefix}-labels-idx1-ubyte`), [labels.length], Uint8Array.from(labels));
  };
  write('train', trainLabels);
  write('t10k', testLabels);
}

/** One CIFAR-10 binary record: label byte + CHW planes from `pixel(c, h, w)`. */
export function cifarRecord(label: number, pixel: (c: number, h: number, w: number) => number): Buffer {
  const record = Buffer.alloc(3073);
  record[0] = label;
  for (let c = 0; c < 3; c++) for (let h = 0; h < 32; h++) for (let w = 0; w < 32; w++) record[1 + c * 1024 + h * 32 + w] = pixel(c, h, w);
  return record;
}

export function writeFile(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

export interface ExpectedUserError extends Omit<Partial<UserErrorInfo>, 'message'> {
  message?: RegExp;
}

/** Asserts that `run` rejects/throws a UserError whose info matches `expected` (message by regex). */
export async function expectUserError(run: () => unknown, expected: ExpectedUserError): Promise<UserErrorInfo> {
  let error: unknown;
  try {
    await run();
  } catch (e) {
    error = e;
  }
  assert.ok(error !== undefined, 'expected a UserError, but nothing was thrown');
  assert.ok(isUserError(error), `expected a UserError, got ${String(error)}`);
  const info = error.info;
  for (const key of ['file', 'line', 'column', 'field'] as const) {
    if (key in expected) assert.strictEqual(info[key], expected[key], `${key} of: ${error.message}`);
  }
  if (expected.message) assert.match(info.message, expected.message);
  return info;
}

export function countClasses(y: Float32Array, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (const v of y) counts[v]++;
  return counts;
}
