// Attach from the real standalone adapter to a real run started by the CLI
// with `--listen` in another process, over loopback: the history is loaded,
// pause / step / breakpoint / learning rate work, disconnect leaves the run
// going to its end, re-attach works, and terminate stops the run. It needs
// the CLI's debugger endpoint (src/client/endpoint.ts): it skips, saying so,
// only while the CLI does not know `--listen`.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { endReason, readTrace } from '../../src/node/traceReader';
import { CUSTOM_REQUESTS, TRAINING_THREAD_ID } from '../../src/shared/debugEvents';
import type { TrainerEvent } from '../../src/shared/protocol';
import { BIN, ROOT } from '../cli/helpers';
import { tempDir } from '../trainer/run/harness';
import { NeuralClient } from './client';

const SPEC = path.join(ROOT, 'examples', 'spiral-mlp.nn.json');

interface ListeningRun {
  child: ChildProcess;
  address: string;
  port: number;
  token: string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `neural-debugger train … --listen 127.0.0.1:0` and reads the endpoint it printed (its launch.json entry). */
function startListeningRun(args: string[]): Promise<ListeningRun> {
  const child = spawn(process.execPath, [BIN, 'train', SPEC, '--listen', '127.0.0.1:0', '--backend', 'wasm', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the CLI printed no attach entry within 30 s:\n${stderr}`)), 30_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const entry = stderr.split('\n').find((line) => /^\s*\{.*"request":\s*"attach"/.test(line));
      if (!entry) return;
      clearTimeout(timer);
      const config = JSON.parse(entry) as { address: string; port: number; token: string };
      resolve({ child, address: config.address, port: config.port, token: config.token, stderr: () => stderr, exit });
    });
    void exit.then(({ code }) => reject(new Error(`the CLI exited (${code}) before printing an attach entry:\n${stderr}`)));
  });
}

function cliKnowsListen(): boolean {
  const help = spawnSync(process.execPath, [BIN, 'train', '--help'], { encoding: 'utf8' });
  return /--listen/.test(help.stdout);
}

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('debug adapter: attach to a CLI run over loopback', function () {
  this.timeout(90_000);
  const runs: ListeningRun[] = [];
  const clients: NeuralClient[] = [];
  before(function () {
    if (!cliKnowsListen()) {
      console.warn('    skipped: `neural-debugger train --help` does not list --listen (the CLI debugger endpoint is not built in)');
      this.skip();
    }
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.stop().catch(() => undefined);
    for (const run of runs.splice(0)) if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  });

  async function attachTo(run: ListeningRun, functionBreakpoints?: { name: string; hitCondition?: string }[]): Promise<NeuralClient> {
    const client = await NeuralClient.start();
    clients.push(client);
    await client.attach({ address: run.address, port: run.port, token: run.token }, { functionBreakpoints });
    return client;
  }

  it('--wait: paused at entry with its history; step, breakpoint, learning rate; disconnect leaves the run to finish with a complete trace', async () => {
    const trace = path.join(tempDir(), 'attached.trace.jsonl');
    const run = await startListeningRun(['--wait', '--steps', '60', '--trace', trace]);
    runs.push(run);
    assert.equal(run.address, '127.0.0.1');
    assert.match(run.token, /^[0-9a-f]{32}$/);
    const client = await attachTo(run, [{ name: 'step >= 10', hitCondition: '1' }]);
    assert.equal((await client.nextStop()).body.reason, 'entry');
    assert.ok((await client.topFrame()).name.length > 0);
    const history = (await client.dc.customRequest(CUSTOM_REQUESTS.history)).body.events as TrainerEvent[];
    assert.ok(
      history.some((e) => e.type === 'header'),
      `history: ${history.map((e) => e.type).join(', ')}`,
    );
    assert.equal(client.functionBreakpoints[0]?.verified, true, JSON.stringify(client.functionBreakpoints));

    await client.dc.stepInRequest({ threadId: TRAINING_THREAD_ID });
    assert.equal((await client.nextStop()).body.reason, 'step');
    assert.equal((await client.training()).step, 1);

    const training = (await client.dc.scopesRequest({ frameId: 1 })).body.scopes.find((s) => s.name === 'Training')!;
    const before = (await client.training()).learning_rate;
    const set = await client.dc.setVariableRequest({ variablesReference: training.variablesReference, name: 'learning_rate', value: 'lr / 10' });
    assert.equal(Number(set.body.value), Number((before / 10).toPrecision(6)));

    await client.dc.continueRequest({ threadId: TRAINING_THREAD_ID });
    const hit = await client.nextStop();
    assert.equal(hit.body.reason, 'breakpoint');
    assert.ok((await client.training()).step >= 10);

    await client.dc.disconnectRequest({});
    await client.next('terminated');
    const exit = await run.exit;
    assert.deepEqual(exit, { code: 0, signal: null }, run.stderr());
    const parsed = await readTrace(trace);
    assert.equal(endReason(parsed), 'completed');
    assert.equal(parsed.steps.at(-1)?.stats.step, 60);
  });

  it('attach to a running run, detach, re-attach; a second client is refused; terminate stops the run', async () => {
    const trace = path.join(tempDir(), 'reattached.trace.jsonl');
    const run = await startListeningRun(['--epochs', '500', '--trace', trace]);
    runs.push(run);
    const steps = (c: NeuralClient) => Math.max(0, ...c.trainerEvents().map((e) => (e.type === 'step' ? e.stats.step : 0)));

    const first = await attachTo(run);
    await waitUntil(() => steps(first) >= 5, 'steps after the first attach');
    await first.dc.pauseRequest({ threadId: TRAINING_THREAD_ID });
    assert.equal((await first.nextStop()).body.reason, 'pause');

    const second = await NeuralClient.start();
    clients.push(second);
    await assert.rejects(second.attach({ address: run.address, port: run.port, token: run.token }), /another debugger is attached to this run/);

    await first.dc.disconnectRequest({});
    await first.next('terminated');
    const pausedAt = steps(first);

    const again = await attachTo(run);
    // The history is loaded once attach has answered: the newest step then, and steps after it (the detached run went on).
    const caughtUpAt = steps(again);
    assert.ok(caughtUpAt >= pausedAt, `the history reaches the pause (step ${pausedAt}), got ${caughtUpAt}`);
    await waitUntil(() => steps(again) > caughtUpAt + 5, 'steps after the re-attach');
    assert.equal(again.events.filter((e) => e.event === 'stopped').length, 0, 'the re-attached run is running');
    await again.dc.disconnectRequest({ terminateDebuggee: true });
    await again.next('terminated');
    const exit = await run.exit;
    assert.equal(exit.signal, null, run.stderr());
    const parsed = await readTrace(trace);
    assert.equal(endReason(parsed), 'stopped');
  });
});
