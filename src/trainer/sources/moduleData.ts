// The `data` export of a model module, turned into the same LoadedData the
// built-in datasets give: a built-in data spec by name, or a function
// returning splits of tensors / arrays, or batches (a tf.data.Dataset, an
// async or sync iterable). Batches are read once, into memory: the trainer
// shuffles, steps back and re-measures batches, which needs random access.

import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../shared/errors';
import { loadData } from '../data';
import type { DataSpec, LoadedData, Split, TargetInfo } from '../data/types';
import { formatShape } from '../model/shapes';
import { dataUnion } from '../../spec/catalog/sections';
import type { LossName } from '../training/objectives';
import { validateExport } from './section';
import type { SourceIO } from './types';
import type { UserCode } from './userCode';

/** Cap on the floats read from a module's data (1 GiB). */
const MAX_VALUES = 2 ** 28;

export interface ModuleDataContext {
  code: UserCode;
  seed: number;
  dataRoot?: string;
  io: SourceIO;
  loss: LossName;
  /** The model's per-sample output shape: decides how y is read (indices or one-hot). */
  outputShape: (number | null)[];
}

interface RawSplit {
  x: Float32Array;
  y: Float32Array;
  count: number;
  xShape: number[];
  yShape: number[];
  tokenIds: boolean;
}

const SPLITS = ['train', 'validation', 'test'] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value) && !(value instanceof tf.Tensor);
}

export async function loadModuleData(exported: unknown, ctx: ModuleDataContext): Promise<LoadedData> {
  const { code } = ctx;
  const base = path.basename(code.file);
  const fail = (field: string, message: string): never => {
    throw new UserError({ file: code.file, field, message });
  };
  if (exported === undefined) {
    fail(
      'data',
      `${base} has no "data" export: export a built-in data set (export const data = { source: 'synthetic', dataset: 'spiral' }) or a function returning { train: { x, y } }`,
    );
  }
  if (isRecord(exported) && 'source' in exported) {
    validateExport(exported, { kind: 'union', def: dataUnion }, 'data', code.file);
    return loadData(exported as unknown as DataSpec, { specFile: code.file, seed: ctx.seed, dataRoot: ctx.dataRoot, onProgress: (m) => ctx.io.progress(m) });
  }
  const value = typeof exported === 'function' ? await code.call(`data() of ${base}`, () => (exported as (t: typeof tf) => unknown)(code.tf)) : exported;
  const origin = typeof exported === 'function' ? 'data()' : 'data';
  const splits: Record<string, unknown> = isRecord(value) && 'train' in value ? value : { train: value };
  for (const key of Object.keys(splits)) {
    if (!(SPLITS as readonly string[]).includes(key)) fail(origin, `unknown split '${key}'; give train and optionally validation and test`);
  }
  const raw: Partial<Record<(typeof SPLITS)[number], RawSplit>> = {};
  for (const name of SPLITS) {
    if (splits[name] !== undefined && splits[name] !== null) raw[name] = await readSplit(splits[name], `${origin}.${name}`, ctx);
  }
  const train = raw.train!;
  for (const name of ['validation', 'test'] as const) {
    const split = raw[name];
    if (split && (formatShape(split.xShape) !== formatShape(train.xShape) || formatShape(split.yShape) !== formatShape(train.yShape))) {
      fail(
        `${origin}.${name}`,
        `samples of shape x ${formatShape(split.xShape)}, y ${formatShape(split.yShape)} differ from the training samples (x ${formatShape(train.xShape)}, y ${formatShape(train.yShape)})`,
      );
    }
  }
  const { target, store } = readTarget(train.yShape, ctx.loss, ctx.outputShape, (m) => fail(`${origin}.train`, m));
  const toSplit = (s: RawSplit | undefined, name: string): Split | null =>
    s ? { x: s.x, y: store(s.y, s.count, (m) => fail(`${origin}.${name}`, m)), count: s.count } : null;
  const counts = SPLITS.map((n) => `${raw[n]?.count ?? 0} ${n}`).join(' / ');
  const classes = target.kind === 'class' ? `, ${target.numClasses} classes` : '';
  return {
    description: `${origin} of ${base}: ${counts} samples, input ${formatShape(train.xShape)}${classes}`,
    inputShape: train.xShape,
    target,
    inputIsTokenIds: train.tokenIds,
    train: toSplit(train, 'train')!,
    validation: toSplit(raw.validation, 'validation'),
    test: toSplit(raw.test, 'test'),
  };
}

/** Values and shape of a tensor, typed array or nested array. */
async function readArray(value: unknown, what: string, fail: (m: string) => never): Promise<{ values: Float32Array; shape: number[]; int: boolean }> {
  let tensor: tf.Tensor;
  if (value instanceof tf.Tensor) tensor = value;
  else {
    try {
      tensor = tf.tensor(value as tf.TensorLike);
    } catch (e) {
      return fail(`${what} must be a tensor, a typed array or a (nested) array of numbers: ${(e as Error).message}`);
    }
  }
  const data = await tensor.data();
  const result = {
    values: data instanceof Float32Array ? new Float32Array(data) : Float32Array.from(data as ArrayLike<number>),
    shape: tensor.shape,
    int: tensor.dtype === 'int32',
  };
  if (tensor !== value) tensor.dispose();
  return result;
}

function pick(element: Record<string, unknown>, names: string[]): unknown {
  for (const n of names) if (element[n] !== undefined) return element[n];
  return undefined;
}

/** One split: `{x, y}` arrays, or batches from a dataset or iterable. */
async function readSplit(value: unknown, label: string, ctx: ModuleDataContext): Promise<RawSplit> {
  const fail = (message: string): never => {
    throw new UserError({ file: ctx.code.file, field: label, message });
  };
  if (isRecord(value) && pick(value, ['x', 'xs']) !== undefined) {
    const x = await readArray(pick(value, ['x', 'xs']), `${label}.x`, fail);
    const y = await readArray(pick(value, ['y', 'ys']), `${label}.y`, fail);
    return assemble([x], [y], label, fail);
  }
  const batches = iterate(value);
  if (!batches) {
    return fail('expected { x, y } (tensors or arrays), a tf.data.Dataset of { xs, ys } batches, or an (async) iterable of { x, y } batches');
  }
  const xs: Awaited<ReturnType<typeof readArray>>[] = [];
  const ys: typeof xs = [];
  await ctx.code.call(`reading the batches of ${label}`, async () => {
    let total = 0;
    for await (const element of batches) {
      if (!isRecord(element)) fail(`each batch must be an object { x, y } (or { xs, ys }), got ${typeof element}`);
      const e = element as Record<string, unknown>;
      const x = await readArray(pick(e, ['x', 'xs']), `${label}: a batch's x`, fail);
      const y = await readArray(pick(e, ['y', 'ys']), `${label}: a batch's y`, fail);
      tf.dispose(Object.values(e).filter((v): v is tf.Tensor => v instanceof tf.Tensor));
      if (y.shape.length === 0) fail('the elements are single samples, not batches: batch them (dataset.batch(32))');
      xs.push(x);
      ys.push(y);
      total += x.values.length + y.values.length;
      if (total > MAX_VALUES) fail(`more than ${MAX_VALUES} values (1 GiB): the trainer holds the data in memory; use fewer samples`);
    }
  });
  if (xs.length === 0) fail('gave no batches');
  return assemble(xs, ys, label, fail);
}

/** An async iterator over `value`'s elements, or null when it is not a dataset or iterable. */
function iterate(value: unknown): AsyncIterable<unknown> | null {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return null;
  const dataset = value as { iterator?: () => Promise<{ next(): Promise<IteratorResult<unknown>> }> };
  if (typeof dataset.iterator === 'function' && !(Symbol.asyncIterator in value)) {
    return {
      async *[Symbol.asyncIterator]() {
        const it = await dataset.iterator!();
        for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
      },
    };
  }
  if (Symbol.asyncIterator in value) return value as AsyncIterable<unknown>;
  if (Symbol.iterator in value) {
    const items = value as Iterable<unknown>;
    return {
      async *[Symbol.asyncIterator]() {
        yield* items;
      },
    };
  }
  return null;
}

/** Concatenates batches into one split, checking every batch has the same sample shape. */
function assemble(xs: Awaited<ReturnType<typeof readArray>>[], ys: typeof xs, label: string, fail: (m: string) => never): RawSplit {
  // A rank-1 x is one feature per sample.
  const sampleShape = (shape: number[]) => (shape.length === 1 ? [1] : shape.slice(1));
  const xShape = sampleShape(xs[0].shape);
  const yShape = ys[0].shape.slice(1);
  let count = 0;
  xs.forEach((x, i) => {
    const y = ys[i];
    if (x.shape[0] !== y.shape[0]) fail(`x has ${x.shape[0]} samples but y has ${y.shape[0]}${xs.length > 1 ? ` (batch ${i + 1})` : ''}`);
    if (formatShape(sampleShape(x.shape)) !== formatShape(xShape) || formatShape(y.shape.slice(1)) !== formatShape(yShape)) {
      fail(
        `batch ${i + 1} has samples of shape x ${formatShape(sampleShape(x.shape))}, y ${formatShape(y.shape.slice(1))}; the first had x ${formatShape(xShape)}, y ${formatShape(yShape)}`,
      );
    }
    count += x.shape[0];
  });
  if (count === 0) fail('has no samples');
  const join = (parts: Float32Array[]) => {
    const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const p of parts) {
      out.set(p, offset);
      offset += p.length;
    }
    return out;
  };
  return { x: join(xs.map((x) => x.values)), y: join(ys.map((y) => y.values)), count, xShape, yShape, tokenIds: xs[0].int };
}

const sameShape = (a: number[], b: (number | null)[]) => a.length === b.length && a.every((d, i) => b[i] === null || b[i] === d);

/**
 * How y is read for this loss and output: values as they are, class indices,
 * or one-hot rows turned into indices (the trainer stores indices).
 */
function readTarget(
  ySample: number[],
  loss: LossName,
  output: (number | null)[],
  fail: (m: string) => never,
): { target: TargetInfo; store: (y: Float32Array, count: number, fail: (m: string) => never) => Float32Array } {
  if (loss === 'meanSquaredError' || loss === 'meanAbsoluteError') {
    return { target: { kind: 'value', shape: ySample.length === 0 ? [1] : ySample }, store: (y) => y };
  }
  const checkLabels = (numClasses: number) => (y: Float32Array, _count: number, bad: (m: string) => never) => {
    const wrong = y.findIndex((v) => !Number.isInteger(v) || v < 0 || v >= numClasses);
    if (wrong >= 0) bad(`y[${wrong}] is ${y[wrong]}; ${loss} needs class indices 0…${numClasses - 1}`);
    return y;
  };
  if (loss === 'binaryCrossentropy') {
    if (!(ySample.length === 0 || (ySample.length === 1 && ySample[0] === 1))) {
      fail(`y has shape ${formatShape(ySample)} per sample; binaryCrossentropy needs one 0/1 label per sample`);
    }
    return { target: { kind: 'class', numClasses: 2, shape: [] }, store: checkLabels(2) };
  }
  const numClasses = output[output.length - 1];
  if (typeof numClasses !== 'number' || numClasses < 2) {
    return fail(`${loss} needs an output of K ≥ 2 class probabilities, but the model outputs ${formatShape(output)}`);
  }
  const positions = output.slice(0, -1);
  if (sameShape(ySample, output)) {
    // One-hot rows → indices.
    const shape = ySample.slice(0, -1);
    const store = (y: Float32Array, _count: number, bad: (m: string) => never) => {
      const rows = y.length / numClasses;
      const out = new Float32Array(rows);
      for (let r = 0; r < rows; r++) {
        let hot = -1;
        for (let k = 0; k < numClasses; k++) {
          const v = y[r * numClasses + k];
          if (v === 1 && hot < 0) hot = k;
          else if (v !== 0) bad(`row ${r} of y is not one-hot (soft labels are not supported); give class indices or one-hot rows of 0 and 1`);
        }
        if (hot < 0) bad(`row ${r} of y has no 1; give class indices or one-hot rows`);
        out[r] = hot;
      }
      return out;
    };
    return { target: { kind: 'class', numClasses, shape }, store };
  }
  if (sameShape(ySample, positions) || (positions.length === 0 && ySample.length === 1 && ySample[0] === 1)) {
    return { target: { kind: 'class', numClasses, shape: ySample.length === 1 && positions.length === 0 ? [] : ySample }, store: checkLabels(numClasses) };
  }
  return fail(
    `y has shape ${formatShape(ySample)} per sample, but the model outputs ${formatShape(output)} and ${loss} needs class indices (${formatShape(positions)}) or one-hot rows (${formatShape(output)})`,
  );
}
