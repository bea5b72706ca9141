import * as assert from 'assert';
import { deriveSeed, mulberry32, Random } from '../../../src/trainer/data/random';

describe('seeded random', () => {
  it('repeats with the same seed and differs with another', () => {
    const a = mulberry32(123);
    const b = mulberry32(123);
    const c = mulberry32(124);
    const first = Array.from({ length: 20 }, () => a());
    assert.deepStrictEqual(
      Array.from({ length: 20 }, () => b()),
      first,
    );
    assert.notDeepStrictEqual(
      Array.from({ length: 20 }, () => c()),
      first,
    );
    for (const v of first) assert.ok(v >= 0 && v < 1);
  });

  it('has a uniform mean and a normal with the requested mean and std', () => {
    const rng = new Random(9);
    const n = 200000;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += rng.next();
    assert.ok(Math.abs(sum / n - 0.5) < 0.005);
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const v = rng.normal(2, 3);
      s += v;
      s2 += v * v;
    }
    const mean = s / n;
    assert.ok(Math.abs(mean - 2) < 0.05, `mean ${mean}`);
    assert.ok(Math.abs(Math.sqrt(s2 / n - mean * mean) - 3) < 0.05);
    for (let i = 0; i < 1000; i++) {
      const k = rng.int(7);
      assert.ok(Number.isInteger(k) && k >= 0 && k < 7);
    }
  });

  it('permutation is a permutation and every position is reachable', () => {
    const rng = new Random(5);
    const firstSeen = new Set<number>();
    for (let t = 0; t < 200; t++) {
      const p = rng.permutation(10);
      assert.deepStrictEqual(
        Array.from(p).sort((a, b) => a - b),
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      );
      firstSeen.add(p[0]);
    }
    assert.strictEqual(firstSeen.size, 10);
  });

  it('derives distinct streams from seed and salts', () => {
    const seeds = new Set<number>();
    for (const seed of [0, 1, 2, -1, 2 ** 32, 2 ** 32 + 1, 0.5]) {
      for (const salt of ['split', 'batch', 'synthetic']) {
        for (const epoch of [0, 1, 2]) seeds.add(deriveSeed(seed, salt, epoch));
      }
    }
    assert.strictEqual(seeds.size, 7 * 3 * 3);
    assert.strictEqual(deriveSeed(42, 'batch', 3), deriveSeed(42, 'batch', 3));
  });
});
