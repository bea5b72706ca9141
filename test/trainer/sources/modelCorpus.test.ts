// The model-file corpus (test/fixtures/models/, written by its generate.ts):
// every Keras / TensorFlow.js layout trains a few steps, or is refused with an
// error at FILE:LINE:COL in the model file.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { prepareRun } from '../../../src/trainer/run/prepare';
import { ControllerHarness } from '../run/harness';
import { prepareError, ROOT, writeFiles } from './helpers';

const CORPUS = path.join(ROOT, 'test', 'fixtures', 'models');

const POINTS = { source: 'synthetic', dataset: 'spiral', samples: 128, testSamples: 32 };
const SUM = { source: 'synthetic', dataset: 'sequence-sum', samples: 64, testSamples: 16 };
const PATTERN = { source: 'synthetic', dataset: 'sequence-pattern', samples: 64, testSamples: 16 };
const CSV_IDS = { source: 'csv', path: path.join(CORPUS, 'tokens.csv'), label: 'label', normalize: 'none', validationSplit: 0.25 };
const CSV_STANDARDIZED = { source: 'csv', path: path.join(CORPUS, 'tokens.csv'), label: 'label', validationSplit: 0.25 };
const TOKENS = { source: 'synthetic', dataset: 'token-reverse', samples: 64, testSamples: 16 };

interface Case {
  file: string;
  data: { source: string; normalize?: string };
  loss?: string;
  /** Absent: the model trains. */
  refused?: { file: string; line: number; column: number; message: RegExp };
  /** A line the run log must have. */
  log?: RegExp;
}

const CASES: Case[] = [
  { file: 'keras-1.2-sequential.json', data: POINTS },
  { file: 'keras-2.1-sequential-list.json', data: POINTS },
  { file: 'keras-2.2-model.json', data: POINTS },
  { file: 'keras-2.10-functional-nested.json', data: POINTS },
  { file: 'keras-2.10-h5-attributes.json', data: POINTS, log: /training_config in .* is ignored/ },
  { file: 'keras-2.10-bidirectional-lstm.json', data: SUM },
  { file: 'keras-2.10-timedistributed.json', data: PATTERN },
  { file: 'keras-2.15-variable-length.json', data: TOKENS, loss: 'sparseCategoricalCrossentropy' },
  { file: 'keras-2.15-embedding.json', data: CSV_IDS },
  {
    file: 'keras-2.15-embedding.json',
    data: CSV_STANDARDIZED,
    refused: {
      file: 'keras-2.15-embedding.json',
      line: 19,
      column: 7,
      message: /layer 'embedding' is an Embedding layer on the model's input: .*set it to "none"/,
    },
  },
  {
    file: 'refused/keras-2.15-embedding-too-small.json',
    data: CSV_IDS,
    refused: {
      file: 'refused/keras-2.15-embedding-too-small.json',
      line: 19,
      column: 7,
      message: /input_dim 5 \(indices 0 to 4\), but the data holds the index 9/,
    },
  },
  { file: 'keras-3-sequential-compiled.json', data: POINTS, log: /compile_config .*ignored.*training section/ },
  { file: 'keras-3-functional-nested.json', data: POINTS },
  { file: 'keras-3-bidirectional-nested.json', data: SUM },
  { file: 'tfjs-1.x/model.json', data: POINTS, log: /loaded 4 weight\(s\) of dense_Dense1, dense_Dense2/ },
  { file: 'tfjs-4.x/model.json', data: POINTS, log: /loaded 4 weight\(s\)/ },
  { file: 'tfjs-converted-keras3/model.json', data: POINTS, log: /loaded 4 weight\(s\) of dense, dense_1/ },
  {
    file: 'refused/keras-2.1-lambda.json',
    data: POINTS,
    refused: { file: 'refused/keras-2.1-lambda.json', line: 34, column: 5, message: /layer 'halve' is a Lambda layer \(class Lambda\)/ },
  },
  {
    file: 'refused/keras-3-custom-layer.json',
    data: POINTS,
    refused: {
      file: 'refused/keras-3-custom-layer.json',
      line: 53,
      column: 13,
      message: /layer 'scale' is a Scale layer \(class Scale, registered as my_package>Scale\)/,
    },
  },
  {
    file: 'refused/tfjs-missing-bin/model.json',
    data: POINTS,
    refused: {
      file: 'refused/tfjs-missing-bin/model.json',
      line: 153,
      column: 9,
      message: /weight file group1-shard1of1\.bin is missing: .*put it next to model\.json/,
    },
  },
  {
    file: 'refused/tfjs-truncated-bin/model.json',
    data: POINTS,
    refused: {
      file: 'refused/tfjs-truncated-bin/model.json',
      line: 150,
      column: 22,
      message: /group1-shard1of1\.bin holds 192 bytes but model\.json describes 328; the weight file is truncated/,
    },
  },
  {
    file: 'refused/tfjs-wrong-names/model.json',
    data: POINTS,
    refused: {
      file: 'refused/tfjs-wrong-names/model.json',
      line: 150,
      column: 22,
      message: /the model's weights are not in the file: expected dense\/kernel, dense\/bias.*found model\/hidden\/kernel/,
    },
  },
  {
    file: 'refused/keras-2-sigmoid-output.json',
    data: POINTS,
    refused: { file: 'refused/keras-2-sigmoid-output.json', line: 45, column: 7, message: /the output layer 'prob' .*outputs \[1\]/ },
  },
  {
    file: 'refused/keras-2-zero-units.json',
    data: POINTS,
    refused: { file: 'refused/keras-2-zero-units.json', line: 45, column: 7, message: /TensorFlow\.js cannot build layer 'empty' \(Dense\): / },
  },
  {
    file: 'refused/keras-2-no-input-shape.json',
    data: POINTS,
    refused: {
      file: 'refused/keras-2-no-input-shape.json',
      line: 6,
      column: 7,
      message: /the Sequential model has no input shape; give its first layer a batch_input_shape/,
    },
  },
  {
    file: 'refused/keras-2.1-wrong-input.json',
    data: POINTS,
    refused: { file: 'refused/keras-2.1-wrong-input.json', line: 4, column: 5, message: /takes inputs of shape \[3\], but the data gives \[2\]/ },
  },
  {
    file: 'refused/keras-3-two-inputs.json',
    data: POINTS,
    refused: { file: 'refused/keras-3-two-inputs.json', line: 24, column: 7, message: /has 2 inputs; one is supported/ },
  },
  {
    file: 'refused/not-a-model.json',
    data: POINTS,
    refused: { file: 'refused/not-a-model.json', line: 1, column: 1, message: /not a Keras or TensorFlow\.js model/ },
  },
];

function specFor(c: Case): string {
  return JSON.stringify({
    name: 'corpus',
    data: c.data,
    model: { keras: path.join(CORPUS, c.file) },
    training: { epochs: 1, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.01 }, loss: c.loss ?? 'categoricalCrossentropy', seed: 1 },
  });
}

describe('model-file corpus (test/fixtures/models)', () => {
  for (const c of CASES) {
    it(`${c.file}${'source' in c.data && c.data.source === 'csv' ? ` on ${c.data.normalize ?? 'standardized'} CSV` : ''}: ${c.refused ? 'refused at its line' : 'trains'}`, async function () {
      this.timeout(60_000);
      const spec = path.join(writeFiles({ 'm.nn.json': specFor(c) }), 'm.nn.json');
      if (c.refused) {
        const e = await prepareError(spec);
        assert.match(e.message, c.refused.message);
        assert.deepEqual(
          { file: e.info.file, line: e.info.line, column: e.info.column },
          { file: path.join(CORPUS, c.refused.file), line: c.refused.line, column: c.refused.column },
          e.message,
        );
        return;
      }
      if (c.log) {
        const logs: string[] = [];
        const ctx = await prepareRun(
          { modelFile: spec, backend: 'wasm' },
          () => undefined,
          (_level, message) => logs.push(message),
        );
        ctx.model.dispose();
        assert.match(logs.join('\n'), c.log);
      }
      const h = await ControllerHarness.start({ modelFile: spec, steps: 3 });
      assert.equal(await h.done, 'completed', h.events.map((e) => JSON.stringify(e)).join('\n'));
      const losses = h.steps().map((s) => s.loss);
      assert.equal(losses.length, 3);
      assert.ok(losses.every(Number.isFinite), `losses ${losses.join(', ')}`);
      h.ctx.model.dispose();
    });
  }
});

describe('an embedding layer on CSV columns (the layers form)', () => {
  const spec = (normalize?: string) =>
    JSON.stringify({
      data: { ...CSV_IDS, normalize },
      model: { layers: [{ type: 'embedding', inputDim: 10, outputDim: 4 }, { type: 'flatten' }, { type: 'dense', units: 2, activation: 'softmax' }] },
      training: { epochs: 1, batchSize: 16, optimizer: { type: 'adam' }, loss: 'categoricalCrossentropy' },
    });

  it('trains with normalize "none"; standardized columns are refused with a hint', async () => {
    const dir = writeFiles({ 'none.nn.json': spec('none'), 'default.nn.json': spec(undefined) });
    const h = await ControllerHarness.start({ modelFile: path.join(dir, 'none.nn.json'), steps: 2 });
    assert.equal(await h.done, 'completed');
    h.ctx.model.dispose();
    const e = await prepareError(path.join(dir, 'default.nn.json'));
    assert.match(e.message, /an embedding layer reads integer token ids, but the data holds real-valued features, not token ids; .*data\.normalize "none"/);
  });
});

describe('model.weights from a converted Keras 3 model.json (names scoped by the model)', () => {
  it("loads 'sequential/dense/kernel' into the layer 'dense' of a layers-form model", async () => {
    const spec = JSON.stringify({
      data: POINTS,
      model: {
        layers: [
          { type: 'dense', units: 16, activation: 'relu', name: 'dense' },
          { type: 'dense', units: 2, activation: 'softmax', name: 'dense_1' },
        ],
        weights: path.join(CORPUS, 'tfjs-converted-keras3', 'model.json'),
      },
      training: { epochs: 1, batchSize: 16, optimizer: { type: 'adam' }, loss: 'categoricalCrossentropy' },
    });
    const logs: string[] = [];
    const file = path.join(writeFiles({ 'w.nn.json': spec }), 'w.nn.json');
    const ctx = await prepareRun(
      { modelFile: file, backend: 'wasm' },
      () => undefined,
      (_level, message) => logs.push(message),
    );
    assert.match(logs.join('\n'), /loaded 4 weight\(s\) of dense, dense_1/);
    const first = Array.from(ctx.model.getWeights()[0].dataSync().slice(0, 2));
    assert.deepEqual(first, [Math.fround(Math.sin(1) * 0.3), Math.fround(Math.sin(2) * 0.3)]);
    ctx.model.dispose();
  });
});
