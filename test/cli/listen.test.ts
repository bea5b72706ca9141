// `neural-debugger train … --listen`: a raw debugger (test/client/endpointClient.ts)
// attaches over 127.0.0.1 to a real CLI run in another process.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TrainerEvent } from '../../src/shared/protocol';
import { RawDebugger, readTraceRecords } from '../client/endpointClient';
import { ListeningCli } from './listenCli';

const SPIRAL = 'examples/spiral-mlp.nn.json';

function stepOf(e: TrainerEvent): number {
  return e.type === 'step' ? e.stats.step : -1;
}

describe('neural-debugger train --listen (attach over loopback)', function () {
  this.timeout(120_000);
  let dir: string;
  const clis: ListeningCli[] = [];
  const start = (args: string[], json = true) => {
    const cli = new ListeningCli(args, { json });
    clis.push(cli);
    return cli;
  };

  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nd-listen-'))));
  afterEach(() => {
    for (const cli of clis.splice(0)) cli.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('--wait: the debugger gets hello and the history, drives the run with its own request ids, and detaching while paused lets it finish', async () => {
    const trace = path.join(dir, 'run.jsonl');
    const cli = start([SPIRAL, '--epochs', '2', '--seed', '1', '--trace', trace, '--listen', '127.0.0.1:0', '--wait']);
    const { port, token } = await cli.endpoint();
    assert.match(
      cli.stderr,
      /"type": "neural", "request": "attach", "name": "Attach to spiral-mlp", "address": "127\.0\.0\.1", "port": \d+, "token": "[0-9a-f]{32}"/,
    );
    await cli.waitForStderr(/waiting for a debugger to attach…/);

    const dbg = await RawDebugger.attach(port, token);
    await dbg.waitFor('the entry pause in the history', (e) => e.type === 'stopped' && e.reason === 'entry');
    const first = dbg.events[0];
    assert.equal(first.type, 'hello');
    assert.match(first.type === 'hello' ? first.trainer : '', /^tfjs .* via neural-debugger train \(pid \d+\)$/);
    const types = dbg.events.map((e) => e.type);
    assert.ok(types.indexOf('header') > 0 && types.indexOf('header') < types.indexOf('stopped'), types.join(','));
    assert.equal(types.filter((t) => t === 'hello').length, 1, 'the trainer’s own hello is not in the history');

    const breakpoints = await dbg.request({ type: 'setBreakpoints', requestId: 501, breakpoints: [{ id: 7, condition: 'step >= 10' }] });
    assert.equal(breakpoints.ok, true);
    const rate = await dbg.request({ type: 'setLearningRate', requestId: 502, value: 0.005 });
    assert.deepEqual(rate.ok && rate.result, { from: 0.01, to: 0.005 });
    const invalidRate = await dbg.request({ type: 'setLearningRate', requestId: 503, value: -1 });
    assert.equal(invalidRate.ok, false, 'the trainer’s own refusal comes back with the client’s id');

    let from = dbg.events.length;
    dbg.send({ type: 'stepBatch' });
    const stepped = await dbg.waitFor('a stop after one step', (e) => e.type === 'stopped' && e.reason === 'step', 20_000, from);
    assert.ok(
      dbg.events.slice(from).some((e) => e.type === 'step'),
      'the step came live',
    );
    from = dbg.events.length;
    dbg.send({ type: 'continue' });
    const hit = await dbg.waitFor('the breakpoint', (e) => e.type === 'stopped' && e.reason === 'breakpoint', 20_000, from);
    assert.ok(hit.type === 'stopped' && hit.breakpointId === 7 && stepped.type === 'stopped' && hit.step > stepped.step);

    await dbg.close(); // detach while paused
    const exit = await cli.exit;
    assert.equal(exit.code, 0, cli.stderr);
    const records = readTraceRecords(trace);
    assert.equal(records.at(-1)?.type, 'finished');
    const note = records.find((r) => r.type === 'log' && /disconnected while training was paused; training continues/.test(String(r.message)));
    assert.ok(note, 'the trace records the detach');
    assert.ok(records.some((r) => r.type === 'learningRate'));
    const lastStep = Math.max(...cli.events.map(stepOf));
    assert.ok(hit.type === 'stopped' && lastStep > hit.step, `trained past the breakpoint after the detach (last step ${lastStep})`);
    assert.match(cli.stderr, /neural-debugger: a debugger attached from 127\.0\.0\.1:\d+/);
  });

  it('re-attaches three times to a running run, refuses a second client meanwhile, and a last client stops it', async () => {
    const trace = path.join(dir, 'run.jsonl');
    const cli = start([SPIRAL, '--epochs', '5000', '--seed', '2', '--stats-every', '50', '--trace', trace, '--listen', '0']);
    const { port, token } = await cli.endpoint();
    for (let attach = 1; attach <= 3; attach++) {
      const dbg = await RawDebugger.attach(port, token);
      await dbg.waitFor('the header in the history', (e) => e.type === 'header');
      const caughtUp = dbg.events.length;
      const historyLast = Math.max(-1, ...dbg.events.map(stepOf));
      await dbg.waitFor('a live step', (e) => stepOf(e) > historyLast, 20_000, caughtUp);
      if (attach === 2) {
        const second = await RawDebugger.attach(port, token);
        assert.match(await second.refusal(), /^another debugger is attached to this run \(since \d\d:\d\d:\d\d from 127\.0\.0\.1:\d+\); detach it first$/);
        const before = dbg.events.length;
        await dbg.waitFor('steps after the refusal', (e) => e.type === 'step', 20_000, before);
      }
      await dbg.close();
    }
    const last = await RawDebugger.attach(port, token);
    await last.waitFor('the header', (e) => e.type === 'header');
    last.send({ type: 'stop' });
    const finished = await last.waitFor('finished', (e) => e.type === 'finished');
    assert.equal(finished.type === 'finished' && finished.reason, 'stopped');
    await last.closed; // the endpoint closes the connection after the run's last event
    assert.equal((await cli.exit).code, 0, cli.stderr);
    const records = readTraceRecords(trace);
    assert.equal(records.at(-1)?.type, 'finished');
    const detaches = records.filter((r) => r.type === 'log' && /the debugger at 127\.0\.0\.1:\d+ detached; training continues/.test(String(r.message)));
    assert.equal(detaches.length, 3);
    assert.match(cli.stderr, /refused a debugger connection from 127\.0\.0\.1:\d+: another debugger is attached/);
  });

  it('the progress output goes on while a debugger is attached, and says when it detached', async () => {
    const cli = start([SPIRAL, '--epochs', '2', '--listen', '0', '--wait'], false);
    const { port, token } = await cli.endpoint();
    const dbg = await RawDebugger.attach(port, token);
    await dbg.waitFor('the entry pause', (e) => e.type === 'stopped');
    dbg.send({ type: 'stepBatch' });
    await dbg.waitFor('a step pause', (e) => e.type === 'stopped' && e.reason === 'step');
    dbg.send({ type: 'continue' });
    await dbg.close(); // detach while it trains
    assert.equal((await cli.exit).code, 0, cli.stderr);
    assert.match(cli.stderr, /training 2 epoch\(s\), batch 32/);
    assert.match(cli.stderr, /\nwarning: the debugger at 127\.0\.0\.1:\d+ (detached|disconnected while training was paused); training continues\n/);
    assert.match(cli.stderr, /epoch 2\/2 .*\n(.*\n)*finished after 50 steps/);
  });

  it("a debugger's breakpoints go with it: after it detaches the run is not paused by them, and --break-when still ends a run", async () => {
    const cli = start([SPIRAL, '--epochs', '2', '--listen', '0', '--wait', '--break-when', 'step >= 1000000']);
    const { port, token } = await cli.endpoint();
    const dbg = await RawDebugger.attach(port, token);
    await dbg.waitFor('the entry pause', (e) => e.type === 'stopped');
    assert.equal((await dbg.request({ type: 'setBreakpoints', requestId: 1, breakpoints: [{ id: 1, condition: 'step >= 40' }] })).ok, true);
    dbg.send({ type: 'continue' });
    await dbg.close(); // detach at once: the trainer should not pause at step 40 with no one attached
    assert.equal((await cli.exit).code, 0, cli.stderr);
    const events = cli.events;
    const detachedAt = events.findIndex((e) => e.type === 'log' && /training continues$/.test(e.message));
    assert.ok(detachedAt > 0);
    assert.ok(!events.slice(detachedAt).some((e) => e.type === 'stopped'), 'no pause after the detach');
    const finished = events.at(-1);
    assert.deepEqual(finished?.type === 'finished' && [finished.reason, finished.steps], ['completed', 50]);

    const own = start([SPIRAL, '--epochs', '2', '--listen', '0', '--break-when', 'step >= 3']);
    assert.equal((await own.exit).code, 3, own.stderr);
    assert.match(own.stderr, /: step >= 3 — --break-when/);
  });
});
