// NumPy arrays: an .npz archive (numpy.savez / savez_compressed) with x and y,
// or x_train/y_train and optionally x_test/y_test (the layout of Keras'
// mnist.npz); or an .npy of inputs with an .npy of labels.

import * as fs from 'fs';
import { unzipSync } from 'fflate';
import { UserError } from '../../shared/errors';
import { displayPath, requireFile, resolveDataPath } from './files';
import { parseNpy, type NpyArray } from './npy';
import type { RawDataset, RawSplit } from './raw';
import type { LoadContext, NumpyDataSpec, TargetInfo } from './types';

interface NamedArray {
  array: NpyArray;
  /** The .npy or .npz file it was read from. */
  file: string;
  /** For messages: "data.npz (x)" or "x.npy". */
  name: string;
}

interface ArrayPair {
  x: NamedArray;
  y: NamedArray;
}

function readArchive(file: string): Map<string, NamedArray> {
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(fs.readFileSync(file), { filter: (info) => info.name.endsWith('.npy') });
  } catch (e) {
    throw new UserError({ file, message: `cannot read this .npz archive (${(e as Error).message}); save it again with numpy.savez` });
  }
  const arrays = new Map<string, NamedArray>();
  for (const [member, bytes] of Object.entries(members)) {
    const key = member.replace(/\.npy$/, '');
    arrays.set(key, { array: parseNpy(bytes, file, member), file, name: `${displayPath(file)} (${key})` });
  }
  return arrays;
}

const isArchive = (file: string) => {
  const head = Buffer.alloc(2);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, head, 0, 2, 0);
  } finally {
    fs.closeSync(fd);
  }
  return head[0] === 0x50 && head[1] === 0x4b; // "PK": a zip archive
};

/** The x/y pairs of an archive: `x`/`y`, else `x_train`/`y_train` with `x_test`/`y_test` when present. */
function pairsOf(file: string, arrays: Map<string, NamedArray>, field: string, ctx: LoadContext): { main: ArrayPair; test: ArrayPair | null } {
  const get = (x: string, y: string) => (arrays.has(x) && arrays.has(y) ? { x: arrays.get(x)!, y: arrays.get(y)! } : null);
  const plain = get('x', 'y');
  if (plain) return { main: plain, test: null };
  const train = get('x_train', 'y_train');
  if (train) return { main: train, test: get('x_test', 'y_test') };
  const keys = [...arrays.keys()];
  throw new UserError({
    file: ctx.specFile,
    field,
    message:
      `${displayPath(file)} has ${keys.length === 0 ? 'no arrays' : `the arrays ${keys.map((k) => `"${k}"`).join(', ')}`}; ` +
      'expected "x" and "y" (numpy.savez(file, x=inputs, y=labels)) or "x_train" and "y_train"',
  });
}

function readNpyFile(file: string): NamedArray {
  return { array: parseNpy(fs.readFileSync(file), file), file, name: displayPath(file) };
}

/** The pair a path gives: an .npz, or an .npy of inputs with `labelField`'s .npy of labels. */
function readPair(
  value: string,
  field: string,
  labelValue: string | undefined,
  labelField: string,
  ctx: LoadContext,
): { main: ArrayPair; test: ArrayPair | null; files: string } {
  const file = resolveDataPath(value, field, ctx);
  requireFile(file, field, ctx);
  ctx.onProgress?.(`reading ${displayPath(file)}`);
  if (isArchive(file)) {
    if (labelValue !== undefined) {
      throw new UserError({
        file: ctx.specFile,
        field: labelField,
        message: `${displayPath(file)} is an .npz archive, which holds its own labels; remove ${labelField}`,
      });
    }
    return { ...pairsOf(file, readArchive(file), field, ctx), files: displayPath(file) };
  }
  if (labelValue === undefined) {
    throw new UserError({
      file: ctx.specFile,
      field,
      message: `${displayPath(file)} is an .npy file of inputs; set ${labelField} to the .npy file of its labels (or give an .npz with "x" and "y")`,
    });
  }
  const labelFile = resolveDataPath(labelValue, labelField, ctx);
  requireFile(labelFile, labelField, ctx);
  return { main: { x: readNpyFile(file), y: readNpyFile(labelFile) }, test: null, files: `${displayPath(file)}, ${displayPath(labelFile)}` };
}

/** Checks the pair's sample counts and dimensions; returns the sample shape of x. */
function checkPair(pair: ArrayPair): number[] {
  const { x, y } = pair;
  if (x.array.shape.length === 0 || y.array.shape.length === 0) {
    const scalar = x.array.shape.length === 0 ? x : y;
    throw new UserError({ file: scalar.file, message: `${scalar.name} is a single number; expected one entry per sample along the first axis` });
  }
  const [xCount, yCount] = [x.array.shape[0], y.array.shape[0]];
  if (xCount !== yCount) {
    throw new UserError({
      file: y.file,
      message: `${y.name} has ${yCount} labels, but ${x.name} has ${xCount} samples; the first axes must have the same length`,
    });
  }
  return x.array.shape.length === 1 ? [1] : x.array.shape.slice(1);
}

/** True when every row (last axis) of a 2-D+ label array is one 1 and zeros. */
function isOneHot(y: NpyArray): boolean {
  const k = y.shape[y.shape.length - 1];
  if (y.shape.length < 2 || k < 2) return false;
  for (let start = 0; start < y.data.length; start += k) {
    let ones = 0;
    for (let j = 0; j < k; j++) {
      const v = y.data[start + j];
      if (v === 1) ones++;
      else if (v !== 0) return false;
    }
    if (ones !== 1) return false;
  }
  return true;
}

interface LabelPlan {
  target: TargetInfo;
  encode: (y: NamedArray) => Float32Array;
  text: string;
}

function planLabels(ys: NamedArray[], task: NumpyDataSpec['task']): LabelPlan {
  const first = ys[0].array;
  const oneHot = ys.every((y) => isOneHot(y.array));
  const integral = ys.every((y) => y.array.kind !== 'float');
  const classification = task === 'classification' || (task === undefined && (oneHot || integral));
  const why = task === undefined ? ` (inferred from the labels' ${oneHot ? 'one-hot rows' : `dtype ${first.dtype}`}; set data.task to change it)` : '';
  if (!classification) {
    const shape = first.shape.length === 1 ? [1] : first.shape.slice(1);
    return { target: { kind: 'value', shape }, encode: (y) => Float32Array.from(y.array.data), text: `regression${why}` };
  }
  if (oneHot) {
    const k = first.shape[first.shape.length - 1];
    const encode = (y: NamedArray) => {
      const out = new Float32Array(y.array.data.length / k);
      for (let r = 0; r < out.length; r++) for (let j = 0; j < k; j++) if (y.array.data[r * k + j] === 1) out[r] = j;
      return out;
    };
    return { target: { kind: 'class', numClasses: k, shape: first.shape.slice(1, -1) }, encode, text: `classification, ${k} classes, one-hot labels${why}` };
  }
  let max = 0;
  for (const y of ys) {
    const bad = y.array.data.findIndex((v) => !Number.isInteger(v) || v < 0);
    if (bad >= 0) {
      const per = y.array.data.length / y.array.shape[0];
      throw new UserError({
        file: y.file,
        message: `${y.name}: sample ${Math.floor(bad / per)} has the label ${y.array.data[bad]}; class labels must be integers 0, 1, 2, … (or one-hot rows)${task === undefined ? '' : ' (or set data.task to "regression")'}`,
      });
    }
    for (const v of y.array.data) if (v > max) max = v;
  }
  const numClasses = max + 1;
  if (numClasses < 2) throw new UserError({ file: ys[0].file, message: `${ys[0].name}: every label is 0; classification needs at least 2 classes` });
  // [N, 1] labels are one label per sample, like [N].
  const shape = first.shape.length === 2 && first.shape[1] === 1 ? [] : first.shape.slice(1);
  return { target: { kind: 'class', numClasses, shape }, encode: (y) => Float32Array.from(y.array.data), text: `classification, ${numClasses} classes${why}` };
}

export function loadNumpy(spec: NumpyDataSpec, ctx: LoadContext): RawDataset {
  const train = readPair(spec.path, 'data.path', spec.labelPath, 'data.labelPath', ctx);
  const given = spec.testPath === undefined ? null : readPair(spec.testPath, 'data.testPath', spec.testLabelPath, 'data.testLabelPath', ctx);
  if (given === null && spec.testLabelPath !== undefined) {
    throw new UserError({ file: ctx.specFile, field: 'data.testLabelPath', message: 'testLabelPath needs data.testPath (the .npy of the test inputs)' });
  }
  const test = given?.main ?? train.test;
  const sampleShape = checkPair(train.main);
  if (test !== null) {
    const testShape = checkPair(test);
    if (testShape.join() !== sampleShape.join() || test.x.array.kind !== train.main.x.array.kind) {
      throw new UserError({
        file: test.x.file,
        message: `test inputs are [${testShape.join(', ')}] ${test.x.array.dtype}, but the training inputs are [${sampleShape.join(', ')}] ${train.main.x.array.dtype}`,
      });
    }
  }
  const plan = planLabels(test === null ? [train.main.y] : [train.main.y, test.y], spec.task);
  const split = (pair: ArrayPair): RawSplit => ({ x: pair.x.array.data, y: plan.encode(pair.y), count: pair.x.array.shape[0] });
  const xArray = train.main.x.array;
  const pixels = xArray.dtype === '|u1';
  // Integer inputs other than bytes are token ids (for an Embedding layer), as in model modules' data.
  const tokenIds = xArray.kind === 'int' || (xArray.kind === 'uint' && !pixels);
  const testText = given !== null ? ` (test ${given.files})` : train.test !== null ? ' (test: x_test, y_test)' : '';
  return {
    source: `NumPy ${train.files}${testText}: input [${sampleShape.join(', ')}] ${xArray.dtype}${tokenIds ? ' token ids' : ''}, ${plan.text}`,
    inputShape: sampleShape,
    target: plan.target,
    inputIsTokenIds: tokenIds,
    isImage: pixels,
    channels: sampleShape.length >= 2 ? sampleShape[sampleShape.length - 1] : sampleShape[0],
    defaultNormalize: pixels ? 'scale' : 'none',
    train: split(train.main),
    test: test === null ? null : split(test),
    trainFile: train.main.x.file,
  };
}
