// CIFAR-10, binary version: data_batch_1.bin … data_batch_5.bin and
// test_batch.bin, each a sequence of 3073-byte records (label byte, then
// 32×32 red, 32×32 green, 32×32 blue: CHW). Converted to HWC bytes here.

import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../../shared/errors';
import { describeFolderContents, displayPath, requireFolder, resolveDataPath } from './files';
import type { RawDataset, RawSplit } from './raw';
import type { Cifar10DataSpec, LoadContext } from './types';

const SIDE = 32;
const CHANNELS = 3;
const PLANE = SIDE * SIDE;
const IMAGE_BYTES = PLANE * CHANNELS;
const RECORD_BYTES = 1 + IMAGE_BYTES;
const TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
const TEST_FILE = 'test_batch.bin';
const DEFAULT_CLASS_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

const WHERE_TO_GET =
  'download the "CIFAR-10 binary version" (cifar-10-binary.tar.gz) from https://www.cs.toronto.edu/~kriz/cifar.html, ' +
  'unpack it and set data.path to the folder containing data_batch_1.bin … data_batch_5.bin and test_batch.bin';

/** The folder itself, or its `cifar-10-batches-bin` subfolder (what the archive unpacks to). */
function batchFolder(folder: string): string {
  const nested = path.join(folder, 'cifar-10-batches-bin');
  if (!fs.existsSync(path.join(folder, TRAIN_FILES[0])) && fs.existsSync(path.join(nested, TRAIN_FILES[0]))) {
    return nested;
  }
  return folder;
}

/** Parses records of one or more files into HWC bytes and labels. */
function readCifarFiles(files: string[]): RawSplit {
  const buffers = files.map((file) => {
    const bytes = fs.readFileSync(file);
    if (bytes.length === 0) {
      throw new UserError({ file, message: `${path.basename(file)} is empty; download and unpack the CIFAR-10 binary version again` });
    }
    if (bytes.length % RECORD_BYTES !== 0) {
      throw new UserError({
        file,
        message:
          `${path.basename(file)} is truncated or not a CIFAR-10 binary file: its size must be a multiple of ` +
          `${RECORD_BYTES} bytes (1 label byte + ${IMAGE_BYTES} pixel bytes per image), but it is ${bytes.length} bytes ` +
          `(${Math.floor(bytes.length / RECORD_BYTES)} whole images and ${bytes.length % RECORD_BYTES} bytes left over); ` +
          'download and unpack it again',
      });
    }
    return { file, bytes };
  });
  const count = buffers.reduce((n, b) => n + b.bytes.length / RECORD_BYTES, 0);
  const x = new Uint8Array(count * IMAGE_BYTES);
  const y = new Float32Array(count);
  let sample = 0;
  for (const { file, bytes } of buffers) {
    const records = bytes.length / RECORD_BYTES;
    for (let r = 0; r < records; r++, sample++) {
      const base = r * RECORD_BYTES;
      const label = bytes[base];
      if (label >= DEFAULT_CLASS_NAMES.length) {
        throw new UserError({
          file,
          message:
            `record ${r + 1} has label ${label}, but CIFAR-10 labels are 0–9 ` +
            '(CIFAR-100 binary files have 2 label bytes and are not supported); use the CIFAR-10 binary version',
        });
      }
      y[sample] = label;
      const src = base + 1;
      let dst = sample * IMAGE_BYTES;
      // CHW → HWC: pixel p of channel c moves from c*1024 + p to p*3 + c.
      for (let p = 0; p < PLANE; p++) {
        x[dst++] = bytes[src + p];
        x[dst++] = bytes[src + PLANE + p];
        x[dst++] = bytes[src + 2 * PLANE + p];
      }
    }
  }
  return { x, y, count };
}

/** Class names from batches.meta.txt when present (one per line), else the standard ten. */
function readClassNames(folder: string): string[] {
  const metaFile = path.join(folder, 'batches.meta.txt');
  if (!fs.existsSync(metaFile)) return DEFAULT_CLASS_NAMES;
  const names = fs
    .readFileSync(metaFile, 'utf8')
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return names.length === DEFAULT_CLASS_NAMES.length ? names : DEFAULT_CLASS_NAMES;
}

export function loadCifar10(spec: Cifar10DataSpec, ctx: LoadContext): RawDataset {
  const given = resolveDataPath(spec.path, 'data.path', ctx);
  requireFolder(given, 'data.path', ctx, `; ${WHERE_TO_GET}`);
  const folder = batchFolder(given);
  const missing = [...TRAIN_FILES, TEST_FILE].filter((name) => !fs.existsSync(path.join(folder, name)));
  if (missing.length > 0) {
    throw new UserError({
      file: ctx.specFile,
      field: 'data.path',
      message: `folder ${given} has no ${missing.join(', ')} (${describeFolderContents(given)}); ${WHERE_TO_GET}`,
    });
  }
  ctx.onProgress?.(`reading CIFAR-10 from ${displayPath(folder)}`);
  const train = readCifarFiles(TRAIN_FILES.map((name) => path.join(folder, name)));
  const test = readCifarFiles([path.join(folder, TEST_FILE)]);
  return {
    source: `CIFAR-10 from ${displayPath(folder)}`,
    inputShape: [SIDE, SIDE, CHANNELS],
    target: { kind: 'class', numClasses: DEFAULT_CLASS_NAMES.length, shape: [] },
    inputIsTokenIds: false,
    isImage: true,
    channels: CHANNELS,
    defaultNormalize: 'scale',
    train,
    test,
    classNames: readClassNames(folder),
    trainFile: path.join(folder, TRAIN_FILES[0]),
  };
}
