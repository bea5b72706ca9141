// In-graph statistics of activations, weights and gradients. Each function
// returns a small 1-D tensor (queued in a StatsPacker) plus a decoder that
// turns the read-back numbers into the shared stats types.

import * as tf from '@tensorflow/tfjs';
import type { ActivationStats, Histogram } from '../../shared/stats';

export const HISTOGRAM_BINS = 30;
/** Histograms of large tensors are computed on a strided sample of at most this many values. */
export const HISTOGRAM_SAMPLE = 4096;
const BIG = 3.0e38;

/** Activations whose outputs are bounded, with the bounds used for "saturated". */
export function saturationBounds(activation: string | null): [number, number] | null {
  if (activation === 'sigmoid' || activation === 'hardSigmoid') return [0, 1];
  if (activation === 'tanh') return [-1, 1];
  return null;
}

/** Length of the vector produced by `activationStatsTensor`. */
export const ACTIVATION_STATS_LENGTH = 8;

/**
 * [mean, std, min, max, zeroFraction, deadFraction, saturatedFraction, nonFinite]
 * of one layer output. Dead units: units (last axis) that are zero for every
 * sample and position of the batch. Saturated: within 1% of the bound range
 * from either bound, only for bounded activations (else -1, decoded to null).
 */
export function activationStatsTensor(a: tf.Tensor, activation: string | null): tf.Tensor1D {
  return tf.tidy(() => {
    const x = a.toFloat();
    const { mean, variance } = tf.moments(x);
    const std = tf.sqrt(variance);
    const zeroFraction = tf.mean(tf.equal(x, 0).toFloat());
    let dead: tf.Tensor;
    if (x.rank >= 2) {
      const units = x.shape[x.rank - 1];
      const perUnitMaxAbs = tf.max(tf.abs(x.reshape([-1, units])), 0);
      dead = tf.mean(tf.equal(perUnitMaxAbs, 0).toFloat());
    } else {
      dead = tf.scalar(0);
    }
    const bounds = saturationBounds(activation);
    let saturated: tf.Tensor;
    if (bounds) {
      const margin = (bounds[1] - bounds[0]) * 0.01;
      const near = tf.logicalOr(tf.lessEqual(x, bounds[0] + margin), tf.greaterEqual(x, bounds[1] - margin));
      saturated = tf.mean(near.toFloat());
    } else {
      saturated = tf.scalar(-1);
    }
    const nonFinite = tf.sub(x.size, tf.sum(tf.isFinite(x).toFloat()));
    return tf.stack([mean, std, tf.min(x), tf.max(x), zeroFraction, dead, saturated, nonFinite]) as tf.Tensor1D;
  });
}

export function decodeActivationStats(v: Float32Array, offset: number): ActivationStats {
  const saturated = v[offset + 6];
  return {
    mean: v[offset],
    std: v[offset + 1],
    min: v[offset + 2],
    max: v[offset + 3],
    zeroFraction: v[offset + 4],
    deadFraction: v[offset + 5],
    saturatedFraction: saturated < 0 ? null : saturated,
    nonFinite: Math.round(v[offset + 7]),
  };
}

/** Sum of squares of a tensor, as a scalar. */
export function sumOfSquares(t: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.square(t.toFloat())));
}

/** Count of NaN/Inf values in a tensor, as a scalar. */
export function nonFiniteCount(t: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.sub(t.size, tf.sum(tf.isFinite(t.toFloat()).toFloat())));
}

/** Length of the vector produced by `histogramTensor`: [lo, hi, sampled, counts…]. */
export const HISTOGRAM_LENGTH = 3 + HISTOGRAM_BINS;

/**
 * Fixed-bin histogram of the finite values of `t` (a strided sample of at
 * most HISTOGRAM_SAMPLE values for large tensors), computed in-graph so it
 * travels in the step's single read-back.
 */
export function histogramTensor(t: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => {
    const flat = t.toFloat().reshape([-1]);
    const n = flat.size;
    const stride = Math.max(1, Math.ceil(n / HISTOGRAM_SAMPLE));
    const sample = stride > 1 ? tf.stridedSlice(flat, [0], [n], [stride]) : flat;
    const finite = tf.isFinite(sample);
    const lo = tf.min(tf.where(finite, sample, tf.fill(sample.shape, BIG)));
    const hi = tf.max(tf.where(finite, sample, tf.fill(sample.shape, -BIG)));
    const width = tf.maximum(tf.sub(hi, lo), 1e-30);
    const scaled = tf.floor(tf.mul(tf.div(tf.sub(sample, lo), width), HISTOGRAM_BINS));
    const clipped = tf.clipByValue(scaled, 0, HISTOGRAM_BINS - 1);
    // Non-finite values get bin -1: oneHot of -1 is all zeros, so they are not counted.
    const bins = tf.where(finite, clipped, tf.fill(sample.shape, -1)).toInt();
    const counts = tf.sum(tf.oneHot(bins, HISTOGRAM_BINS).toFloat(), 0);
    return tf.concat([tf.stack([lo, hi, tf.scalar(sample.size)]), counts]) as tf.Tensor1D;
  });
}

export function decodeHistogram(v: Float32Array, offset: number, total: number): Histogram {
  let lo = v[offset];
  let hi = v[offset + 1];
  const sampled = v[offset + 2];
  const counts = Array.from(v.subarray(offset + 3, offset + 3 + HISTOGRAM_BINS), Math.round);
  if (lo > hi) {
    // No finite value at all.
    lo = 0;
    hi = 0;
  }
  const width = (hi - lo) / HISTOGRAM_BINS;
  const edges = Array.from({ length: HISTOGRAM_BINS + 1 }, (_, i) => (i === HISTOGRAM_BINS ? hi : lo + i * width));
  return { edges, counts, sampled, total };
}
