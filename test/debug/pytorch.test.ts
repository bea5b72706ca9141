// The adapter over stdio on a PyTorch script (dist/pythonHost.js and the
// probe behind it), as stepping.test.ts does for tfjs: entry, Step Into,
// Step Over to the epoch's end, pause, a function breakpoint, setVariable on
// the learning rate, evaluate, a diagnostic as an exception stop, no step
// back, and stop leaving no process behind.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { TRAINING_THREAD_ID } from '../../src/shared/debugEvents';
import { ensureTorchPython } from '../../scripts/python/torchPython';
import { isAlive, NeuralClient } from './client';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'pytorch');
const TINY = path.join(FIXTURES, 'tiny_mlp.py');
const DEEP_SIGMOID_EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'pytorch', 'deep_sigmoid.py');
const PER_EPOCH = 4; // 64 samples in batches of 16

/** The processes started by `pid` (Linux /proc), recursively. */
function descendants(pid: number): number[] {
  const children: number[] = [];
  for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
    const text = fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    if (text) children.push(...text.split(/\s+/).map(Number));
  }
  return children.flatMap((c) => [c, ...descendants(c)]);
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('debug adapter: a PyTorch script', function () {
  this.timeout(120_000);
  let python: string;
  let client: NeuralClient;
  before(() => {
    python = ensureTorchPython().python;
  });
  beforeEach(async () => {
    client = await NeuralClient.start();
  });
  afterEach(async () => {
    await client.stop();
  });

  it('stops on entry; Step Into runs one optimizer step, Step Over to the end of the epoch; no step back', async () => {
    await client.launch({ program: TINY, python, args: ['--epochs', '3'], stopOnEntry: true });
    assert.equal((await client.nextStop()).body.reason, 'entry');
    const capabilities = await client.next('capabilities');
    assert.equal(capabilities.body.capabilities.supportsStepBack, false);
    await client.dc.stepInRequest({ threadId: TRAINING_THREAD_ID });
    assert.equal((await client.nextStop()).body.reason, 'step');
    let t = await client.training();
    assert.deepEqual([t.step, t.epoch, t.batch], [1, 1, 1]); // batches are 1-based where a user reads them
    assert.equal(client.trainerEvents().filter((e) => e.type === 'step').length, 1, 'exactly one step ran');
    assert.equal(Number(await client.evaluate('loss')), t.loss);
    const layers = await client.scope('Layers');
    assert.ok(layers.has('linear_0') && layers.has('tanh_1'), [...layers.keys()].join(', '));
    assert.ok(Number(await client.evaluate('layers.linear_0.gradNorm')) > 0);

    await client.dc.nextRequest({ threadId: TRAINING_THREAD_ID });
    assert.equal((await client.nextStop()).body.reason, 'step');
    t = await client.training();
    assert.deepEqual([t.step, t.epoch, t.batch], [PER_EPOCH, 1, PER_EPOCH]);
    assert.ok(client.trainerEvents().some((e) => e.type === 'epoch' && e.stats.epoch === 1));
    await assert.rejects(client.dc.stepBackRequest({ threadId: TRAINING_THREAD_ID }), /not available for PyTorch scripts/);
  });

  it("with the script's epoch(): Step Over pauses one step into the next epoch (its end is known only after the last step's decision)", async () => {
    await client.launch({ program: path.join(FIXTURES, 'own_loop.py'), python, args: ['--epochs', '3', '--steps-per-epoch', '4'], stopOnEntry: true });
    await client.nextStop();
    await client.dc.nextRequest({ threadId: TRAINING_THREAD_ID });
    assert.equal((await client.nextStop()).body.reason, 'step');
    const t = await client.training();
    assert.deepEqual([t.step, t.epoch, t.batch], [5, 2, 1]);
    const epoch = client.trainerEvents().find((e) => e.type === 'epoch');
    assert.ok(epoch?.type === 'epoch' && epoch.stats.epoch === 1 && epoch.stats.valLoss! > 0, JSON.stringify(epoch));
  });

  it('setVariable on the learning rate changes every param group from the next step; a breakpoint stops there', async () => {
    await client.launch({ program: TINY, python, args: ['--epochs', '3'], stopOnEntry: true });
    await client.nextStop();
    const scopes = await client.dc.scopesRequest({ frameId: 1 });
    const training = scopes.body.scopes.find((s) => s.name === 'Training')!;
    const set = await client.dc.setVariableRequest({ variablesReference: training.variablesReference, name: 'learning_rate', value: 'lr / 100' });
    assert.equal(set.body.value, '0.001');
    const bp = await client.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'step >= 6' }] });
    assert.equal(bp.body.breakpoints[0].verified, true);
    await client.dc.continueRequest({ threadId: TRAINING_THREAD_ID });
    const stop = await client.nextStop();
    assert.equal(stop.body.reason, 'breakpoint');
    const t = await client.training();
    assert.equal(t.step, 6);
    assert.equal(t.learning_rate, 0.001);
    const steps = client.trainerEvents().filter((e) => e.type === 'step');
    assert.ok(steps.every((e) => e.type === 'step' && e.stats.learningRate === 0.001));
  });

  it('pause stops a running script at a step boundary; stop ends it and leaves no process', async () => {
    await client.launch({ program: TINY, python, args: ['--epochs', '100000'] });
    const host = await client.trainerPid();
    await client.next('neuralDebugger.trainer', (e: DebugProtocol.Event) => (e.body.events as { type: string }[]).some((x) => x.type === 'step'), 30_000);
    const processes = [host, ...descendants(host)];
    assert.ok(processes.length >= 2, 'the host and the probe run');
    await client.dc.pauseRequest({ threadId: TRAINING_THREAD_ID });
    assert.equal((await client.nextStop()).body.reason, 'pause');
    const paused = (await client.training()).step;
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal((await client.training()).step, paused, 'no step while paused');
    await client.dc.terminateRequest();
    await client.next('terminated');
    await until(() => processes.every((pid) => !isAlive(pid)));
  });

  it('a diagnostic the user breaks on is an exception stop (vanishing gradients)', async () => {
    await client.launch({ program: DEEP_SIGMOID_EXAMPLE, python }, { exceptionFilters: ['vanishing-gradient'] });
    const stop = await client.nextStop();
    assert.equal(stop.body.reason, 'exception');
    const info = await client.dc.exceptionInfoRequest({ threadId: TRAINING_THREAD_ID });
    assert.equal(info.body.exceptionId, 'vanishing-gradient');
    assert.match(info.body.description ?? '', /layers_0/);
  });

  it("an exception in the script ends the session with the user's file and line", async () => {
    await client.launch({ program: TINY, python, args: ['--fail-at', '2'] });
    await client.next('terminated');
    const line =
      fs
        .readFileSync(TINY, 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('raise ValueError(f')) + 1;
    assert.match(client.output('stderr'), new RegExp(`tiny_mlp\\.py:${line}:1: error: ValueError: bad batch at step 2`));
  });
});
