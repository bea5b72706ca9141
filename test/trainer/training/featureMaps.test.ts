// Feature maps of conv/pooling layers: the pure pooling/rounding function on
// hand-built outputs, and the instrumented step of small conv models checked
// against the layer outputs computed directly with tfjs (and, for pooling,
// against tf.avgPool).
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/trainer/backend/select';
import { FEATURE_MAP_CHANNELS, featureMaps, roundSignificant4 } from '../../../src/trainer/training/featureMaps';
import { InstrumentedModel } from '../../../src/trainer/training/instrumentedModel';

/** |actual − expected| within the error of rounding to 4 significant digits. */
function assertClose(actual: number[], expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const e = expected[i];
    const tolerance = Math.abs(e) * 5.001e-4 + 1e-6;
    assert.ok(Math.abs(actual[i] - e) <= tolerance, `${what}[${i}]: ${actual[i]} vs ${e}`);
  }
}

/** Values of channel `c` of sample 0 of a [batch, h, w, channels] array, row-major. */
function channelOf(v: ArrayLike<number>, shape: number[], c: number): number[] {
  const [, h, w, channels] = shape;
  return Array.from({ length: h * w }, (_, i) => v[i * channels + c]);
}

describe('featureMaps (pure)', () => {
  it('rounds to 4 significant digits as short decimals', () => {
    assert.equal(roundSignificant4(1234.5678), 1235);
    assert.equal(roundSignificant4(-98765), -98770);
    assert.equal(roundSignificant4(0.000123456), 0.0001235);
    assert.equal(roundSignificant4(2.71828), 2.718);
    assert.equal(JSON.stringify([0.1 + 0.2, 1 / 3, 123456789].map(roundSignificant4)), '[0.3,0.3333,123500000]');
    assert.equal(roundSignificant4(0), 0);
    assert.ok(Number.isNaN(roundSignificant4(NaN)));
  });

  it('takes sample 0, the first 8 channels, unpooled when the map fits in 32×32', () => {
    const shape = [2, 5, 3, 10];
    const v = Float32Array.from({ length: 2 * 5 * 3 * 10 }, (_, i) => (i % 7) - 3 + i / 1000);
    const maps = featureMaps(v, shape)!;
    assert.equal(maps.height, 5);
    assert.equal(maps.width, 3);
    assert.deepEqual(maps.channels, [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.equal(maps.values.length, FEATURE_MAP_CHANNELS);
    for (const c of maps.channels) {
      const expected = channelOf(v, shape, c);
      assertClose(maps.values[c], expected, `channel ${c}`);
      assert.equal(maps.min[c], roundSignificant4(Math.min(...expected)));
      assert.equal(maps.max[c], roundSignificant4(Math.max(...expected)));
    }
  });

  it('average-pools by one factor, averaging partial edge windows over the cells they cover', () => {
    // 70×40: factor ceil(70/32) = 3 → 24×14; the last row window holds 1 row, the last column window 1 column.
    const shape = [1, 70, 40, 2];
    const v = Float32Array.from({ length: 70 * 40 * 2 }, (_, i) => Math.sin(i * 0.37) * 5);
    const maps = featureMaps(v, shape)!;
    assert.equal(maps.height, 24);
    assert.equal(maps.width, 14);
    assert.deepEqual(maps.channels, [0, 1]);
    for (const c of [0, 1]) {
      const full = channelOf(v, shape, c);
      const expected: number[] = [];
      for (let r = 0; r < 24; r++) {
        for (let q = 0; q < 14; q++) {
          let sum = 0;
          let n = 0;
          for (let h = r * 3; h < Math.min(70, r * 3 + 3); h++) {
            for (let w = q * 3; w < Math.min(40, q * 3 + 3); w++) {
              sum += full[h * 40 + w];
              n++;
            }
          }
          expected.push(sum / n);
        }
      }
      assertClose(maps.values[c], expected, `pooled channel ${c}`);
    }
  });

  it('marks cells with NaN/Inf as NaN and keeps min/max over the finite values', () => {
    const shape = [1, 2, 2, 1];
    const maps = featureMaps(Float32Array.from([1, NaN, Infinity, -2]), shape)!;
    assert.ok(Number.isNaN(maps.values[0][1]));
    assert.ok(Number.isNaN(maps.values[0][2]));
    assert.deepEqual([maps.values[0][0], maps.values[0][3]], [1, -2]);
    assert.deepEqual([maps.min[0], maps.max[0]], [-2, 1]);
    assert.deepEqual(
      featureMaps(
        Float32Array.from([NaN]),
        shape.map(() => 1),
      )!.min,
      [NaN],
    );
  });

  it('is undefined for outputs that are not rank 4 or are empty', () => {
    assert.equal(featureMaps(new Float32Array(12), [3, 4]), undefined);
    assert.equal(featureMaps(new Float32Array(24), [2, 3, 4]), undefined);
    assert.equal(featureMaps(new Float32Array(0), [0, 3, 3, 2]), undefined);
  });
});

function convModel(size: number, filters: number): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [size, size, 1],
        filters,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        name: 'conv',
        kernelInitializer: tf.initializers.heNormal({ seed: 3 }),
        biasInitializer: 'randomNormal',
      }),
      tf.layers.maxPooling2d({ poolSize: 2, name: 'pool' }),
      tf.layers.flatten({ name: 'flat' }),
      tf.layers.dense({ units: 3, activation: 'softmax', name: 'out', kernelInitializer: tf.initializers.glorotNormal({ seed: 4 }) }),
    ],
  });
}

function batch(size: number, n: number): { x: tf.Tensor; y: tf.Tensor } {
  const x = tf.tensor4d(
    Float32Array.from({ length: n * size * size }, (_, i) => Math.cos(i * 0.11)),
    [n, size, size, 1],
  );
  const y = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: n }, (_, i) => i % 3),
      'int32',
    ),
    3,
  );
  return { x, y };
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`feature maps of an inspection step (${backend})`, () => {
    before(async () => {
      if (backend === 'wasm') await initBackend('wasm');
      await tf.setBackend(backend);
    });

    it('conv and pooling layers carry maps of sample 0 that match their outputs; other layers and light steps do not', async () => {
      const model = convModel(12, 10);
      const instrumented = new InstrumentedModel(model, tf.train.adam(0.01), 'categoricalCrossentropy', ['accuracy']);
      const { x, y } = batch(12, 3);
      const m = await instrumented.step(x, y, { detail: true, histograms: true, apply: false });
      const [conv, pool, flat, out] = m.layers;
      assert.deepEqual(
        m.layers.map((l) => l.name),
        ['conv', 'pool', 'flat', 'out'],
      );
      assert.equal(flat.featureMaps, undefined);
      assert.equal(out.featureMaps, undefined);
      const direct = tf
        .model({ inputs: model.inputs, outputs: [model.getLayer('conv').output, model.getLayer('pool').output] as tf.SymbolicTensor[] })
        .predict(x) as tf.Tensor[];
      for (const [stats, tensor, side] of [
        [conv, direct[0], 12],
        [pool, direct[1], 6],
      ] as const) {
        const maps = stats.featureMaps!;
        assert.ok(maps, `${stats.name} has feature maps`);
        assert.deepEqual([maps.height, maps.width], [side, side]);
        assert.deepEqual(maps.channels, [0, 1, 2, 3, 4, 5, 6, 7], 'the first 8 of 10 channels');
        const values = tensor.dataSync();
        for (const c of maps.channels) {
          const expected = channelOf(values, tensor.shape, c);
          assertClose(maps.values[c], expected, `${stats.name} channel ${c}`);
          assertClose([maps.min[c], maps.max[c]], [Math.min(...expected), Math.max(...expected)], `${stats.name} min/max ${c}`);
        }
      }
      const light = await instrumented.step(x, y, { detail: true, histograms: false, apply: false });
      assert.ok(
        light.layers.every((l) => l.featureMaps === undefined),
        'no maps without histograms',
      );
      assert.ok(light.layers[0].activationStats, 'but activation statistics are there');
      tf.dispose([x, y, ...direct]);
    });

    // On wasm only: the pure-JS conv of the cpu backend is slow, and the loop is the same.
    if (backend === 'wasm')
      it('a 68×68 conv output is average-pooled to 23×23 like tf.avgPool (3×3, stride 3, same)', async () => {
        const model = convModel(68, 4);
        const instrumented = new InstrumentedModel(model, tf.train.sgd(0.1), 'categoricalCrossentropy', []);
        const { x, y } = batch(68, 2);
        const m = await instrumented.step(x, y, { detail: true, histograms: true, apply: false });
        const maps = m.layers[0].featureMaps!;
        assert.deepEqual([maps.height, maps.width, maps.channels.length], [23, 23, 4]);
        // 68 = 22·3 + 2: SAME padding adds one cell at the end only, and average
        // pooling divides by the cells inside the input, as ours does.
        const conv = tf.model({ inputs: model.inputs, outputs: model.getLayer('conv').output as tf.SymbolicTensor }).predict(x) as tf.Tensor4D;
        const pooled = tf.avgPool(conv, 3, 3, 'same');
        const values = pooled.dataSync();
        for (const c of maps.channels) assertClose(maps.values[c], channelOf(values, pooled.shape, c), `pooled channel ${c}`);
        tf.dispose([x, y, conv, pooled]);
      });
  });
}
