// Feature maps of a conv/pooling layer for the training view: the first
// channels of the batch's first sample, average-pooled to a small grid, as a
// JS loop over the output's values (./hostValues). Computed on histogram
// steps only: about 1 ms and 40 kB of JSON for a 26×26×32 output on this
// machine (8.5 ms and 70 kB for 224×224×64).

import type { FeatureMaps } from '../../shared/stats';

/** Maps per layer (the first channels). */
export const FEATURE_MAP_CHANNELS = 8;
/** Largest side of a map after pooling. */
const FEATURE_MAP_SIZE = 32;

/**
 * `x` rounded to 4 significant digits, as the double nearest the decimal
 * (so that JSON prints it short). Non-finite values and 0 are returned as is.
 */
export function roundSignificant4(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  // Rounded on the magnitude so that halves go away from zero, as toPrecision does.
  const magnitude = Math.abs(x);
  const sign = x < 0 ? -1 : 1;
  const exponent = Math.floor(Math.log10(magnitude));
  if (exponent >= 3) {
    const unit = 10 ** (exponent - 3);
    return sign * Math.round(magnitude / unit) * unit;
  }
  // Dividing an integer by an exact power of ten gives the nearest double to the decimal.
  const scale = 10 ** (3 - exponent);
  return (sign * Math.round(magnitude * scale)) / scale;
}

/**
 * Feature maps of sample 0 of a `[batch, height, width, channels]` output
 * whose values are `v` (row-major, channels last); undefined for other ranks
 * or an empty output.
 */
export function featureMaps(v: Float32Array, shape: readonly number[]): FeatureMaps | undefined {
  if (shape.length !== 4) return undefined;
  const [batch, height, width, channelCount] = shape;
  if (batch < 1 || height < 1 || width < 1 || channelCount < 1) return undefined;
  // One factor for both axes keeps the aspect ratio of the map.
  const factor = Math.ceil(Math.max(height, width) / FEATURE_MAP_SIZE);
  const outHeight = Math.ceil(height / factor);
  const outWidth = Math.ceil(width / factor);
  const count = Math.min(FEATURE_MAP_CHANNELS, channelCount);
  const channels = Array.from({ length: count }, (_, c) => c);
  const sums = channels.map(() => new Float64Array(outHeight * outWidth));
  const min = channels.map(() => Infinity);
  const max = channels.map(() => -Infinity);
  for (let h = 0; h < height; h++) {
    const rowBase = h * width * channelCount;
    const outRow = Math.floor(h / factor) * outWidth;
    for (let w = 0; w < width; w++) {
      const base = rowBase + w * channelCount;
      const cell = outRow + Math.floor(w / factor);
      for (let c = 0; c < count; c++) {
        const x = v[base + c];
        sums[c][cell] += x;
        if (x < min[c]) min[c] = x;
        if (x > max[c]) max[c] = x;
      }
    }
  }
  const values = sums.map((sum) => {
    const out = new Array<number>(sum.length);
    for (let r = 0; r < outHeight; r++) {
      const rows = Math.min(factor, height - r * factor);
      for (let col = 0; col < outWidth; col++) {
        const cols = Math.min(factor, width - col * factor);
        const mean = sum[r * outWidth + col] / (rows * cols);
        // A window with NaN/Inf gives NaN or ±Inf; all of them are reported as NaN.
        out[r * outWidth + col] = Number.isFinite(mean) ? roundSignificant4(mean) : NaN;
      }
    }
    return out;
  });
  return {
    height: outHeight,
    width: outWidth,
    channels,
    values,
    // min/max skip NaN by construction (comparisons with NaN are false); ±Inf are not finite.
    min: min.map((m, c) => finiteBound(v, shape, c, m, 'min')),
    max: max.map((m, c) => finiteBound(v, shape, c, m, 'max')),
  };
}

/**
 * `bound` when finite; otherwise the bound over the channel's finite values
 * (a second pass, only for channels holding ±Inf), NaN when there is none.
 */
function finiteBound(v: Float32Array, shape: readonly number[], channel: number, bound: number, which: 'min' | 'max'): number {
  if (Number.isFinite(bound)) return roundSignificant4(bound);
  const [, height, width, channelCount] = shape;
  let best = which === 'min' ? Infinity : -Infinity;
  for (let i = channel; i < height * width * channelCount; i += channelCount) {
    const x = v[i];
    if (!Number.isFinite(x)) continue;
    if (which === 'min' ? x < best : x > best) best = x;
  }
  return Number.isFinite(best) ? roundSignificant4(best) : NaN;
}
