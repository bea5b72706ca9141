// The run's debugger endpoint in-process: a real TrainerProcess (dist/trainer.js)
// behind a DebuggerEndpoint on 127.0.0.1, raw TCP clients; and its pure parts.
import { strict as assert } from 'node:assert';
import { DebuggerEndpoint, openEndpointServer } from '../../src/client/endpoint';
import { checkAttachFrame, endpointToken, FirstFrameBuffer, MAX_UNAUTHENTICATED_CONNECTIONS, tokensEqual } from '../../src/client/endpointAuth';
import { parseClientCommand } from '../../src/client/endpointCommands';
import { TrainerProcess } from '../../src/client/trainerProcess';
import type { TrainerEvent } from '../../src/shared/protocol';
import { endpointBanner, parseListenAddress } from '../../src/cli/listen';
import { RawDebugger } from './endpointClient';

const TOKEN = '0123456789abcdef0123456789abcdef';

describe('DebuggerEndpoint over a real trainer', function () {
  this.timeout(60_000);
  let trainer: TrainerProcess | undefined;
  let endpoint: DebuggerEndpoint | undefined;
  const log: string[] = [];
  const events: TrainerEvent[] = [];

  async function start(): Promise<number> {
    const server = await openEndpointServer('127.0.0.1', 0);
    trainer = new TrainerProcess({ modelFile: `${process.cwd()}/examples/spiral-mlp.nn.json`, epochs: 1, stopOnEntry: true });
    trainer.on('event', (e: TrainerEvent) => events.push(e));
    endpoint = new DebuggerEndpoint(server, trainer, { token: TOKEN, log: (line) => log.push(line) });
    return endpoint.address.port;
  }

  async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  afterEach(async () => {
    trainer?.kill();
    await endpoint?.close();
    log.length = 0;
    events.length = 0;
  });

  it('a client attached before the trainer said hello gets the hello first, then the run', async () => {
    const port = await start();
    const dbg = await RawDebugger.attach(port, TOKEN);
    await dbg.waitFor('the entry pause', (e) => e.type === 'stopped');
    const hello = dbg.events[0];
    assert.match(hello.type === 'hello' ? hello.trainer : hello.type, /^tfjs \S+ via neural-debugger train \(pid \d+\)$/);
    assert.equal(dbg.events.filter((e) => e.type === 'hello').length, 1);
    assert.ok(endpoint!.attached);
    const reply = await dbg.request({ type: 'evaluate', requestId: 9, expression: 'lr * 2' });
    assert.deepEqual([reply.ok, reply.ok && reply.result], [true, 0.02]);
    dbg.send({ type: 'continue' });
    await dbg.waitFor('finished', (e) => e.type === 'finished');
    await dbg.closed; // closed by the endpoint after the run's last event
    await trainer!.exitPromise;
  });

  it('a trainer that dies while a debugger is attached: the debugger is told why, then closed', async () => {
    const port = await start();
    const dbg = await RawDebugger.attach(port, TOKEN);
    await dbg.waitFor('the entry pause', (e) => e.type === 'stopped');
    trainer!.kill();
    await dbg.closed;
    const last = dbg.events.at(-1);
    assert.equal(
      last?.type === 'error' && last.fatal && last.error.message,
      "the run's trainer process was killed by SIGKILL (out of memory, or killed by the user or the system)",
    );
  });

  it(`closes the connection over ${MAX_UNAUTHENTICATED_CONNECTIONS} unauthenticated ones per window at once, counted in one log line; the run is unharmed`, async () => {
    const port = await start();
    await until('the entry pause', () => events.some((e) => e.type === 'stopped'));
    const waiting = await Promise.all(Array.from({ length: MAX_UNAUTHENTICATED_CONNECTIONS }, () => RawDebugger.connect(port)));
    const over = await Promise.all([RawDebugger.connect(port), RawDebugger.connect(port)]);
    const closedAt = Date.now();
    await Promise.all(over.map((c) => c.closed));
    assert.ok(Date.now() - closedAt < 1000, 'closed at once, not after the first-frame timeout');
    assert.deepEqual(
      over.map((c) => c.events),
      [[], []],
    );
    assert.ok(
      waiting.every((c) => !c.connectionClosed),
      'the ones within the limit are still open',
    );
    await Promise.all(waiting.map((c) => c.close()));
    trainer!.send({ type: 'continue' });
    await trainer!.exitPromise;
    await endpoint!.close();
    assert.ok(events.at(-1)?.type === 'finished', 'the run finished');
    assert.equal(log.filter((l) => /^closed 2 unauthenticated connection\(s\) over the limit of 5 per 10 s$/.test(l)).length, 1, log.join('\n'));
  });
});

describe('endpoint parts', () => {
  it('compares tokens of any length without throwing', () => {
    assert.equal(tokensEqual(TOKEN, TOKEN), true);
    assert.equal(tokensEqual(TOKEN, TOKEN.slice(0, -1) + '0'), false);
    assert.equal(tokensEqual(TOKEN, ''), false);
    assert.equal(tokensEqual(TOKEN, TOKEN + 'x'), false);
  });

  it('checks the first frame in order: an attach command, its protocol, its token', () => {
    const frame = (v: unknown) => Buffer.from(JSON.stringify(v));
    assert.equal(checkAttachFrame(frame({ type: 'attach', protocol: 2, token: TOKEN }), TOKEN), null);
    assert.match(checkAttachFrame(frame([1]), TOKEN)!, /must be an 'attach' command/);
    assert.match(checkAttachFrame(frame({ type: 'attach', protocol: 3, token: 'x' }), TOKEN)!, /speaks protocol 3, this run speaks protocol 2/);
    assert.equal(checkAttachFrame(frame({ type: 'attach', protocol: 2, token: 5 }), TOKEN), 'wrong token');
    assert.match(checkAttachFrame(Buffer.from('{"type":'), TOKEN)!, /not JSON/);
  });

  it('gathers the first frame across chunks, up to 4 KiB, and hands on the bytes after it', () => {
    const buffer = new FirstFrameBuffer();
    assert.equal(buffer.push(Buffer.from('{"type":')), null);
    const done = buffer.push(Buffer.from('"attach"}\n{"type":"continue"}\n'));
    assert.ok(done && done !== 'too-large');
    assert.equal(done.frame.toString(), '{"type":"attach"}');
    assert.equal(done.rest.toString(), '{"type":"continue"}\n');
    const big = new FirstFrameBuffer();
    assert.equal(big.push(Buffer.alloc(4000, 0x61)), null);
    assert.equal(big.push(Buffer.alloc(97, 0x61)), 'too-large');
  });

  it('relays only well-formed commands, rebuilt from their checked fields', () => {
    assert.deepEqual(parseClientCommand({ type: 'continue', extra: 1 }), { kind: 'command', command: { type: 'continue' } });
    assert.deepEqual(parseClientCommand({ type: 'setLearningRate', requestId: 4, value: 0.1, x: 2 }), {
      kind: 'request',
      requestId: 4,
      command: { type: 'setLearningRate', value: 0.1 },
    });
    assert.deepEqual(parseClientCommand({ type: 'setBreakpoints', requestId: 1, breakpoints: [{ id: 1, condition: 'loss < 1', junk: true }] }), {
      kind: 'request',
      requestId: 1,
      command: { type: 'setBreakpoints', breakpoints: [{ id: 1, condition: 'loss < 1' }] },
    });
    for (const bad of [
      null,
      [],
      { type: 'setBreakpoints', requestId: 1, breakpoints: 'loss' },
      { type: 'setBreakpoints', requestId: 1, breakpoints: [{ id: 'a', condition: 'x' }] },
      { type: 'setBreakOn', kinds: ['no-such-kind'] },
      { type: 'evaluate', requestId: 2, expression: 7 },
      { type: 'evaluate', expression: 'loss' },
      { type: 'setLearningRate', requestId: 3, value: 'fast' },
      { type: 'annotate', message: 'x'.repeat(10_001) },
      { type: 'rm -rf' },
      { type: 'start', protocol: 2, options: {} },
      { type: 'attach', protocol: 2, token: TOKEN },
    ]) {
      assert.ok('refused' in parseClientCommand(bad), JSON.stringify(bad).slice(0, 80));
    }
  });

  it('reads --listen values and warns for a host other than loopback', () => {
    assert.deepEqual(parseListenAddress('4711'), { host: '127.0.0.1', port: 4711 });
    assert.deepEqual(parseListenAddress('localhost:0'), { host: 'localhost', port: 0 });
    assert.deepEqual(parseListenAddress('[::1]:4711'), { host: '::1', port: 4711 });
    assert.throws(() => parseListenAddress('::1:4711'), /--listen: .*IPv6 host in brackets/);
    assert.throws(() => parseListenAddress('65536'), /--listen: .*got 65536/);
    assert.throws(() => parseListenAddress('1e3'), /--listen: .*got '1e3'/);
    const loopback = endpointBanner({ host: '127.0.0.1', port: 0 }, 4711, TOKEN, 'examples/spiral-mlp.nn.json');
    assert.equal(loopback.length, 2);
    assert.equal(
      loopback[1],
      `  { "type": "neural", "request": "attach", "name": "Attach to spiral-mlp", "address": "127.0.0.1", "port": 4711, "token": "${TOKEN}" }`,
    );
    const open = endpointBanner({ host: '0.0.0.0', port: 4711 }, 4711, TOKEN, 'm.model.ts');
    assert.match(open[2], /warning: anyone who can reach 0\.0\.0\.0:4711 and has the token can run code.*ssh -L 4711:127\.0\.0\.1:4711 user@host/);
  });

  it('takes the token from NEURAL_DEBUGGER_TOKEN (at least 16 characters), else 32 random hex characters', () => {
    assert.match(endpointToken({}), /^[0-9a-f]{32}$/);
    assert.notEqual(endpointToken({}), endpointToken({}));
    assert.equal(endpointToken({ NEURAL_DEBUGGER_TOKEN: TOKEN }), TOKEN);
    assert.throws(() => endpointToken({ NEURAL_DEBUGGER_TOKEN: 'short' }), /NEURAL_DEBUGGER_TOKEN: the token must be at least 16 characters/);
  });
});
