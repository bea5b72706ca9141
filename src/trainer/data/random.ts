// Small seeded pseudo-random generator shared by data loading, synthetic data
// and anything else that must replay exactly (the same seed gives the same
// numbers on every platform: only 32-bit integer arithmetic is involved).

/** mulberry32: a fast 32-bit generator; returns numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mix32(h: number, value: number): number {
  h = Math.imul(h ^ value, 0x5bd1e995);
  h ^= h >>> 15;
  return h >>> 0;
}

/**
 * A 32-bit seed for an independent stream, derived from a run seed and salts,
 * e.g. deriveSeed(seed, 'batch', epoch). Different salts give unrelated
 * streams, so shuffling an epoch does not depend on how much data generation drew.
 */
export function deriveSeed(seed: number, ...salt: (string | number)[]): number {
  // Seeds may be any safe integer (or even fractional): fold both 32-bit halves in.
  const whole = Math.floor(Math.abs(seed));
  let h = mix32(0x9747b28c, whole >>> 0);
  h = mix32(h, Math.floor(whole / 4294967296) >>> 0);
  h = mix32(h, seed < 0 ? 1 : 0);
  h = mix32(h, Math.round((seed - Math.trunc(seed)) * 1e9) >>> 0);
  for (const part of salt) {
    if (typeof part === 'number') {
      h = mix32(h, part >>> 0);
      h = mix32(h, Math.floor(part / 4294967296) >>> 0);
    } else {
      for (let i = 0; i < part.length; i++) h = mix32(h, part.charCodeAt(i));
      h = mix32(h, part.length);
    }
  }
  // Final avalanche (murmur3 fmix32).
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class Random {
  private readonly source: () => number;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    this.source = mulberry32(seed);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.source();
  }

  /** Uniform in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.source();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.source() * n);
  }

  /** Gaussian (Box–Muller; the second value of each pair is kept for the next call). */
  normal(mean = 0, std = 1): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return mean + std * z;
    }
    let u = this.source();
    while (u === 0) u = this.source(); // log(0) would be -Infinity
    const v = this.source();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = radius * Math.sin(2 * Math.PI * v);
    return mean + std * radius * Math.cos(2 * Math.PI * v);
  }

  /** Fisher–Yates shuffle in place; returns the same array. */
  shuffle<T extends { length: number; [index: number]: unknown }>(items: T): T {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.source() * (i + 1));
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Uint32Array {
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    return this.shuffle(order);
  }
}
