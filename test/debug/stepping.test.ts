// The adapter over stdio on a small real model: entry, stepping a batch and
// an epoch, variables, evaluate, setVariable on the learning rate, step back.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { CUSTOM_REQUESTS, TRAINING_THREAD_ID } from '../../src/shared/debugEvents';
import type { TrainerEvent } from '../../src/shared/protocol';
import { tempDir, writeSpiralSpec } from '../trainer/run/harness';
import { NeuralClient } from './client';

const PER_EPOCH = 6; // 256 samples − 25% validation = 192 → 6 batches of 32

describe('debug adapter: stepping and inspecting', function () {
  let spec: string;
  let sgdSpec: string;
  let client: NeuralClient;
  before(() => {
    spec = writeSpiralSpec(tempDir());
    sgdSpec = writeSpiralSpec(tempDir(), { training: { optimizer: { type: 'sgd', learningRate: 0.1 } } });
  });
  beforeEach(async () => {
    client = await NeuralClient.start();
  });
  afterEach(async () => {
    await client.stop();
  });

  it('stops on entry, then stepIn advances exactly one batch', async () => {
    await client.launch({ program: spec, stopOnEntry: true, backend: 'wasm' });
    const entry = await client.nextStop();
    assert.equal(entry.body.reason, 'entry');
    assert.equal(entry.body.threadId, TRAINING_THREAD_ID);
    const threads = await client.dc.threadsRequest();
    assert.deepEqual(
      threads.body.threads.map((t) => t.name),
      ['training'],
    );
    const frames = (await client.dc.stackTraceRequest({ threadId: TRAINING_THREAD_ID })).body.stackFrames;
    assert.deepEqual(
      frames.map((f) => f.name),
      ['before the first batch', 'epoch 1/3', 'train test-spiral'],
    );
    assert.ok(frames.every((f) => f.source?.path === spec));
    // The epoch frame points at training.epochs, the run frame at the spec's name (the batch frame at a layer, when the stop is about one).
    const specText = fs.readFileSync(spec, 'utf8').split('\n');
    const lineOf = (text: string) => specText.findIndex((l) => l.includes(text)) + 1;
    assert.deepEqual(
      frames.map((f) => f.line),
      [1, lineOf('"epochs": 3'), lineOf('"name": "test-spiral"')],
    );
    assert.ok(lineOf('"epochs": 3') > 1 && lineOf('"name": "test-spiral"') > 1);
    assert.equal((await client.training()).step, 0);

    await client.dc.stepInRequest({ threadId: TRAINING_THREAD_ID });
    const s1 = await client.nextStop();
    assert.equal(s1.body.reason, 'step');
    let t = await client.training();
    // Variables count batches from 1, as the Call Stack does.
    assert.deepEqual([t.step, t.epoch, t.batch], [1, 1, 1]);
    assert.ok(Number.isFinite(t.loss) && t.loss > 0);
    assert.equal((await client.topFrame()).name, 'batch 1/6 (step 1)');
    assert.equal(client.trainerEvents().filter((e) => e.type === 'step').length, 1, 'exactly one step ran');

    await client.dc.stepInRequest({ threadId: TRAINING_THREAD_ID });
    await client.nextStop();
    t = await client.training();
    assert.deepEqual([t.step, t.epoch, t.batch], [2, 1, 2]);
    assert.equal(client.trainerEvents().filter((e) => e.type === 'step').length, 2);

    // Layers: one expandable variable per layer, its statistics and its weights.
    const layers = await client.scope('Layers');
    const header = client.trainerEvents().find((e) => e.type === 'header');
    assert.ok(header && header.type === 'header');
    assert.deepEqual(
      [...layers.keys()],
      header.topology.layers.map((l) => l.name),
    );
    const first = [...layers.values()].find((v) => v.variablesReference > 0 && /^Dense tanh/.test(v.value))!;
    assert.equal(first.evaluateName, `layers.${first.name}`);
    const fields = await client.children(first.variablesReference);
    for (const name of ['gradNorm', 'mean', 'std', 'zeroFraction', 'deadFraction'])
      assert.ok(Number.isFinite(Number(fields.get(name)?.value)), `${name} = ${fields.get(name)?.value}`);
    const kernel = fields.get('kernel')!;
    assert.ok(kernel.variablesReference > 0);
    const k = await client.children(kernel.variablesReference);
    assert.ok(Number(k.get('norm')!.value) > 0);
    assert.ok(Number(k.get('updateRatio')!.value) > 0);
    assert.match(k.get('shape')!.value, /^\[2, 16\]$/);
    const variable = k.get('variable')!.value;
    assert.ok(variable.endsWith('/kernel'), variable);
    assert.equal(k.get('norm')!.evaluateName, `weights[${JSON.stringify(variable)}].norm`);
    assert.equal(await client.evaluate(k.get('norm')!.evaluateName!), k.get('norm')!.value);
  });

  it('next runs to the end of the epoch; stepOut to the end of the next one; epoch summaries go to the console', async () => {
    await client.launch({ program: spec, stopOnEntry: true, backend: 'wasm' });
    await client.nextStop();
    await client.dc.stepInRequest({ threadId: TRAINING_THREAD_ID });
    await client.nextStop();
    await client.dc.nextRequest({ threadId: TRAINING_THREAD_ID });
    assert.equal((await client.nextStop()).body.reason, 'step');
    let t = await client.training();
    assert.deepEqual([t.step, t.epoch, t.batch], [PER_EPOCH, 1, PER_EPOCH]);
    const epoch = await client.scope('Epoch', 2);
    assert.equal(epoch.get('epoch')?.value, '1');
    assert.ok(Number(epoch.get('val_loss')?.value) > 0);
    assert.match(client.output('console'), /epoch 1\/3 {2}loss \d/);

    await client.dc.stepOutRequest({ threadId: TRAINING_THREAD_ID });
    await client.nextStop();
    t = await client.training();
    assert.deepEqual([t.step, t.epoch, t.batch], [2 * PER_EPOCH, 2, PER_EPOCH]);
  });

  it('evaluate reads the same names as breakpoints; errors are failed responses', async () => {
    await client.launch({ program: spec, stopOnEntry: true, backend: 'wasm' });
    await client.nextStop();
    await client.dc.stepInRequest({ threadId: TRAINING_THREAD_ID });
    await client.nextStop();
    const t = await client.training();
    assert.equal(Number(await client.evaluate('loss')), t.loss);
    assert.equal(Number(await client.evaluate('loss * 2', 'repl')), Number((t.loss * 2).toPrecision(6)));
    const layers = await client.scope('Layers');
    const name = [...layers.keys()].find((n) => n.startsWith('dense'))!;
    const fields = await client.children(layers.get(name)!.variablesReference);
    assert.equal(await client.evaluate(`layers.${name}.gradNorm`), fields.get('gradNorm')!.value);
    assert.ok(Number(fields.get('gradNorm')!.value) > 0);
    // A group expands like a variable.
    const group = await client.dc.evaluateRequest({ expression: `layers.${name}`, context: 'repl' });
    assert.ok(group.body.variablesReference > 0);
    const members = await client.children(group.body.variablesReference);
    assert.equal(members.get('gradNorm')!.evaluateName, `layers.${name}.gradNorm`);
    await assert.rejects(client.evaluate('loss <'), /expected a number or a name after '<' at column 7/);
    await assert.rejects(client.evaluate('los'), /did you mean 'loss'/);
  });

  it('setVariable on the learning rate changes the next update', async () => {
    await client.launch({ program: sgdSpec, stopOnEntry: true, backend: 'wasm' });
    await client.nextStop();
    await client.dc.stepInRequest({ threadId: TRAINING_THREAD_ID });
    await client.nextStop();
    const ratio = async () => {
      // Plain SGD: ||ΔW|| = lr·||g||, so updateRatio·norm / gradNorm is the learning rate used by the last update.
      const layers = await client.scope('Layers');
      const layer = [...layers.values()].find((v) => /Dense/.test(v.value))!;
      const kernel = (await client.children(layer.variablesReference)).get('kernel')!;
      const k = await client.children(kernel.variablesReference);
      return (Number(k.get('updateRatio')!.value) * Number(k.get('norm')!.value)) / Number(k.get('gradNorm')!.value);
    };
    const before = await ratio();
    assert.ok(Math.abs(before - 0.1) / 0.1 < 0.02, `first update used lr ${before}`);

    const scopes = await client.dc.scopesRequest({ frameId: 1 });
    const training = scopes.body.scopes.find((s) => s.name === 'Training')!;
    await assert.rejects(client.dc.setVariableRequest({ variablesReference: training.variablesReference, name: 'loss', value: '1' }), /only learning_rate/);
    await assert.rejects(client.dc.setVariableRequest({ variablesReference: training.variablesReference, name: 'learning_rate', value: '-1' }), /above 0/);
    const set = await client.dc.setVariableRequest({ variablesReference: training.variablesReference, name: 'learning_rate', value: 'lr / 100' });
    assert.equal(set.body.value, '0.001');
    assert.equal((await client.training()).learning_rate, 0.001);

    await client.dc.stepInRequest({ threadId: TRAINING_THREAD_ID });
    await client.nextStop();
    assert.equal((await client.training()).learning_rate, 0.001);
    const after = await ratio();
    assert.ok(Math.abs(after - 0.001) / 0.001 < 0.02, `second update used lr ${after}`);
  });

  it('stepBack restores the epoch start: step counter, weight norms, and an identical replay', async () => {
    await client.launch({ program: spec, stopOnEntry: true, backend: 'wasm', shuffle: true });
    await client.nextStop();
    await client.dc.nextRequest({ threadId: TRAINING_THREAD_ID });
    await client.nextStop();
    const kernelNorms = async () => {
      const out: string[] = [];
      for (const layer of (await client.scope('Layers')).values()) {
        const kernel = (await client.children(layer.variablesReference)).get('kernel');
        if (kernel) out.push((await client.children(kernel.variablesReference)).get('norm')!.value);
      }
      return out;
    };
    const atBoundary = await kernelNorms();
    assert.equal((await client.training()).step, PER_EPOCH);
    await client.dc.stepInRequest({ threadId: TRAINING_THREAD_ID });
    await client.nextStop();
    const firstLoss = (await client.training()).loss;
    await client.dc.stepInRequest({ threadId: TRAINING_THREAD_ID });
    await client.nextStop();
    assert.notDeepEqual(await kernelNorms(), atBoundary);

    await client.dc.stepBackRequest({ threadId: TRAINING_THREAD_ID });
    assert.equal((await client.nextStop()).body.reason, 'step');
    assert.equal((await client.training()).step, PER_EPOCH);
    assert.equal(await client.evaluate('step'), String(PER_EPOCH));
    assert.deepEqual(await kernelNorms(), atBoundary);
    // The restored weights replay the same first batch of epoch 2 exactly.
    await client.dc.stepInRequest({ threadId: TRAINING_THREAD_ID });
    await client.nextStop();
    const replay = await client.training();
    assert.deepEqual([replay.step, replay.loss], [PER_EPOCH + 1, firstLoss]);

    // Back twice: to the start of training, then nothing earlier.
    await client.dc.stepBackRequest({ threadId: TRAINING_THREAD_ID });
    await client.nextStop();
    await client.dc.stepBackRequest({ threadId: TRAINING_THREAD_ID });
    await client.nextStop();
    assert.equal((await client.training()).step, 0);
    await assert.rejects(client.dc.stepBackRequest({ threadId: TRAINING_THREAD_ID }), /already at the start of training/);
  });

  it('answers the history and setBreakOn custom requests', async () => {
    await client.launch({ program: spec, stopOnEntry: true, backend: 'wasm' });
    await client.nextStop();
    await client.dc.stepInRequest({ threadId: TRAINING_THREAD_ID });
    await client.nextStop();
    const history = await client.dc.customRequest(CUSTOM_REQUESTS.history);
    const events = history.body.events as TrainerEvent[];
    assert.deepEqual(
      events.map((e) => e.type),
      client.trainerEvents().map((e) => e.type),
    );
    assert.ok(events.some((e) => e.type === 'header'));
    assert.equal(events.filter((e) => e.type === 'step').length, 1);
    const r = await client.dc.customRequest(CUSTOM_REQUESTS.setBreakOn, { kinds: ['plateau', 'non-finite'] });
    assert.deepEqual(r.body.kinds, ['plateau', 'non-finite']);
    await assert.rejects(client.dc.customRequest(CUSTOM_REQUESTS.setBreakOn, { kinds: ['nan'] }), /expected \{ kinds/);
  });
});
