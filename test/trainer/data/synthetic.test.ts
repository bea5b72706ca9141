import * as assert from 'assert';
import { loadData, SYNTHETIC_NAMES, type LoadedData, type SyntheticDataSpec } from '../../../src/trainer/data';
import { countClasses, expectUserError } from './helpers';

const specFile = '/virtual/model.nn.json';
const synth = (spec: Omit<SyntheticDataSpec, 'source'>, seed = 1) => loadData({ source: 'synthetic', ...spec }, { specFile, seed });

const EXPECTED: Record<string, { inputShape: number[]; numClasses: number; targetShape: number[]; tokens: boolean }> = {
  spiral: { inputShape: [2], numClasses: 2, targetShape: [], tokens: false },
  moons: { inputShape: [2], numClasses: 2, targetShape: [], tokens: false },
  circles: { inputShape: [2], numClasses: 2, targetShape: [], tokens: false },
  xor: { inputShape: [2], numClasses: 2, targetShape: [], tokens: false },
  blobs: { inputShape: [2], numClasses: 3, targetShape: [], tokens: false },
  'sequence-sum': { inputShape: [20, 1], numClasses: 2, targetShape: [], tokens: false },
  'sequence-pattern': { inputShape: [32, 1], numClasses: 3, targetShape: [], tokens: false },
  'token-reverse': { inputShape: [8], numClasses: 10, targetShape: [8], tokens: true },
  'token-sort': { inputShape: [8], numClasses: 10, targetShape: [8], tokens: true },
};

function sameSplit(a: LoadedData, b: LoadedData): boolean {
  return Buffer.from(a.train.x.buffer).equals(Buffer.from(b.train.x.buffer)) && Buffer.from(a.train.y.buffer).equals(Buffer.from(b.train.y.buffer));
}

describe('synthetic data', () => {
  for (const name of SYNTHETIC_NAMES) {
    it(`${name}: shapes, balance, determinism per seed`, async () => {
      const expected = EXPECTED[name];
      const data = await synth({ dataset: name });
      assert.deepStrictEqual(data.inputShape, expected.inputShape);
      assert.deepStrictEqual(data.target, { kind: 'class', numClasses: expected.numClasses, shape: expected.targetShape });
      assert.strictEqual(data.inputIsTokenIds, expected.tokens);
      assert.strictEqual(data.train.count, 1000);
      assert.strictEqual(data.test?.count, 200);
      const sampleSize = expected.inputShape.reduce((a, b) => a * b, 1);
      assert.strictEqual(data.train.x.length, 1000 * sampleSize);
      assert.strictEqual(data.train.y.length, 1000 * Math.max(1, expected.targetShape[0] ?? 1));
      for (const v of data.train.x) assert.ok(Number.isFinite(v));
      if (!expected.tokens) {
        const counts = countClasses(data.train.y, expected.numClasses);
        for (const c of counts) assert.ok(Math.abs(c - 1000 / expected.numClasses) <= 1, `class counts ${counts}`);
      } else {
        for (const v of data.train.x) assert.ok(Number.isInteger(v) && v >= 0 && v < 10);
      }
      assert.ok(sameSplit(data, await synth({ dataset: name })), 'same seed gave different data');
      assert.ok(!sameSplit(data, await synth({ dataset: name }, 2)), 'another seed gave the same data');
    });
  }

  it('labels follow the definition of each set (noise 0)', async () => {
    const xor = await synth({ dataset: 'xor', noise: 0 });
    for (let i = 0; i < xor.train.count; i++) {
      assert.strictEqual(xor.train.y[i], xor.train.x[2 * i] * xor.train.x[2 * i + 1] > 0 ? 0 : 1);
    }
    const sum = await synth({ dataset: 'sequence-sum', noise: 0, seqLength: 5 });
    for (let i = 0; i < sum.train.count; i++) {
      const s = sum.train.x.subarray(i * 5, i * 5 + 5).reduce((a, b) => a + b, 0);
      assert.strictEqual(sum.train.y[i], s > 0 ? 1 : 0);
    }
    const circles = await synth({ dataset: 'circles', noise: 0, classes: 3 });
    for (let i = 0; i < circles.train.count; i++) {
      const r = Math.hypot(circles.train.x[2 * i], circles.train.x[2 * i + 1]);
      const k = circles.train.y[i];
      const step = 1 / 2.5;
      assert.ok(k === 0 ? r < 0.5 * step + 1e-6 : r >= (k + 0.2) * step - 1e-6 && r <= (k + 0.5) * step + 1e-6, `r ${r} class ${k}`);
    }
    const reverse = await synth({ dataset: 'token-reverse', seqLength: 5, vocabSize: 7 });
    const sort = await synth({ dataset: 'token-sort', seqLength: 5, vocabSize: 7 });
    for (let i = 0; i < 100; i++) {
      assert.deepStrictEqual(Array.from(reverse.train.y.subarray(i * 5, i * 5 + 5)), Array.from(reverse.train.x.subarray(i * 5, i * 5 + 5)).reverse());
      assert.deepStrictEqual(
        Array.from(sort.train.y.subarray(i * 5, i * 5 + 5)),
        Array.from(sort.train.x.subarray(i * 5, i * 5 + 5)).sort((a, b) => a - b),
      );
    }
  });

  it('sequence-pattern classes differ in frequency (zero crossings grow with the class)', async () => {
    const data = await synth({ dataset: 'sequence-pattern', noise: 0, classes: 4, seqLength: 64 });
    const crossings = [0, 0, 0, 0];
    const counts = countClasses(data.train.y, 4);
    for (let i = 0; i < data.train.count; i++) {
      let n = 0;
      for (let t = 1; t < 64; t++) if (Math.sign(data.train.x[i * 64 + t]) !== Math.sign(data.train.x[i * 64 + t - 1])) n++;
      crossings[data.train.y[i]] += n;
    }
    const mean = crossings.map((c, k) => c / counts[k]);
    // k + 1 periods: about 2(k + 1) sign changes.
    mean.forEach((m, k) => assert.ok(Math.abs(m - 2 * (k + 1)) <= 1, `class ${k}: ${m} crossings`));
  });

  it('blobs uses classes and features; sizes follow samples/testSamples', async () => {
    const data = await synth({ dataset: 'blobs', classes: 5, features: 7, samples: 50, testSamples: 0, noise: 0.01 });
    assert.deepStrictEqual(data.inputShape, [7]);
    assert.strictEqual(data.target.kind === 'class' && data.target.numClasses, 5);
    assert.strictEqual(data.train.count, 50);
    assert.strictEqual(data.test, null);
    assert.match(data.description, /^synthetic "blobs" \(5 classes, 7 features, noise 0\.01\): 50 train \/ no test set$/);
  });

  it('rejects options that are out of range or do not apply to the set', async () => {
    const cases: [Omit<SyntheticDataSpec, 'source'>, string, RegExp][] = [
      [{ dataset: 'moons', classes: 3 }, 'data.classes', /"moons" dataset always has 2 classes/],
      [{ dataset: 'spiral', vocabSize: 5 }, 'data.vocabSize', /does not apply to the "spiral" dataset \(it is used by token-reverse, token-sort\)/],
      [{ dataset: 'token-sort', noise: 0.5 }, 'data.noise', /does not apply to the "token-sort" dataset/],
      [{ dataset: 'spiral', classes: 1 }, 'data.classes', /must be an integer ≥ 2, but it is 1/],
      [{ dataset: 'blobs', features: 2.5 }, 'data.features', /must be an integer ≥ 1, but it is 2\.5/],
      [{ dataset: 'xor', noise: -1 }, 'data.noise', /must be a number ≥ 0, but it is -1/],
      [{ dataset: 'token-reverse', vocabSize: 1 }, 'data.vocabSize', /≥ 2/],
      [{ dataset: 'sequence-pattern', classes: 5, seqLength: 10 }, 'data.seqLength', /10 steps cannot tell 5 frequencies apart; use seqLength ≥ 11/],
      [{ dataset: 'xor', samples: 0 }, 'data.samples', /must be an integer ≥ 1, but it is 0/],
      [{ dataset: 'xor', samples: 1e9 }, 'data.samples', /too many/],
      [{ dataset: 'nope' as 'xor' }, 'data.dataset', /unknown synthetic dataset "nope"; choose one of spiral, moons/],
    ];
    for (const [spec, field, message] of cases) {
      await expectUserError(() => synth(spec), { file: specFile, field, message });
    }
  });
});
