// TS/JS model modules, in-process: bundling with local imports and
// node_modules, the trainer's own tfjs, errors at the user's line, time
// limits, data in every documented form, training settings and hooks.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { isUserError } from '../../../src/shared/errors';
import { prepareRun } from '../../../src/trainer/run/prepare';
import { ControllerHarness } from '../run/harness';
import { lineOf, moduleWith, prepareError, SPIRAL_DATA, TRAINING, writeFiles } from './helpers';

const HELPER = `import type * as tfType from '@tensorflow/tfjs';
import { scale } from 'tiny-scale';

/** Two dense layers; throws for a width it cannot take. */
export function hiddenBlock(tf: typeof tfType, input: tfType.SymbolicTensor, units: number): tfType.SymbolicTensor {
  if (units > 1000) throw new RangeError('units must be at most 1000, got ' + units);
  const first = tf.layers.dense({ units: scale(units), activation: 'relu', name: 'hidden1' }).apply(input);
  return tf.layers.dense({ units, activation: 'tanh', name: 'hidden2' }).apply(first) as tfType.SymbolicTensor;
}
`;

const MODEL = `import * as tf from '@tensorflow/tfjs';
import { hiddenBlock } from './blocks';

${SPIRAL_DATA}
${TRAINING}

export default function model() {
  const input = tf.input({ shape: [2], name: 'xy' });
  const hidden = hiddenBlock(tf, input, UNITS); // hidden block
  const output = tf.layers.dense({ units: 2, activation: 'softmax', name: 'out' }).apply(hidden); // output layer
  return tf.model({ inputs: input, outputs: output as tf.SymbolicTensor });
}
`;

function residualModule(units: number): string {
  return writeFiles({
    'net.model.ts': MODEL.replace('UNITS', String(units)),
    'blocks.ts': HELPER,
    // A package in the workspace's node_modules: bundled like the local files.
    'node_modules/tiny-scale/package.json': JSON.stringify({ name: 'tiny-scale', main: 'index.js' }),
    'node_modules/tiny-scale/index.js': 'exports.scale = (n) => n * 2;\n',
  });
}

describe('model modules (*.model.ts)', () => {
  it("a TS module importing a local file and a node_modules package trains with the trainer's tfjs", async () => {
    const dir = residualModule(8);
    const file = path.join(dir, 'net.model.ts');
    const h = await ControllerHarness.start({ modelFile: file });
    assert.equal(await h.done, 'completed');
    const { topology, settings } = h.ctx;
    assert.deepEqual(
      topology.layers.map((l) => `${l.name}:${l.paramCount}`),
      ['xy:0', 'hidden1:48', 'hidden2:136', 'out:18'],
    );
    // The layers' lines: where the module file created them (helper layers: the call of the helper).
    assert.equal(topology.layers.find((l) => l.name === 'out')?.specLine, lineOf(MODEL, '// output layer'));
    assert.equal(topology.layers.find((l) => l.name === 'hidden1')?.specLine, lineOf(MODEL, '// hidden block'));
    assert.equal(settings.modelFile, file);
    assert.equal(settings.epochs, 2);
    assert.equal(settings.seed, 3);
    assert.match(settings.dataDescription, /spiral/);
    const steps = h.steps();
    assert.equal(steps.length, 2 * Math.ceil(192 / 32));
    assert.ok(steps.every((s) => Number.isFinite(s.loss)));
    // The model is built by the trainer's own tfjs: its variables live in this engine.
    assert.ok(h.ctx.model.weights[0].read() instanceof tf.Variable);
    h.ctx.model.dispose();
  });

  it('an error thrown in a helper file points at that file and line, and at the module line that called it', async () => {
    const dir = residualModule(5000);
    const e = await prepareError(path.join(dir, 'net.model.ts'));
    assert.equal(e.info.file, path.join(dir, 'blocks.ts'));
    assert.equal(e.info.line, lineOf(HELPER, 'throw new RangeError'));
    assert.match(e.message, /blocks\.ts:\d+:\d+: error: model\(\) of net\.model\.ts threw RangeError: units must be at most 1000, got 5000/);
    assert.match(e.message, new RegExp(`called from net\\.model\\.ts:${lineOf(MODEL, '// hidden block')}:`));
  });

  it('a syntax error is reported at its line and column', async () => {
    const text = moduleWith('  const broken = ;\n  return null;');
    const dir = writeFiles({ 'bad.model.ts': text });
    const e = await prepareError(path.join(dir, 'bad.model.ts'));
    assert.equal(e.info.file, path.join(dir, 'bad.model.ts'));
    assert.equal(e.info.line, lineOf(text, 'const broken'));
    assert.equal(e.info.column, 18);
    assert.match(e.message, /bad\.model\.ts:\d+:18: error: Unexpected ";"/);
  });

  it('a missing import is an error at the import line', async () => {
    const text = `import { nothing } from './missing-file';\n${moduleWith('  return nothing;')}`;
    const dir = writeFiles({ 'imp.model.ts': text });
    const e = await prepareError(path.join(dir, 'imp.model.ts'));
    assert.equal(e.info.line, 1);
    assert.match(e.message, /Could not resolve "\.\/missing-file"/);
  });

  it('top-level code that throws, and a model() that returns no model, are clear errors', async () => {
    const top = `${moduleWith('  return null;')}\nthrow new Error('configuration missing'); // top-level throw\n`;
    const dir = writeFiles({
      'top.model.ts': top,
      'none.model.ts': moduleWith('  tf.sequential();'),
      'tensor.model.ts': moduleWith('  return tf.input({ shape: [2] });'),
    });
    const e1 = await prepareError(path.join(dir, 'top.model.ts'));
    assert.equal(e1.info.line, lineOf(top, '// top-level throw'));
    assert.match(e1.message, /the top-level code of top\.model\.ts threw Error: configuration missing/);
    const e2 = await prepareError(path.join(dir, 'none.model.ts'));
    assert.match(e2.message, /none\.model\.ts: error: model\(\) of none\.model\.ts returned nothing \(undefined\); return a tf\.LayersModel/);
    const e3 = await prepareError(path.join(dir, 'tensor.model.ts'));
    assert.match(e3.message, /returned a SymbolicTensor \(pass it to tf\.model/);
  });

  it('a model() whose promise never settles fails after the time limit', async () => {
    const dir = writeFiles({ 'hang.model.ts': moduleWith('  return new Promise(() => undefined);', 'export const timeoutSeconds = 0.3;') });
    const started = Date.now();
    const e = await prepareError(path.join(dir, 'hang.model.ts'));
    assert.ok(Date.now() - started < 5000);
    assert.match(e.message, /model\(\) of hang\.model\.ts did not finish within 0\.3 s/);
  });

  it('reads data as tensors, nested arrays, one-hot rows, tf.data batches and async generators', async () => {
    const body = `  return tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [2], activation: 'softmax' })] });`;
    const dataForms: Record<string, string> = {
      tensors: `export function data(tf: typeof tfType) {
  return { train: { x: tf.randomNormal([40, 2], 0, 1, 'float32', 1), y: tf.tensor1d(Array.from({ length: 40 }, (_, i) => i % 3)) } };
}`,
      arrays: `export const data = { train: { x: Array.from({ length: 30 }, (_, i) => [i / 30, 1 - i / 30]), y: Array.from({ length: 30 }, (_, i) => [i % 3]) } };`,
      oneHot: `export function data() {
  const y = Array.from({ length: 30 }, (_, i) => [0, 1, 2].map((k) => (k === i % 3 ? 1 : 0)));
  return { train: { x: y.map((r) => [r[0], r[1]]), y }, validation: { x: [[0, 1]], y: [[0, 1, 0]] } };
}`,
      dataset: `export function data(tf: typeof tfType) {
  const xs = tf.data.array(Array.from({ length: 50 }, (_, i) => [i / 50, (i % 7) / 7]));
  const ys = tf.data.array(Array.from({ length: 50 }, (_, i) => i % 3));
  return tf.data.zip({ xs, ys }).batch(16);
}`,
      generator: `export function data() {
  return { train: (async function* () { for (let b = 0; b < 3; b++) yield { x: [[b, 1], [1, b]], y: [b % 3, (b + 1) % 3] }; })() };
}`,
    };
    const expected: Record<string, [number, number]> = { tensors: [40, 0], arrays: [30, 0], oneHot: [30, 1], dataset: [50, 0], generator: [6, 0] };
    for (const [name, dataExport] of Object.entries(dataForms)) {
      const text = [
        `import type * as tfType from '@tensorflow/tfjs';`,
        dataExport,
        `export const training = { loss: 'categoricalCrossentropy', batchSize: 4 };`,
        `export default function model(tf: typeof tfType) {`,
        body,
        '}',
      ].join('\n');
      const dir = writeFiles({ [`${name}.model.ts`]: text });
      const ctx = await prepareRun({ modelFile: path.join(dir, `${name}.model.ts`), backend: 'wasm' }, () => undefined);
      assert.deepEqual([ctx.data.train.count, ctx.data.validation?.count ?? 0], expected[name], name);
      assert.deepEqual(ctx.data.inputShape, [2], name);
      assert.deepEqual(ctx.data.target, { kind: 'class', numClasses: 3, shape: [] }, name);
      assert.ok(
        [...ctx.data.train.y].every((v) => v === 0 || v === 1 || v === 2),
        `${name}: class indices`,
      );
      ctx.model.dispose();
    }
  });

  it('data that does not fit the model or the loss is an error naming the export', async () => {
    const cases: [string, RegExp][] = [
      [
        `export const data = { train: { x: [[1, 2], [3, 4]], y: [0, 7] } };`,
        /error: data\.train: y\[1\] is 7; categoricalCrossentropy needs class indices 0…2/,
      ],
      [`export const data = { train: { x: [[1, 2], [3, 4]], y: [[0.5, 0.5, 0]] } };`, /x has 2 samples but y has 1/],
      [`export const data = { train: { x: [[1, 2]], y: [[0.2, 0.8, 0]] } };`, /not one-hot \(soft labels are not supported\)/],
      [`export const data = { train: { x: [[1, 2, 3]], y: [1] } };`, /takes inputs of shape \[2\], but the data gives \[3\]/],
      [`export const data = { source: 'synthetic', dataset: 'spirals' };`, /data\.dataset: unknown dataset 'spirals'; did you mean 'spiral'\?/],
      [``, /has no "data" export/],
    ];
    for (const [dataExport, expected] of cases) {
      const text = [
        `import type * as tfType from '@tensorflow/tfjs';`,
        dataExport,
        `export const training = { loss: 'categoricalCrossentropy', batchSize: 1 };`,
        `export default (tf: typeof tfType) => tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [2], activation: 'softmax' })] });`,
      ].join('\n');
      const e = await prepareError(path.join(writeFiles({ 'd.model.ts': text }), 'd.model.ts'));
      assert.match(e.message, expected);
    }
  });

  it("checks the training export like a spec's training section, and takes loss and optimizer from compile()", async () => {
    const typo = moduleWith(`  return tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [2], activation: 'softmax' })] });`).replace(
      TRAINING,
      `export const training = { epoch: 3, loss: 'categoricalCrossentropy' };`,
    );
    const e = await prepareError(path.join(writeFiles({ 't.model.ts': typo }), 't.model.ts'));
    assert.match(e.message, /t\.model\.ts: error: training\.epoch: unknown option 'epoch' for training; did you mean 'epochs'\?/);

    const compiled = [
      `import type * as tfType from '@tensorflow/tfjs';`,
      SPIRAL_DATA,
      `export default function model(tf: typeof tfType) {`,
      `  const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [2], activation: 'softmax' })] });`,
      `  m.compile({ optimizer: tf.train.sgd(0.05), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });`,
      `  return m;`,
      `}`,
    ].join('\n');
    const ctx = await prepareRun({ modelFile: path.join(writeFiles({ 'c.model.ts': compiled }), 'c.model.ts'), backend: 'wasm' }, () => undefined);
    assert.deepEqual(
      [ctx.settings.optimizer, ctx.settings.learningRate, ctx.settings.loss, ctx.settings.metrics],
      ['sgd', 0.05, 'categoricalCrossentropy', ['accuracy']],
    );
    assert.deepEqual([ctx.settings.epochs, ctx.settings.batchSize, ctx.settings.seed], [10, 32, 42]);
    ctx.model.dispose();
  });

  it('hooks: onEpochEnd can end training early; a hook that throws fails the run at its line', async () => {
    const hooks = `export const hooks = {
  onEpochEnd(stats: { epoch: number }, model: { layers: unknown[] }) {
    if (model.layers.length !== 1) throw new Error("the hook gets the module's own model");
    if (stats.epoch === 2) return 'stop';
  },
};`;
    const body = `  return tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [2], activation: 'softmax' })] });`;
    const dir = writeFiles({ 'h.model.ts': moduleWith(body, hooks).replace('epochs: 2', 'epochs: 5') });
    const h = await ControllerHarness.start({ modelFile: path.join(dir, 'h.model.ts') });
    assert.equal(await h.done, 'completed');
    const finished = h.events.find((e) => e.type === 'finished');
    assert.deepEqual(finished && finished.type === 'finished' && [finished.reason, finished.epochs], ['completed', 2]);
    assert.ok(h.events.some((e) => e.type === 'log' && /onEpochEnd hook ended training after epoch 2/.test(e.message)));
    h.ctx.model.dispose();

    const throwing = moduleWith(body, `export const hooks = {\n  onEpochEnd() {\n    throw new TypeError('bad hook'); // hook throws\n  },\n};`);
    const h2 = await ControllerHarness.start({ modelFile: path.join(writeFiles({ 'ht.model.ts': throwing }), 'ht.model.ts') });
    await assert.rejects(h2.done, (e: unknown) => {
      assert.ok(isUserError(e));
      assert.equal(e.info.line, lineOf(throwing, '// hook throws'));
      assert.match(e.message, /hooks\.onEpochEnd\(\) of ht\.model\.ts threw TypeError: bad hook/);
      return true;
    });
    h2.ctx.model.dispose();
  });

  it('the example examples/custom.model.ts prepares: residual CNN, data() with three splits, its training settings', async () => {
    const ctx = await prepareRun({ modelFile: path.resolve(__dirname, '../../../examples/custom.model.ts'), backend: 'wasm' }, () => undefined);
    assert.deepEqual([ctx.data.train.count, ctx.data.validation?.count, ctx.data.test?.count], [1200, 300, 300]);
    assert.ok(
      ctx.topology.layers.some((l) => l.className === 'Add'),
      'has a residual connection',
    );
    assert.equal(ctx.settings.loss, 'sparseCategoricalCrossentropy');
    assert.ok(ctx.hooks?.onEpochEnd, 'exports an onEpochEnd hook');
    assert.ok(ctx.topology.layers.filter((l) => l.specLine !== undefined).length >= 8, 'layer lines from the module');
    ctx.model.dispose();
  });
});
