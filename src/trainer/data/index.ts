// Data loading for training: `loadData` turns the spec's `data` section into
// float32 train/validation/test splits; `BatchSource` serves reproducible
// mini-batches of a split.

import { UserError } from '../../shared/errors';
import { loadCifar10 } from './cifar10';
import { loadCsv } from './csv';
import { loadImages } from './images';
import { loadMnist } from './mnist';
import { loadNumpy } from './numpy';
import { checkCommonOptions, prepare } from './pipeline';
import type { RawDataset } from './raw';
import { loadSynthetic } from './synthetic';
import type { DataSpec, LoadContext, LoadedData } from './types';

export { BatchSource } from './batch';
export { defaultMnistFolder } from './mnist';
export { SYNTHETIC_NAMES } from './synthetic';
export type * from './types';

function loadRaw(spec: DataSpec, ctx: LoadContext): RawDataset {
  switch (spec.source) {
    case 'mnist':
      return loadMnist(spec, ctx);
    case 'cifar10':
      return loadCifar10(spec, ctx);
    case 'csv':
      return loadCsv(spec, ctx);
    case 'images':
      return loadImages(spec, ctx);
    case 'numpy':
      return loadNumpy(spec, ctx);
    case 'synthetic':
      return loadSynthetic(spec, ctx);
    default:
      throw new UserError({
        file: ctx.specFile,
        field: 'data.source',
        message: `unknown data source "${String((spec as { source: unknown }).source)}"; use "mnist", "cifar10", "csv", "images", "numpy" or "synthetic"`,
      });
  }
}

export async function loadData(spec: DataSpec, ctx: LoadContext): Promise<LoadedData> {
  checkCommonOptions(spec, ctx);
  const raw = loadRaw(spec, ctx);
  return prepare(raw, spec, ctx);
}
