// A synthetic image set for custom.model.ts: 16x16 grey images of four
// shapes drawn at random positions with noise. Class 0: horizontal bar,
// 1: vertical bar, 2: diagonal, 3: hollow square. Seeded, so every run sees
// the same images.

import type * as tfType from '@tensorflow/tfjs';

export const SIZE = 16;
export const CLASSES = ['horizontal', 'vertical', 'diagonal', 'square'];

/** Small seeded generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function draw(image: Float32Array, shape: number, next: () => number): void {
  const length = 6 + Math.floor(next() * 6);
  const x0 = Math.floor(next() * (SIZE - length));
  const y0 = Math.floor(next() * (SIZE - length));
  const set = (x: number, y: number) => (image[y * SIZE + x] = 1);
  for (let i = 0; i < length; i++) {
    if (shape === 0) set(x0 + i, y0 + (length >> 1));
    else if (shape === 1) set(x0 + (length >> 1), y0 + i);
    else if (shape === 2) set(x0 + i, y0 + i);
    else {
      set(x0 + i, y0);
      set(x0 + i, y0 + length - 1);
      set(x0, y0 + i);
      set(x0 + length - 1, y0 + i);
    }
  }
}

export interface ShapesOptions {
  train: number;
  validation: number;
  test: number;
  seed: number;
  noise?: number;
}

/** `{ x: [n, 16, 16, 1], y: [n] class indices }` per split, as tensors. */
export function makeShapes(tf: typeof tfType, options: ShapesOptions) {
  const next = random(options.seed);
  const noise = options.noise ?? 0.15;
  const split = (count: number) => {
    const x = new Float32Array(count * SIZE * SIZE);
    const y = new Float32Array(count);
    for (let n = 0; n < count; n++) {
      const image = x.subarray(n * SIZE * SIZE, (n + 1) * SIZE * SIZE);
      y[n] = Math.floor(next() * CLASSES.length);
      draw(image, y[n], next);
      for (let i = 0; i < image.length; i++) image[i] += noise * (next() - 0.5) * 2;
    }
    return { x: tf.tensor4d(x, [count, SIZE, SIZE, 1]), y: tf.tensor1d(y) };
  };
  return { train: split(options.train), validation: split(options.validation), test: split(options.test) };
}
