// Transfer learning in a spec: `model.weights` loads saved weights by name,
// `training.freeze` freezes layers. Frozen weights stay bit-for-bit the same,
// are shown as frozen, keep their activation statistics, and never cause a
// vanishing-gradient diagnostic.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { StepStats } from '../../../src/shared/stats';
import { readCheckpointFiles } from '../../../src/trainer/checkpoint';
import { DiagnosticsEngine } from '../../../src/runControl/diagnostics/engine';
import { prepareRun } from '../../../src/trainer/run/prepare';
import { checkModelSpec } from '../../../src/spec';
import { ControllerHarness, tempDir, writeSpiralSpec } from '../run/harness';
import { prepareError } from './helpers';

const LAYERS = [
  { type: 'dense', units: 16, activation: 'tanh' },
  { type: 'dense', units: 16, activation: 'relu' },
  { type: 'dense', units: 2, activation: 'softmax' },
];

/** A spec next to `dir/ckpt` that starts from it. */
function fineTuneSpec(dir: string, model: Record<string, unknown>, training: Record<string, unknown> = {}): string {
  const file = path.join(dir, 'finetune.nn.json');
  const spec = {
    name: 'finetune',
    data: { source: 'synthetic', dataset: 'spiral', samples: 256, testSamples: 64, noise: 0.05, validationSplit: 0.25 },
    model: { layers: LAYERS, ...model },
    training: { epochs: 4, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.01 }, loss: 'categoricalCrossentropy', seed: 9, ...training },
  };
  fs.writeFileSync(file, JSON.stringify(spec, null, 2));
  return file;
}

describe('transfer learning: saved weights and frozen layers', () => {
  let dir: string;
  let checkpoint: string;

  before(async () => {
    // Our own checkpoint, written by a real run with a checkpoint folder.
    dir = tempDir('nd-transfer-');
    const source = await ControllerHarness.start({
      modelFile: writeSpiralSpec(dir, { layers: LAYERS, training: { epochs: 1 } }),
      checkpointDir: path.join(dir, 'ckpt'),
    });
    await source.done;
    source.ctx.model.dispose();
    checkpoint = path.join(dir, 'ckpt', 'epoch-1');
    assert.ok(fs.existsSync(path.join(checkpoint, 'model.json')));
  });

  it('frozen layers are bit-for-bit unchanged after fine-tuning, shown as frozen, measured, and raise no vanishing-gradient', async () => {
    const file = fineTuneSpec(dir, { weights: 'ckpt/epoch-1' }, { freeze: ['dense_1'] });
    // unconvergedLoss 0: the loss condition always holds, so only the layers' gradients decide.
    const config = { 'vanishing-gradient': { unconvergedLoss: 0, window: 10 }, warmupSteps: 2 };
    const h = await ControllerHarness.start({ modelFile: file, statsEvery: 1 }, new DiagnosticsEngine(config, file));
    assert.equal(await h.done, 'completed');

    const { weightSpecs, weightData } = readCheckpointFiles(checkpoint);
    const saved = tf.io.decodeWeights(weightData, weightSpecs);
    const after = new Map(h.ctx.model.weights.map((w) => [w.originalName, w.read().dataSync() as Float32Array]));
    for (const name of ['dense_1/kernel', 'dense_1/bias']) {
      const before = saved[name].dataSync() as Float32Array;
      assert.equal(
        Buffer.compare(Buffer.from(before.buffer, before.byteOffset, before.byteLength), Buffer.from(after.get(name)!.buffer)),
        0,
        `${name} unchanged`,
      );
    }
    for (const name of ['dense_2/kernel', 'dense_3/kernel']) {
      assert.notDeepEqual(Array.from(after.get(name)!), Array.from(saved[name].dataSync()), `${name} was trained from the checkpoint`);
    }
    const steps = h.steps();

    assert.deepEqual(
      h.ctx.topology.layers.map((l) => `${l.name}:${l.trainable}`),
      ['input:false', 'dense_1:false', 'dense_2:true', 'dense_3:true'],
    );
    assert.equal(h.ctx.topology.trainableParams, 16 * 16 + 16 + 16 * 2 + 2);
    for (const s of steps) {
      const frozen = s.weights.filter((w) => w.layer === 'dense_1');
      assert.ok(frozen.length === 2 && frozen.every((w) => !w.trainable && w.gradNorm === null && w.updateRatio === null));
      const layer = s.layers.find((l) => l.name === 'dense_1')!;
      assert.equal(layer.gradNorm, null);
      assert.ok(layer.activationStats && Number.isFinite(layer.activationStats.std), 'activations of the frozen layer are measured');
    }
    const diagnostics = h.events.filter((e) => e.type === 'diagnostic').map((e) => (e.type === 'diagnostic' ? e.diagnostic.kind : ''));
    assert.ok(!diagnostics.includes('vanishing-gradient'), `diagnostics: ${diagnostics.join(', ')}`);

    // The same steps with dense_1 reported as a trainable layer whose gradient is 0 do fire it:
    // the check above is what keeps frozen layers out.
    const asIfZero = (s: StepStats): StepStats => ({
      ...s,
      layers: s.layers.map((l) => (l.name === 'dense_1' ? { ...l, gradNorm: 0 } : l)),
      weights: s.weights.map((w) => (w.layer === 'dense_1' ? { ...w, trainable: true, gradNorm: 0 } : w)),
    });
    const engine = new DiagnosticsEngine(config, file);
    const fired = steps.flatMap((s) => engine.onStep(asIfZero(s))).map((d) => d.kind);
    assert.ok(fired.includes('vanishing-gradient'), `fired: ${fired.join(', ')}`);
    tf.dispose(saved);
    h.ctx.model.dispose();
  });

  it('replaces the head: a renamed last layer keeps its initialisation and the run log says what was loaded', async () => {
    const layers = [...LAYERS.slice(0, 2), { type: 'dense', units: 2, activation: 'softmax', name: 'head' }];
    const file = fineTuneSpec(dir, { layers, weights: { path: 'ckpt/epoch-1' } }, { freeze: { upTo: 'dense_2' } });
    const logs: string[] = [];
    const ctx = await prepareRun(
      { modelFile: file, backend: 'wasm' },
      () => undefined,
      (level, message) => logs.push(`${level}: ${message}`),
    );
    assert.match(
      logs[0],
      /^info: loaded 4 weight\(s\) of dense_1, dense_2 from .*ckpt\/epoch-1; freshly initialised \(not in the file\): head; not used from the file: dense_3$/,
    );
    assert.match(logs[1], /^info: frozen \(not trained, activations still measured\): dense_1, dense_2; trained: head$/);
    // (tfjs' InputLayer is never trainable.)
    assert.deepEqual(
      ctx.topology.layers.map((l) => l.trainable),
      [false, false, false, true],
    );
    const { weightSpecs, weightData } = readCheckpointFiles(checkpoint);
    const saved = tf.io.decodeWeights(weightData, weightSpecs);
    for (const w of ctx.model.weights) {
      if (w.originalName.startsWith('head/')) continue;
      assert.deepEqual(Array.from(w.read().dataSync()), Array.from(saved[w.originalName].dataSync()), `${w.originalName} loaded`);
    }
    tf.dispose(saved);
    ctx.model.dispose();
  });

  it('reports differently shaped weights, strict mismatches, unknown names and a missing checkpoint clearly', async () => {
    const narrower = [LAYERS[0], { ...LAYERS[1], units: 8 }, LAYERS[2]];
    const logs: string[] = [];
    const ctx = await prepareRun(
      { modelFile: fineTuneSpec(dir, { layers: narrower, weights: 'ckpt/epoch-1' }), backend: 'wasm' },
      () => undefined,
      (_l, m) => logs.push(m),
    );
    assert.match(
      logs[0],
      /loaded 3 weight\(s\) of dense_1, dense_3 .*other shape in the file\): dense_2\/kernel \(model \[16,8\], saved \[16,16\]\), dense_2\/bias .*dense_3\/kernel/,
    );
    ctx.model.dispose();

    const strict = await prepareError(fineTuneSpec(dir, { layers: narrower, weights: { path: 'ckpt/epoch-1', strict: true } }));
    assert.equal(strict.info.field, 'model.weights.path');
    assert.match(strict.message, /do not fit this model: shapes differ: dense_2\/kernel/);

    const skip = await prepareError(fineTuneSpec(dir, { weights: { path: 'ckpt/epoch-1', skip: ['dense_9'] } }));
    assert.equal(skip.info.field, 'model.weights.skip[0]');
    assert.match(skip.message, /no layer is called 'dense_9' in the model or the saved weights; did you mean 'dense_\d'\?/);

    const missing = await prepareError(
      fineTuneSpec(dir, { weights: { path: 'nowhere/epoch-1', createdBy: 'neural-debugger train base.nn.json --checkpoint-dir nowhere' } }),
    );
    assert.equal(missing.info.line !== undefined, true);
    assert.match(
      missing.message,
      /weights not found: .*nowhere\/epoch-1 does not exist; create them with: neural-debugger train base\.nn\.json --checkpoint-dir nowhere/,
    );
  });

  it('the spec parser checks freeze names and forms, at their lines', () => {
    const text = (freeze: unknown) =>
      JSON.stringify(
        { data: { source: 'synthetic', dataset: 'xor' }, model: { layers: LAYERS }, training: { loss: 'categoricalCrossentropy', freeze } },
        null,
        2,
      );
    const typo = checkModelSpec(text(['dense_1', 'dens_2']), 'f.nn.json');
    assert.equal(typo.errors.length, 1);
    assert.equal(typo.errors[0].field, 'training.freeze[1]');
    assert.ok(typo.errors[0].line! > 1);
    assert.match(typo.errors[0].message, /no layer is called 'dens_2'; did you mean 'dense_2'\?/);
    const wrongType = checkModelSpec(text('dense_1'), 'f.nn.json');
    assert.match(wrongType.errors[0].message, /training\.freeze: expected a list of strings or an object, got the string "dense_1"/);
    const badKey = checkModelSpec(text({ upto: 'dense_2' }), 'f.nn.json');
    assert.match(badKey.errors[0].message, /unknown option 'upto' for training\.freeze; did you mean 'upTo'\?/);
    assert.deepEqual(checkModelSpec(text({ from: 'dense_2', upTo: 'dense_3' }), 'f.nn.json').errors, []);
  });

  it('a reversed freeze range is an error when the model is built', async () => {
    const e = await prepareError(fineTuneSpec(dir, {}, { freeze: { from: 'dense_3', upTo: 'dense_1' } }));
    assert.match(e.message, /'dense_3' comes after 'dense_1' in the model; the range is empty/);
  });
});
