// Synthetic data sets: their options (which apply to which set, defaults,
// ranges) and the raw dataset built from a generator.

import { UserError } from '../../shared/errors';
import { deriveSeed, Random } from './random';
import * as sets from './syntheticSets';
import type { Generated, SyntheticOptions } from './syntheticSets';
import type { RawDataset } from './raw';
import type { LoadContext, SyntheticDataSpec, SyntheticName } from './types';

type Option = 'classes' | 'features' | 'seqLength' | 'vocabSize' | 'noise';

interface SetInfo {
  /** Defaults of the options this set uses; options missing here do not apply to it. */
  defaults: Partial<Record<Option, number>>;
  /** The number of classes is fixed (moons, xor, sequence-sum). */
  fixedClasses?: number;
  kind: 'points' | 'sequence' | 'tokens';
  generate: (rng: Random, total: number, o: SyntheticOptions) => Generated;
}

const SETS: Record<SyntheticName, SetInfo> = {
  spiral: { defaults: { classes: 2, noise: 0.1 }, kind: 'points', generate: sets.spiral },
  moons: { defaults: { noise: 0.1 }, fixedClasses: 2, kind: 'points', generate: sets.moons },
  circles: { defaults: { classes: 2, noise: 0.1 }, kind: 'points', generate: sets.circles },
  xor: { defaults: { noise: 0.1 }, fixedClasses: 2, kind: 'points', generate: sets.xor },
  blobs: { defaults: { classes: 3, features: 2, noise: 0.1 }, kind: 'points', generate: sets.blobs },
  'sequence-sum': { defaults: { seqLength: 20, noise: 0.1 }, fixedClasses: 2, kind: 'sequence', generate: sets.sequenceSum },
  'sequence-pattern': { defaults: { classes: 3, seqLength: 32, noise: 0.1 }, kind: 'sequence', generate: sets.sequencePattern },
  'token-reverse': { defaults: { seqLength: 8, vocabSize: 10 }, kind: 'tokens', generate: (r, n, o) => sets.tokens(r, n, o, 'reverse') },
  'token-sort': { defaults: { seqLength: 8, vocabSize: 10 }, kind: 'tokens', generate: (r, n, o) => sets.tokens(r, n, o, 'sort') },
};

export const SYNTHETIC_NAMES = Object.keys(SETS) as SyntheticName[];
const DEFAULT_SYNTHETIC_SAMPLES = 1000;
/** Refuse sets larger than this many input values (~400 MB of floats): almost surely a typo. */
const MAX_VALUES = 1e8;

const MINIMUM: Record<Option, number> = { classes: 2, features: 1, seqLength: 1, vocabSize: 2, noise: 0 };

function fail(ctx: LoadContext, option: string, message: string): never {
  throw new UserError({ file: ctx.specFile, field: `data.${option}`, message });
}

function usersOf(option: Option): string {
  return SYNTHETIC_NAMES.filter((name) => SETS[name].defaults[option] !== undefined || (option === 'classes' && SETS[name].fixedClasses)).join(', ');
}

/** Checks the options against the chosen set and fills in defaults. */
function syntheticOptions(spec: SyntheticDataSpec, ctx: LoadContext): SyntheticOptions {
  const info = SETS[spec.dataset];
  if (info === undefined) {
    fail(ctx, 'dataset', `unknown synthetic dataset "${String(spec.dataset)}"; choose one of ${SYNTHETIC_NAMES.join(', ')}`);
  }
  const resolved: SyntheticOptions = { classes: info.fixedClasses ?? 2, features: 2, seqLength: 1, vocabSize: 2, noise: 0 };
  for (const option of ['classes', 'features', 'seqLength', 'vocabSize', 'noise'] as Option[]) {
    const value = spec[option];
    const fallback = info.defaults[option];
    if (value === undefined) {
      if (fallback !== undefined) resolved[option] = fallback;
      continue;
    }
    if (option === 'classes' && info.fixedClasses !== undefined) {
      if (value !== info.fixedClasses) fail(ctx, option, `the "${spec.dataset}" dataset always has ${info.fixedClasses} classes; remove data.classes`);
      continue;
    }
    if (fallback === undefined) {
      fail(ctx, option, `does not apply to the "${spec.dataset}" dataset (it is used by ${usersOf(option)}); remove it`);
    }
    const integer = option !== 'noise';
    if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < MINIMUM[option]) {
      const kind = integer ? 'an integer' : 'a number';
      fail(ctx, option, `must be ${kind} ≥ ${MINIMUM[option]}, but it is ${value}`);
    }
    resolved[option] = value;
  }
  if (spec.dataset === 'sequence-pattern' && resolved.seqLength < 2 * resolved.classes + 1) {
    // k + 1 periods over seqLength steps: above seqLength / 2 periods the frequencies alias.
    fail(ctx, 'seqLength', `${resolved.seqLength} steps cannot tell ${resolved.classes} frequencies apart; use seqLength ≥ ${2 * resolved.classes + 1}`);
  }
  return resolved;
}

function countOption(ctx: LoadContext, field: string, value: number | undefined, fallback: number, minimum: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < minimum) fail(ctx, field, `must be an integer ≥ ${minimum}, but it is ${value}`);
  return value;
}

export function loadSynthetic(spec: SyntheticDataSpec, ctx: LoadContext): RawDataset {
  const options = syntheticOptions(spec, ctx);
  const info = SETS[spec.dataset];
  const samples = countOption(ctx, 'samples', spec.samples, DEFAULT_SYNTHETIC_SAMPLES, 1);
  const testSamples = countOption(ctx, 'testSamples', spec.testSamples, Math.max(1, Math.round(samples / 5)), 0);
  const inputShape = info.kind === 'points' ? [options.features] : info.kind === 'sequence' ? [options.seqLength, 1] : [options.seqLength];
  const perSample = inputShape.reduce((a, b) => a * b, 1);
  if ((samples + testSamples) * perSample > MAX_VALUES) {
    fail(ctx, 'samples', `${samples + testSamples} samples of ${perSample} values are too many (limit ${MAX_VALUES} values); use fewer samples`);
  }
  const rng = new Random(deriveSeed(ctx.seed, 'synthetic', spec.dataset));
  const all = info.generate(rng, samples + testSamples, options);
  const ySize = info.kind === 'tokens' ? options.seqLength : 1;
  const cut = (from: number, to: number) => ({
    x: all.x.subarray(from * perSample, to * perSample),
    y: all.y.subarray(from * ySize, to * ySize),
    count: to - from,
  });

  const details: string[] = [];
  if (info.kind === 'tokens') details.push(`vocabulary ${options.vocabSize}`, `length ${options.seqLength}`);
  else details.push(`${options.classes} classes`);
  if (spec.dataset === 'blobs') details.push(`${options.features} features`);
  if (info.kind === 'sequence') details.push(`length ${options.seqLength}`);
  if (info.kind !== 'tokens') details.push(`noise ${options.noise}`);
  return {
    source: `synthetic "${spec.dataset}" (${details.join(', ')})`,
    inputShape,
    target:
      info.kind === 'tokens'
        ? { kind: 'class', numClasses: options.vocabSize, shape: [options.seqLength] }
        : { kind: 'class', numClasses: options.classes, shape: [] },
    inputIsTokenIds: info.kind === 'tokens',
    isImage: false,
    channels: info.kind === 'points' ? options.features : info.kind === 'sequence' ? 1 : options.seqLength,
    defaultNormalize: 'none',
    train: cut(0, samples),
    test: testSamples > 0 ? cut(samples, samples + testSamples) : null,
  };
}
