// The trainer process is owned by the session: disconnect ends it, a killed
// trainer ends the session with a message and a readable trace, and input
// errors fail the launch with the FILE:LINE:COL message.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { endReason, readTrace } from '../../src/node/traceReader';
import { tempDir, writeSpiralSpec } from '../trainer/run/harness';
import { TRAINER_EVENT, TRAINING_THREAD_ID, type TrainerEventBody } from '../../src/shared/debugEvents';
import { isAlive, NeuralClient } from './client';

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('debug adapter: lifecycle', function () {
  let dir: string;
  let client: NeuralClient;
  beforeEach(async () => {
    dir = tempDir();
    client = await NeuralClient.start();
  });
  afterEach(async () => {
    await client.stop();
  });

  it('disconnect while paused leaves no trainer process', async () => {
    const spec = writeSpiralSpec(dir);
    await client.launch({ program: spec, stopOnEntry: true, backend: 'wasm' }, { supportsProgressReporting: true });
    const pid = await client.trainerPid();
    await client.nextStop();
    assert.ok(isAlive(pid));
    // A debugger's trainer runs below normal priority (TrainerSpawnOptions), the adapter's own at normal.
    assert.equal(os.getPriority(pid), Math.max(os.getPriority(process.pid), os.constants.priority.PRIORITY_BELOW_NORMAL));
    // Preparation was reported as progress, and ended.
    const start = await client.next('progressStart');
    assert.match(start.body.title, /preparing training/);
    await client.next('progressEnd', (e) => e.body.progressId === start.body.progressId);
    await client.dc.disconnectRequest({});
    assert.equal(isAlive(pid), false);
  });

  it('pause stops at the next batch boundary; terminate while training runs leaves no trainer process', async () => {
    const spec = writeSpiralSpec(dir, { training: { epochs: 500 } });
    await client.launch({ program: spec, backend: 'wasm' });
    const pid = await client.trainerPid();
    // The newest step number received (a fast run's live stream is thinned; the newest step always arrives).
    const steps = () => Math.max(0, ...client.trainerEvents().map((e) => (e.type === 'step' ? e.stats.step : 0)));
    await waitUntil(() => steps() >= 10);
    const requestedAfter = steps();
    await client.dc.pauseRequest({ threadId: TRAINING_THREAD_ID });
    const paused = await client.nextStop();
    assert.equal(paused.body.reason, 'pause');
    const t = await client.training();
    assert.ok(t.step >= requestedAfter && t.step <= steps(), `paused at step ${t.step}, requested after ${requestedAfter}`);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(steps(), t.step, 'no step runs while paused');
    await client.dc.continueRequest({ threadId: TRAINING_THREAD_ID });
    await waitUntil(() => steps() >= t.step + 5);
    await client.dc.terminateRequest({});
    await client.next('terminated');
    assert.equal(isAlive(pid), false);
    assert.match(client.output('console'), /stopped after \d+ steps/);
  });

  it('a killed trainer ends the session with a message and a readable trace', async () => {
    const spec = writeSpiralSpec(dir, { training: { epochs: 500 } });
    const trace = 'run.trace.jsonl';
    await client.launch({ program: path.basename(spec), cwd: dir, trace, backend: 'wasm' });
    const pid = await client.trainerPid();
    await waitUntil(() => client.trainerEvents().filter((e) => e.type === 'step').length >= 20);
    process.kill(pid, 'SIGKILL');
    await client.next('terminated');
    const tracePath = path.join(dir, trace);
    assert.match(
      client.output('stderr'),
      new RegExp(`the trainer process was killed by SIGKILL.*; the trace up to the last step is kept in ${tracePath.replace(/[.]/g, '\\.')}`),
    );
    const parsed = await readTrace(tracePath);
    assert.equal(endReason(parsed), 'killed');
    assert.ok(parsed.steps.length >= 20);
    assert.deepEqual(
      parsed.steps.map((s) => s.stats.step),
      Array.from({ length: parsed.steps.length }, (_, i) => i + 1),
    );
  });

  it('a broken spec fails the launch with FILE:LINE:COL, before any process starts', async () => {
    const spec = path.join(dir, 'broken.nn.json');
    const text = fs.readFileSync(writeSpiralSpec(dir), 'utf8').replace('"units": 16', '"units": -16');
    fs.writeFileSync(spec, text);
    const line = text.split('\n').findIndex((l) => l.includes('-16')) + 1;
    const column = text.split('\n')[line - 1].indexOf('-16') + 1;
    await assert.rejects(client.launch({ program: spec, backend: 'wasm' }), (e: Error) => {
      assert.ok(e.message.startsWith(`${spec}:${line}:${column}: error: `), e.message);
      return true;
    });
    assert.ok(client.output('stderr').startsWith(`${spec}:${line}:`));
    assert.equal(
      client.events.some((e) => e.event === 'process'),
      false,
      'no trainer was started',
    );
  });

  it('an error found by the trainer (data) fails the launch with its message', async () => {
    const spec = writeSpiralSpec(dir, { training: { batchSize: 1000 } });
    await assert.rejects(
      client.launch({ program: spec, backend: 'wasm' }),
      /error: training\.batchSize: batch size 1000 is larger than the 192 training samples/,
    );
    assert.match(client.output('stderr'), /batch size 1000 is larger/);
    await client.next('terminated');
    const pid = (await client.next('process')).body.systemProcessId as number;
    await waitUntil(() => !isAlive(pid));
  });

  it('bad launch attributes name the attribute', async () => {
    await assert.rejects(client.launch({ backend: 'wasm' }), /error: program: the model file to train is missing/);
    const other = await NeuralClient.start();
    try {
      await assert.rejects(other.launch({ program: writeSpiralSpec(dir), breakOn: ['nan'] }), /error: breakOn\[0\]: unknown diagnostic kind "nan"/);
    } finally {
      await other.stop();
    }
  });

  it("sends a fast run's steps batched and thinned, in order, ending on the last step, before the end", async () => {
    const spec = writeSpiralSpec(dir, { training: { epochs: 200 } });
    await client.launch({ program: spec, backend: 'wasm' });
    await client.next('terminated');
    const batches = client.events.filter((e) => e.event === TRAINER_EVENT).map((e) => (e.body as TrainerEventBody).events);
    const flat = batches.flat();
    const steps = flat.filter((e) => e.type === 'step').map((e) => (e.type === 'step' ? e.stats.step : -1));
    assert.ok(
      steps.every((s, i) => i === 0 || s > steps[i - 1]),
      'steps in order',
    );
    const finished = flat.find((e) => e.type === 'finished');
    assert.ok(finished && finished.type === 'finished');
    const total = finished.steps;
    assert.equal(steps[steps.length - 1], total, 'the last step arrives');
    assert.ok(total >= 1000, `${total} steps`);
    // Thousands of steps a second arrive thinned (./stepBudget) and in far fewer DAP events.
    assert.ok(batches.length * 5 < total, `${total} steps in ${batches.length} DAP events`);
    assert.ok(flat.findIndex((e) => e.type === 'finished') > flat.map((e) => e.type).lastIndexOf('step'), "'finished' after the last step");
  });
});
