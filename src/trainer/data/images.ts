// An image folder: one subfolder per class of PNG and JPEG files, searched
// recursively (the layout of Keras' image_dataset_from_directory and
// torchvision's ImageFolder); classes in sorted folder-name order. Every image
// is decoded once, resized and kept as bytes in one array; the pipeline
// converts the bytes to floats once, while gathering the splits.

import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../../shared/errors';
import { displayPath, requireFolder, resolveDataPath } from './files';
import { decodeImage, ImageDecodeError, writeResized, type Rgba } from './imageDecode';
import type { RawDataset, RawSplit } from './raw';
import type { ImagesDataSpec, LoadContext } from './types';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);
/** How many skipped or ignored files a warning names before it only counts them. */
const NAMED_FILES = 5;
/** A progress line every this many images (a large folder takes tens of seconds). */
const PROGRESS_EVERY = 5000;

interface FolderScan {
  folder: string;
  classNames: string[];
  files: { file: string; label: number }[];
  /** Files that are not .png/.jpg/.jpeg, ignored. */
  ignored: string[];
  /** Symbolic links, not followed. */
  links: string[];
}

/**
 * Every file under `folder`, recursively, in sorted order. Symbolic links are
 * not followed (as Keras' default follow_links=False): they go to `links`, so a
 * link cannot lead out of the workspace in restricted mode.
 */
function walk(folder: string, links: string[]): string[] {
  const entries = fs.readdirSync(folder, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return entries.flatMap((entry) => {
    const full = path.join(folder, entry.name);
    if (entry.isSymbolicLink()) links.push(full);
    if (entry.isDirectory()) return walk(full, links);
    return entry.isFile() ? [full] : [];
  });
}

const isImageFile = (file: string) => IMAGE_EXTENSIONS.has(path.extname(file).toLowerCase());

function namedList(files: string[]): string {
  const shown = files.slice(0, NAMED_FILES).map(displayPath).join(', ');
  return files.length > NAMED_FILES ? `${shown}, … (${files.length} in all)` : shown;
}

/**
 * Lists a class folder tree. `trainClasses` is given for a test folder, whose
 * subfolders must be training classes (it may lack some).
 */
function scanFolder(folder: string, field: string, ctx: LoadContext, trainClasses?: string[]): FolderScan {
  requireFolder(folder, field, ctx);
  const entries = fs.readdirSync(folder, { withFileTypes: true });
  const subfolders = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const loose = entries.filter((e) => e.isFile()).map((e) => path.join(folder, e.name));
  const links = entries.filter((e) => e.isSymbolicLink()).map((e) => path.join(folder, e.name));
  const fail = (message: string): never => {
    throw new UserError({ file: ctx.specFile, field, message });
  };
  if (subfolders.length === 0) {
    const images = loose.filter(isImageFile).length;
    fail(
      `${displayPath(folder)} has no class subfolders${images > 0 ? ` (${images} images lie directly in it)` : ''}; ` +
        'put the images of each class in a subfolder named after the class, e.g. cats/001.png and dogs/001.jpg',
    );
  }
  const classNames = trainClasses ?? subfolders;
  const scan: FolderScan = { folder, classNames, files: [], ignored: loose, links };
  for (const name of subfolders) {
    const label = classNames.indexOf(name);
    if (label < 0) {
      fail(
        `${displayPath(path.join(folder, name))} is a class the training folder does not have; its classes are ${classNames.map((c) => `"${c}"`).join(', ')}`,
      );
    }
    const all = walk(path.join(folder, name), scan.links);
    const images = all.filter(isImageFile);
    scan.ignored.push(...all.filter((f) => !isImageFile(f)));
    // An empty training class could never be predicted and would shift the indices of the classes after it.
    if (images.length === 0 && trainClasses === undefined) {
      const others = all.length > 0 ? ` (only ${namedList(all)})` : '';
      fail(`class folder ${displayPath(path.join(folder, name))} has no PNG or JPEG images${others}; add images or remove the folder`);
    }
    for (const file of images) scan.files.push({ file, label });
  }
  if (trainClasses === undefined && classNames.length < 2) {
    fail(`${displayPath(folder)} has one class folder ("${classNames[0]}"); classification needs at least 2, one subfolder per class`);
  }
  if (scan.files.length === 0) fail(`${displayPath(folder)} has no PNG or JPEG images in its class subfolders`);
  return scan;
}

interface Decoded {
  split: RawSplit;
  skipped: string[];
}

/** Decodes `scan`'s images into one byte array of [count, height, width, channels]. */
function decodeFolder(
  scan: FolderScan,
  size: [number, number],
  channels: 1 | 3,
  spec: ImagesDataSpec,
  ctx: LoadContext,
  first?: { image: Rgba; index: number },
): Decoded {
  const [height, width] = size;
  const sampleSize = height * width * channels;
  const x = new Uint8Array(scan.files.length * sampleSize);
  const y = new Float32Array(scan.files.length);
  const skipped: string[] = [];
  let count = 0;
  ctx.onProgress?.(`decoding ${scan.files.length} images in ${displayPath(scan.folder)}`);
  scan.files.forEach(({ file, label }, i) => {
    if (i > 0 && i % PROGRESS_EVERY === 0) ctx.onProgress?.(`decoded ${i} of ${scan.files.length} images`);
    let image: Rgba;
    try {
      image = i === first?.index ? first.image : decodeImage(readImageFile(file));
    } catch (e) {
      if (!(e instanceof ImageDecodeError)) throw e;
      if (spec.onBadImage !== 'skip') throw badImage(file, e);
      skipped.push(`${displayPath(file)}: ${e.message}`);
      return;
    }
    writeResized(image, height, width, channels, x, count * sampleSize);
    y[count++] = label;
  });
  if (skipped.length > 0) {
    for (const line of skipped.slice(0, NAMED_FILES)) ctx.onProgress?.(`warning: skipped ${line}`);
    if (skipped.length > NAMED_FILES) ctx.onProgress?.(`warning: skipped ${skipped.length - NAMED_FILES} more unreadable images`);
  }
  return { split: { x: x.subarray(0, count * sampleSize), y: y.subarray(0, count), count }, skipped };
}

function readImageFile(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new UserError({ file, message: `cannot read this image (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
  }
}

function badImage(file: string, e: ImageDecodeError): UserError {
  return new UserError({ file, message: `${e.message}; replace or delete the file, or set data.onBadImage to "skip"` });
}

/** The first image that decodes, which sets the default size (the files before it are skipped or reported). */
function firstImage(scan: FolderScan, spec: ImagesDataSpec): { image: Rgba; index: number } {
  for (const [index, { file }] of scan.files.entries()) {
    try {
      return { image: decodeImage(readImageFile(file)), index };
    } catch (e) {
      if (!(e instanceof ImageDecodeError)) throw e;
      if (spec.onBadImage !== 'skip') throw badImage(file, e);
    }
  }
  throw new UserError({ file: scan.folder, message: `none of its ${scan.files.length} images can be decoded` });
}

export function loadImages(spec: ImagesDataSpec, ctx: LoadContext): RawDataset {
  const trainFolder = resolveDataPath(spec.path, 'data.path', ctx);
  const train = scanFolder(trainFolder, 'data.path', ctx);
  const testFolder = spec.testPath === undefined ? undefined : resolveDataPath(spec.testPath, 'data.testPath', ctx);
  const test = testFolder === undefined ? null : scanFolder(testFolder, 'data.testPath', ctx, train.classNames);
  if (spec.labelMode === 'binary' && train.classNames.length !== 2) {
    throw new UserError({
      file: ctx.specFile,
      field: 'data.labelMode',
      message: `"binary" needs exactly 2 class folders, but ${displayPath(trainFolder)} has ${train.classNames.length} (${train.classNames.join(', ')}); use "categorical" or "int"`,
    });
  }

  const first = spec.imageSize === undefined ? firstImage(train, spec) : undefined;
  let size: [number, number];
  if (typeof spec.imageSize === 'number') size = [spec.imageSize, spec.imageSize];
  else size = spec.imageSize ?? [first!.image.height, first!.image.width];
  const channels = spec.colorMode === 'grayscale' ? 1 : 3;
  const decodedTrain = decodeFolder(train, size, channels, spec, ctx, first);
  const decodedTest = test === null ? null : decodeFolder(test, size, channels, spec, ctx);

  const ignored = [...train.ignored, ...(test?.ignored ?? [])];
  const links = [...train.links, ...(test?.links ?? [])];
  const skipped = decodedTrain.skipped.length + (decodedTest?.skipped.length ?? 0);
  const notes = [
    spec.imageSize === undefined ? `size of the first image, ${size[0]}×${size[1]} (set data.imageSize to change it)` : `resized to ${size[0]}×${size[1]}`,
    ...(ignored.length > 0 ? [`ignored ${ignored.length} files that are not .png/.jpg/.jpeg (${namedList(ignored)})`] : []),
    ...(links.length > 0 ? [`did not follow ${links.length} symbolic links (${namedList(links)})`] : []),
    ...(skipped > 0 ? [`skipped ${skipped} unreadable images`] : []),
  ];
  return {
    source:
      `images from ${displayPath(trainFolder)}${testFolder ? ` (test ${displayPath(testFolder)})` : ''}: ` +
      `${train.classNames.length} classes (${train.classNames.join(', ')}), ${spec.colorMode ?? 'rgb'}, ${notes.join(', ')}`,
    inputShape: [size[0], size[1], channels],
    target: { kind: 'class', numClasses: train.classNames.length, shape: [] },
    inputIsTokenIds: false,
    isImage: true,
    channels,
    defaultNormalize: 'scale',
    train: decodedTrain.split,
    test: decodedTest && decodedTest.split.count > 0 ? decodedTest.split : null,
    classNames: train.classNames,
    trainFile: trainFolder,
  };
}
