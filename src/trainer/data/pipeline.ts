// The steps every source shares: check the common options, shuffle with the
// seed, hold out validation samples, cap train/test, convert to float32 and
// normalise with statistics of the train split.

import { UserError } from '../../shared/errors';
import { reshapedInput } from './inputShape';
import { deriveSeed, Random } from './random';
import { shapeSize, type NormalizeMode, type RawDataset, type RawSplit } from './raw';
import type { DataSpec, LoadContext, LoadedData, Split } from './types';

const NORMALIZE_MODES: NormalizeMode[] = ['none', 'scale', 'standardize'];

/** Range checks of the options shared by every source (types were checked by the spec parser). */
export function checkCommonOptions(spec: DataSpec, ctx: LoadContext): void {
  const fail = (field: string, message: string): never => {
    throw new UserError({ file: ctx.specFile, field: `data.${field}`, message });
  };
  const split = spec.validationSplit;
  if (split !== undefined && !(Number.isFinite(split) && split >= 0 && split < 1)) {
    fail('validationSplit', `must be at least 0 and less than 1 (a fraction, e.g. 0.1 for 10%), but it is ${split}`);
  }
  if (spec.normalize !== undefined && !NORMALIZE_MODES.includes(spec.normalize)) {
    fail('normalize', `must be one of ${NORMALIZE_MODES.map((m) => `"${m}"`).join(', ')}, but it is "${String(spec.normalize)}"`);
  }
  if (spec.trainSamples !== undefined && !(Number.isInteger(spec.trainSamples) && spec.trainSamples >= 1)) {
    fail('trainSamples', `must be an integer ≥ 1, but it is ${spec.trainSamples}`);
  }
  if (spec.testSamples !== undefined && !(Number.isInteger(spec.testSamples) && spec.testSamples >= 0)) {
    fail('testSamples', `must be an integer ≥ 0 (0 = no test set), but it is ${spec.testSamples}`);
  }
}

/** Copies the samples `indices` of `raw` into new float32 arrays, multiplying inputs by `factor`. */
function gather(raw: RawSplit, indices: ArrayLike<number>, sampleSize: number, ySize: number, factor: number): Split {
  const count = indices.length;
  const x = new Float32Array(count * sampleSize);
  const y = new Float32Array(count * ySize);
  for (let i = 0; i < count; i++) {
    const s = indices[i];
    // Typed-array set converts bytes to floats natively: much faster than an element loop.
    x.set(raw.x.subarray(s * sampleSize, (s + 1) * sampleSize), i * sampleSize);
    y.set(raw.y.subarray(s * ySize, (s + 1) * ySize), i * ySize);
  }
  if (factor !== 1) for (let j = 0; j < x.length; j++) x[j] *= factor;
  return { x, y, count };
}

/** Per-channel shift and divisor computed on `train`: value i of a sample belongs to channel i % channels. */
function channelStatistics(train: Float32Array, channels: number, mode: 'scale' | 'standardize'): { shift: Float64Array; divisor: Float64Array } {
  const shift = new Float64Array(channels);
  const divisor = new Float64Array(channels);
  const perChannel = train.length / channels;
  // One strided pass per channel with scalar accumulators: much faster than indexing per-channel arrays.
  for (let c = 0; c < channels; c++) {
    if (mode === 'scale') {
      let min = Infinity;
      let max = -Infinity;
      for (let j = c; j < train.length; j += channels) {
        const v = train[j];
        if (v < min) min = v;
        if (v > max) max = v;
      }
      shift[c] = min;
      divisor[c] = max > min ? max - min : 1; // constant feature: maps to 0
      continue;
    }
    // Two passes (mean, then squared deviations) to avoid cancellation on large values.
    let sum = 0;
    for (let j = c; j < train.length; j += channels) sum += train[j];
    const mean = sum / perChannel;
    let squares = 0;
    for (let j = c; j < train.length; j += channels) {
      const d = train[j] - mean;
      squares += d * d;
    }
    const std = Math.sqrt(squares / perChannel);
    shift[c] = mean;
    divisor[c] = std > 0 ? std : 1; // constant feature: only centred
  }
  return { shift, divisor };
}

function applyStatistics(x: Float32Array, channels: number, stats: { shift: Float64Array; divisor: Float64Array }): void {
  for (let c = 0; c < channels; c++) {
    const shift = stats.shift[c];
    const scale = 1 / stats.divisor[c];
    for (let j = c; j < x.length; j += channels) x[j] = (x[j] - shift) * scale;
  }
}

function normalizationText(mode: NormalizeMode, raw: RawDataset): string {
  if (mode === 'scale') return raw.isImage ? 'pixels / 255' : 'features min–max scaled to [0, 1] on the train split';
  if (mode === 'standardize') {
    const per = raw.isImage || raw.inputShape.length > 1 ? 'per channel' : 'per feature';
    return `standardized ${per} with the train split's mean and std`;
  }
  return raw.isImage ? 'raw pixel values 0–255' : '';
}

function wholeNumbers(x: Float32Array): boolean {
  for (let i = 0; i < x.length; i++) if (!(x[i] >= 0 && Number.isInteger(x[i]))) return false;
  return true;
}

/** Turns a source's raw samples into the splits of `LoadedData`. */
export function prepare(raw: RawDataset, spec: DataSpec, ctx: LoadContext): LoadedData {
  const pool = raw.train.count;
  if (pool === 0) {
    throw new UserError({ file: raw.trainFile ?? ctx.specFile, message: 'the dataset has no training samples' });
  }
  const inputShape = reshapedInput(raw, spec, ctx);
  const mode: NormalizeMode = spec.normalize ?? raw.defaultNormalize;
  if (raw.inputIsTokenIds && mode !== 'none') {
    throw new UserError({
      file: ctx.specFile,
      field: 'data.normalize',
      message: `the inputs are token ids (for an Embedding layer) and cannot be normalized; remove data.normalize or set it to "none"`,
    });
  }

  const splitFraction = spec.validationSplit ?? 0;
  const validationCount = splitFraction > 0 ? Math.max(1, Math.round(pool * splitFraction)) : 0;
  if (validationCount >= pool) {
    throw new UserError({
      file: ctx.specFile,
      field: 'data.validationSplit',
      message: `holding out ${splitFraction} of ${pool} samples leaves none for training; use a smaller validationSplit or more data`,
    });
  }
  const order = new Random(deriveSeed(ctx.seed, 'split')).permutation(pool);
  const available = pool - validationCount;
  const trainCount = Math.min(available, spec.trainSamples ?? available);
  const trainIndices = order.subarray(validationCount, validationCount + trainCount);
  const validationIndices = order.subarray(0, validationCount);

  let testIndices: Uint32Array | null = null;
  if (raw.test !== null && spec.testSamples !== 0) {
    const testCount = Math.min(raw.test.count, spec.testSamples ?? raw.test.count);
    testIndices =
      testCount < raw.test.count
        ? new Random(deriveSeed(ctx.seed, 'test-subset')).permutation(raw.test.count).subarray(0, testCount)
        : Uint32Array.from({ length: testCount }, (_, i) => i);
  }

  const sampleSize = shapeSize(raw.inputShape);
  const ySize = shapeSize(raw.target.shape);
  const factor = mode === 'scale' && raw.isImage ? 1 / 255 : 1;
  ctx.onProgress?.('preparing splits');
  const train = gather(raw.train, trainIndices, sampleSize, ySize, factor);
  const validation = validationCount > 0 ? gather(raw.train, validationIndices, sampleSize, ySize, factor) : null;
  const test = testIndices !== null && raw.test !== null ? gather(raw.test, testIndices, sampleSize, ySize, factor) : null;

  if (mode === 'standardize' || (mode === 'scale' && !raw.isImage)) {
    const stats = channelStatistics(train.x, raw.channels, mode);
    for (const split of [train, validation, test]) if (split) applyStatistics(split.x, raw.channels, stats);
  }

  const trainParts = [trainCount < available ? `${trainCount} used` : `${trainCount}`];
  if (spec.trainSamples !== undefined && spec.trainSamples > available) {
    trainParts[0] = `all ${trainCount} used, fewer than trainSamples ${spec.trainSamples}`;
  }
  if (validationCount > 0) trainParts.push(`${validationCount} validation`);
  const trainText =
    trainParts.length > 1 || trainCount < available || spec.trainSamples !== undefined ? `${pool} train (${trainParts.join(' + ')})` : `${pool} train`;
  const testText =
    raw.test === null || test === null ? 'no test set' : test.count < raw.test.count ? `${raw.test.count} test (${test.count} used)` : `${test.count} test`;
  const normText = [spec.inputShape ? `each sample reshaped to [${inputShape.join(', ')}]` : '', normalizationText(mode, raw)]
    .filter((t) => t !== '')
    .join('; ');
  // Un-normalized CSV columns of whole numbers ≥ 0 can be the indices an Embedding layer reads.
  const indices = raw.inputIsTokenIds || (mode === 'none' && spec.source === 'csv' && [train, validation, test].every((s) => s === null || wholeNumbers(s.x)));
  return {
    description: `${raw.source}: ${trainText} / ${testText}${normText ? `; ${normText}` : ''}`,
    inputShape,
    target: raw.target,
    inputIsTokenIds: indices,
    train,
    validation,
    test,
    classNames: raw.classNames,
  };
}
