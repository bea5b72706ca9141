import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { buildModel, PositionalEmbedding, TransformerEncoder } from '../../../src/trainer/model';
import { specWith, tokens, useCpu, weightValues } from './helpers';

const LAYERS = [
  { type: 'positionalEmbedding', vocabSize: 9, embedDim: 8, name: 'embed' },
  { type: 'transformerEncoder', numHeads: 2, name: 'enc1' },
  { type: 'transformerEncoder', numHeads: 4, keyDim: 3, ffDim: 12, normFirst: false, activation: 'gelu', dropout: 0.1, name: 'enc2' },
  { type: 'dense', units: 9, activation: 'softmax', name: 'out' },
];

function tokenBatch(batch: number, steps: number, vocab: number): tf.Tensor {
  return tf.tidy(() => tf.randomUniform([batch, steps], 0, vocab, 'int32', 3).toFloat());
}

describe('Transformer layers', () => {
  before(useCpu);

  it('keep the [steps, width] shape and use the documented defaults', () => {
    const model = buildModel(specWith(LAYERS, { loss: 'sparseCategoricalCrossentropy' }), tokens(6, 9), 1);
    assert.ok(model.getLayer('enc1') instanceof TransformerEncoder);
    assert.ok(model.getLayer('embed') instanceof PositionalEmbedding);
    assert.deepStrictEqual(model.getLayer('embed').outputShape, [null, 6, 8]);
    assert.deepStrictEqual(model.getLayer('enc1').outputShape, [null, 6, 8]);
    const shapes = Object.fromEntries(model.getLayer('enc1').weights.map((w) => [w.originalName, w.shape]));
    assert.deepStrictEqual(shapes['enc1/attention/query/kernel'], [8, 8], 'keyDim = width / numHeads');
    assert.deepStrictEqual(shapes['enc1/feedforward/dense_1/kernel'], [8, 32], 'ffDim = 4 × width');
    assert.deepStrictEqual(
      model.getLayer('embed').weights.map((w) => w.shape),
      [
        [9, 8],
        [6, 8],
      ],
    );
    const enc2 = Object.fromEntries(model.getLayer('enc2').weights.map((w) => [w.originalName, w.shape]));
    assert.deepStrictEqual(enc2['enc2/attention/value/kernel'], [8, 12]);
    assert.deepStrictEqual(enc2['enc2/attention/output/kernel'], [12, 8]);
    const out = model.predict(tokenBatch(3, 6, 9)) as tf.Tensor;
    assert.deepStrictEqual(out.shape, [3, 6, 9]);
    const sums = tf.sum(out, -1).dataSync();
    assert.ok(
      Array.from(sums).every((s) => Math.abs(s - 1) < 1e-5),
      'softmax per position',
    );
  });

  it('gives every trainable weight a non-zero gradient', () => {
    const model = buildModel(specWith(LAYERS, { loss: 'sparseCategoricalCrossentropy' }), tokens(6, 9), 2);
    const x = tokenBatch(4, 6, 9);
    const y = tf.oneHot(tf.randomUniform([4, 6], 0, 9, 'int32', 5), 9).toFloat();
    const { value, grads } = tf.variableGrads(() => {
      const p = tf.clipByValue(model.apply(x, { training: true }) as tf.Tensor, 1e-7, 1);
      return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.log(p)), -1))) as tf.Scalar;
    });
    assert.ok(Number.isFinite(value.dataSync()[0]));
    const trainable = model.trainableWeights.map((w) => w.name);
    assert.strictEqual(trainable.length, 2 + 15 + 15 + 2);
    for (const name of trainable) {
      assert.ok(grads[name], `gradient for ${name}`);
      const norm = tf.norm(grads[name]).dataSync()[0];
      assert.ok(Number.isFinite(norm) && norm > 1e-6, `${name}: gradient norm ${norm}`);
    }
  });

  it('survives a checkpoint round trip in the tfjs layers format', async () => {
    const model = buildModel(specWith(LAYERS, { loss: 'sparseCategoricalCrossentropy' }), tokens(6, 9), 3);
    let saved: tf.io.ModelArtifacts | null = null;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    assert.ok(saved);
    const artifacts = saved as tf.io.ModelArtifacts;
    const topology = JSON.stringify(artifacts.modelTopology);
    assert.match(topology, /"class_name":"TransformerEncoder"/);
    assert.match(topology, /"class_name":"PositionalEmbedding"/);

    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    assert.deepStrictEqual(weightValues(loaded), weightValues(model));
    const enc2 = loaded.getLayer('enc2').getConfig();
    assert.deepStrictEqual([enc2.numHeads, enc2.keyDim, enc2.ffDim, enc2.normFirst, enc2.activation, enc2.dropout], [4, 3, 12, false, 'gelu', 0.1]);
    const x = tokenBatch(2, 6, 9);
    const before = (model.predict(x) as tf.Tensor).dataSync();
    const after = (loaded.predict(x) as tf.Tensor).dataSync();
    assert.deepStrictEqual(Array.from(after), Array.from(before));
  });

  it('applies dropout only in training', () => {
    const model = buildModel(
      specWith(
        [
          { type: 'embedding', inputDim: 5, outputDim: 8 },
          { type: 'transformerEncoder', numHeads: 2, dropout: 0.5 },
          { type: 'dense', units: 5, activation: 'softmax' },
        ],
        { loss: 'sparseCategoricalCrossentropy' },
      ),
      tokens(4, 5),
      1,
    );
    const x = tokenBatch(2, 4, 5);
    const a = Array.from((model.predict(x) as tf.Tensor).dataSync());
    const b = Array.from((model.predict(x) as tf.Tensor).dataSync());
    assert.deepStrictEqual(a, b);
    const trainingOut = Array.from((model.apply(x, { training: true }) as tf.Tensor).dataSync());
    assert.notDeepStrictEqual(trainingOut, a);
  });
});
