// Generators of the synthetic sets. Each fills `total` samples; the class of
// sample i is i % classes (exactly balanced; the pipeline shuffles later).
// Inputs lie roughly in [-1, 1] so that no normalisation is needed.

import type { Random } from './random';

export interface SyntheticOptions {
  classes: number;
  features: number;
  seqLength: number;
  vocabSize: number;
  /** Standard deviation of gaussian noise added to every input value after the target is fixed. */
  noise: number;
}

export interface Generated {
  x: Float32Array;
  y: Float32Array;
}

function addNoise(x: Float32Array, rng: Random, noise: number): void {
  if (noise === 0) return;
  for (let i = 0; i < x.length; i++) x[i] += rng.normal(0, noise);
}

/** `classes` spiral arms (TF Playground's spiral for 2), radius 0..1 over 1.75 turns. */
export function spiral(rng: Random, total: number, o: SyntheticOptions): Generated {
  const x = new Float32Array(total * 2);
  const y = new Float32Array(total);
  for (let i = 0; i < total; i++) {
    const k = i % o.classes;
    const t = rng.next();
    const angle = 1.75 * 2 * Math.PI * t + (2 * Math.PI * k) / o.classes;
    x[2 * i] = t * Math.sin(angle);
    x[2 * i + 1] = t * Math.cos(angle);
    y[i] = k;
  }
  addNoise(x, rng, o.noise);
  return { x, y };
}

/** Two interleaving half circles (as scikit-learn's make_moons), centred on the origin. */
export function moons(rng: Random, total: number, o: SyntheticOptions): Generated {
  const x = new Float32Array(total * 2);
  const y = new Float32Array(total);
  for (let i = 0; i < total; i++) {
    const k = i % 2;
    const theta = Math.PI * rng.next();
    const px = k === 0 ? Math.cos(theta) : 1 - Math.cos(theta);
    const py = k === 0 ? Math.sin(theta) : 0.5 - Math.sin(theta);
    x[2 * i] = px - 0.5;
    x[2 * i + 1] = py - 0.25;
    y[i] = k;
  }
  addNoise(x, rng, o.noise);
  return { x, y };
}

/** Concentric rings: class 0 a disc, class k ≥ 1 a ring further out; the outermost ends at radius 1. */
export function circles(rng: Random, total: number, o: SyntheticOptions): Generated {
  const x = new Float32Array(total * 2);
  const y = new Float32Array(total);
  const step = 1 / (o.classes - 0.5);
  for (let i = 0; i < total; i++) {
    const k = i % o.classes;
    const radius = k === 0 ? rng.uniform(0, 0.5 * step) : rng.uniform((k + 0.2) * step, (k + 0.5) * step);
    const angle = rng.uniform(0, 2 * Math.PI);
    x[2 * i] = radius * Math.sin(angle);
    x[2 * i + 1] = radius * Math.cos(angle);
    y[i] = k;
  }
  addNoise(x, rng, o.noise);
  return { x, y };
}

/** Points in [-1, 1]², kept 0.05 away from the axes; class 0 where x·y > 0, class 1 where x·y < 0. */
export function xor(rng: Random, total: number, o: SyntheticOptions): Generated {
  const x = new Float32Array(total * 2);
  const y = new Float32Array(total);
  for (let i = 0; i < total; i++) {
    const k = i % 2;
    const signX = rng.next() < 0.5 ? -1 : 1;
    const signY = k === 0 ? signX : -signX;
    x[2 * i] = signX * rng.uniform(0.05, 1);
    x[2 * i + 1] = signY * rng.uniform(0.05, 1);
    y[i] = k;
  }
  addNoise(x, rng, o.noise);
  return { x, y };
}

/** `classes` gaussian clusters (std = noise) around random centres in [-1, 1]^features, kept apart where possible. */
export function blobs(rng: Random, total: number, o: SyntheticOptions): Generated {
  const centres: number[][] = [];
  const minDistance = 0.5;
  for (let k = 0; k < o.classes; k++) {
    let best: number[] = [];
    let bestDistance = -1;
    for (let attempt = 0; attempt < 100 && bestDistance < minDistance; attempt++) {
      const candidate = Array.from({ length: o.features }, () => rng.uniform(-1, 1));
      const nearest = Math.min(Infinity, ...centres.map((c) => Math.hypot(...c.map((v, d) => v - candidate[d]))));
      if (nearest > bestDistance) {
        best = candidate;
        bestDistance = nearest;
      }
    }
    centres.push(best);
  }
  const x = new Float32Array(total * o.features);
  const y = new Float32Array(total);
  for (let i = 0; i < total; i++) {
    const k = i % o.classes;
    for (let d = 0; d < o.features; d++) x[i * o.features + d] = centres[k][d];
    y[i] = k;
  }
  addNoise(x, rng, o.noise);
  return { x, y };
}

/** [seqLength, 1] values uniform in [-1, 1]; class 1 when their sum is positive (before noise), else 0. */
export function sequenceSum(rng: Random, total: number, o: SyntheticOptions): Generated {
  const x = new Float32Array(total * o.seqLength);
  const y = new Float32Array(total);
  for (let i = 0; i < total; i++) {
    const k = i % 2;
    const base = i * o.seqLength;
    let sum = 0;
    for (let t = 0; t < o.seqLength; t++) {
      const v = rng.uniform(-1, 1);
      x[base + t] = v;
      sum += v;
    }
    // Negating the sequence flips the sign of its sum: gives exactly balanced classes.
    if (sum > 0 !== (k === 1)) for (let t = 0; t < o.seqLength; t++) x[base + t] = -x[base + t];
    y[i] = k;
  }
  addNoise(x, rng, o.noise);
  return { x, y };
}

/** [seqLength, 1] sine with random amplitude (0.5–1) and phase; class k has k + 1 periods over the sequence. */
export function sequencePattern(rng: Random, total: number, o: SyntheticOptions): Generated {
  const x = new Float32Array(total * o.seqLength);
  const y = new Float32Array(total);
  for (let i = 0; i < total; i++) {
    const k = i % o.classes;
    const amplitude = rng.uniform(0.5, 1);
    const phase = rng.uniform(0, 2 * Math.PI);
    for (let t = 0; t < o.seqLength; t++) {
      x[i * o.seqLength + t] = amplitude * Math.sin((2 * Math.PI * (k + 1) * t) / o.seqLength + phase);
    }
    y[i] = k;
  }
  addNoise(x, rng, o.noise);
  return { x, y };
}

/** Token ids uniform in [0, vocabSize); the target per position is the sequence reversed or sorted. */
export function tokens(rng: Random, total: number, o: SyntheticOptions, order: 'reverse' | 'sort'): Generated {
  const n = o.seqLength;
  const x = new Float32Array(total * n);
  const y = new Float32Array(total * n);
  const row = new Float32Array(n);
  for (let i = 0; i < total; i++) {
    for (let t = 0; t < n; t++) row[t] = rng.int(o.vocabSize);
    x.set(row, i * n);
    if (order === 'reverse') row.reverse();
    else row.sort();
    y.set(row, i * n);
  }
  return { x, y };
}
