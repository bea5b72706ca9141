// What a --listen run does with bad clients: each is refused (or dropped) with
// the documented outcome, and the run is never harmed: a good debugger attaches
// afterwards and the run finishes with its trace complete.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { RawDebugger, readTraceRecords } from '../client/endpointClient';
import { runCli } from './helpers';
import { ListeningCli } from './listenCli';

const SPIRAL = 'examples/spiral-mlp.nn.json';
const HUNDRED_MB = 100 * 1024 * 1024;

/** A debugger in its own process: attaches, steps once, says "paused" when the run is paused, then waits to be killed. */
const PAUSING_DEBUGGER = `
const socket = require('node:net').connect({ host: '127.0.0.1', port: Number(process.argv[1]) }, () => {
  socket.write(JSON.stringify({ type: 'attach', protocol: 2, token: process.argv[2] }) + '\\n');
});
let text = '';
let stepped = false;
socket.on('data', (d) => {
  text += d;
  if (!stepped && /"type":"stopped","reason":"entry"/.test(text)) {
    stepped = true;
    socket.write(JSON.stringify({ type: 'stepBatch' }) + '\\n');
  }
  if (/"type":"stopped","reason":"step"/.test(text)) process.stdout.write('paused\\n');
});
setInterval(() => undefined, 1000);
`;

async function finishWithGoodDebugger(cli: ListeningCli, port: number, token: string, trace: string): Promise<void> {
  const dbg = await RawDebugger.attach(port, token);
  await dbg.waitFor('the header in the history', (e) => e.type === 'header');
  dbg.send({ type: 'continue' });
  await dbg.waitFor('finished', (e) => e.type === 'finished');
  assert.equal((await cli.exit).code, 0, cli.stderr);
  assert.ok(!cli.events.some((e) => e.type === 'error'), 'the run reported no error');
  assert.equal(readTraceRecords(trace).at(-1)?.type, 'finished');
}

describe('neural-debugger train --listen: bad clients', function () {
  this.timeout(120_000);
  let dir: string;
  let cli: ListeningCli | undefined;
  let debuggerProcess: ChildProcess | undefined;

  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nd-listen-bad-'))));
  afterEach(() => {
    cli?.kill();
    debuggerProcess?.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a wrong token, no token, garbage bytes and a 100 MB frame; the run is unharmed', async () => {
    const trace = path.join(dir, 'run.jsonl');
    cli = new ListeningCli([SPIRAL, '--epochs', '1', '--trace', trace, '--listen', '127.0.0.1:0', '--wait']);
    const { port, token } = await cli.endpoint();

    const wrong = await RawDebugger.attach(
      port,
      token.replace(/^./, (c) => (c === '0' ? '1' : '0')),
    );
    assert.equal(await wrong.refusal(), 'wrong token');

    const noToken = await RawDebugger.connect(port);
    noToken.send({ type: 'continue' });
    assert.match(await noToken.refusal(), /^the first frame must be an 'attach' command with the run's token, got "continue"$/);

    const garbage = await RawDebugger.connect(port);
    garbage.socket.write(Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0a]));
    assert.match(await garbage.refusal(), /^the first frame is not JSON/);

    const huge = await RawDebugger.connect(port);
    huge.socket.write(Buffer.alloc(HUNDRED_MB, 0x61));
    const why = await huge.refusal();
    const m = /^the first frame is longer than 4096 bytes \(closed after reading (\d+) bytes, holding (\d+)\)$/.exec(why);
    assert.ok(m, why);
    console.log(`      100 MB frame: the endpoint read ${m[1]} bytes from the socket and held ${m[2]} before closing it`);
    assert.ok(Number(m[1]) < HUNDRED_MB / 10, `closed early, not after ${m[1]} bytes`);

    for (const reason of ['wrong token', "the first frame must be an 'attach'", 'the first frame is not JSON', 'the first frame is longer than 4096 bytes']) {
      assert.ok(
        cli.stderr.includes(`neural-debugger: refused a debugger connection from 127.0.0.1:`) && cli.stderr.includes(reason),
        `${reason} logged:\n${cli.stderr}`,
      );
    }
    await finishWithGoodDebugger(cli, port, token, trace);
  });

  it('refuses another protocol and a client silent for 5 s, drops a malformed frame after attaching', async () => {
    const trace = path.join(dir, 'run.jsonl');
    cli = new ListeningCli([SPIRAL, '--epochs', '5000', '--stats-every', '50', '--trace', trace, '--listen', '0', '--wait']);
    const { port, token } = await cli.endpoint();
    const silent = await RawDebugger.connect(port);
    const silentSince = Date.now();
    const oldProtocol = await RawDebugger.attach(port, token, 1);
    assert.equal(await oldProtocol.refusal(), 'the debugger speaks protocol 1, this run speaks protocol 2; use a Neural Debugger of the same protocol version');
    const short = await RawDebugger.attach(port, 'abc');
    assert.equal(await short.refusal(), 'wrong token', 'a token of another length is a mismatch too');
    assert.match(await silent.refusal(), /^no 'attach' frame within 5 s of connecting$/);
    assert.ok(Date.now() - silentSince >= 4500, 'closed after the first-frame timeout, not before');
    assert.ok(!cli.events.some((e) => e.type === 'step'), 'still waiting at the entry pause');

    // Dropped after attaching: each is a detach, so the run (paused at entry) continues.
    const malformed = await RawDebugger.attach(port, token);
    await malformed.waitFor('the entry pause', (e) => e.type === 'stopped');
    malformed.socket.write('{"type": "pause"\n');
    assert.match(await malformed.refusal(), /malformed JSON.*the run goes on/);
    const starter = await RawDebugger.attach(port, token);
    await starter.waitFor('the header', (e) => e.type === 'header');
    starter.send({ type: 'start', protocol: 2, options: { modelFile: '/etc/passwd' } });
    assert.match(await starter.refusal(), /a 'start' command/);

    const last = await RawDebugger.attach(port, token);
    const caughtUp = (await last.waitFor('the header', (e) => e.type === 'header')) && last.events.length;
    await last.waitFor('a live step', (e) => e.type === 'step', 20_000, caughtUp);
    last.send({ type: 'stop' });
    await last.waitFor('finished', (e) => e.type === 'finished');
    assert.equal((await cli.exit).code, 0, cli.stderr);
    assert.ok(!cli.events.some((e) => e.type === 'error'), 'the run reported no error');
    const records = readTraceRecords(trace);
    assert.equal(records.at(-1)?.type, 'finished');
    const notes = records.filter((r) => r.type === 'log').map((r) => String(r.message));
    // The first drop came while paused at entry; the second may come before the trainer said it resumed.
    const continues = notes.filter((m) => /training continues$/.test(m));
    assert.equal(continues.length, 2, notes.join('\n'));
    assert.match(continues[0], /disconnected while training was paused; training continues$/);
  });

  it('a debugger killed while the run is paused: the run continues within seconds and its trace says so', async () => {
    const trace = path.join(dir, 'run.jsonl');
    cli = new ListeningCli([SPIRAL, '--epochs', '1', '--trace', trace, '--listen', '0', '--wait']);
    const { port, token } = await cli.endpoint();
    const child = spawn(process.execPath, ['-e', PAUSING_DEBUGGER, String(port), token], { stdio: ['ignore', 'pipe', 'inherit'] });
    debuggerProcess = child;
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('paused') && resolve());
      child.on('exit', () => reject(new Error('the debugger process ended before the run paused')));
    });
    const stepsBefore = cli.events.filter((e) => e.type === 'step').length;
    const killedAt = Date.now();
    child.kill('SIGKILL');
    const said = (e: { type: string; message?: string }) =>
      e.type === 'log' && /disconnected while training was paused; training continues/.test(String(e.message));
    while (!cli.events.some(said) && Date.now() - killedAt < 10_000) await new Promise((r) => setTimeout(r, 20));
    const noticedMs = Date.now() - killedAt;
    console.log(`      killed debugger: the run said it continues ${noticedMs} ms after the kill (polled every 20 ms)`);
    assert.equal((await cli.exit).code, 0, cli.stderr);
    const events = cli.events;
    const noteIndex = events.findIndex(said);
    assert.ok(noteIndex >= 0, `the run said so:\n${cli.stderr}`);
    assert.equal(stepsBefore, 1);
    assert.ok(
      events.slice(noteIndex).some((e) => e.type === 'step'),
      'it trained on after the kill',
    );
    const records = readTraceRecords(trace);
    assert.ok(records.some((r) => r.type === 'log' && /disconnected while training was paused; training continues/.test(String(r.message))));
    assert.equal(records.at(-1)?.type, 'finished');
  });

  it('bad --listen values, --wait alone and a short NEURAL_DEBUGGER_TOKEN are errors naming the flag, exit 2', async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const busyPort = (busy.address() as net.AddressInfo).port;
    try {
      const cases: [string[], RegExp, Record<string, string>?][] = [
        [['--listen', 'abc'], /error: --listen: expects \[HOST:\]PORT .*got 'abc': the port must be a number from 0 to 65535/],
        [['--listen', '70000'], /error: --listen: .*the port must be a number from 0 to 65535, got 70000/],
        [['--listen', ':4711'], /error: --listen: .*the host before the colon is empty/],
        [['--listen', 'no-such-host.invalid:4711'], /error: --listen: the host 'no-such-host\.invalid' does not resolve/],
        [['--listen', `127.0.0.1:${busyPort}`], new RegExp(`error: --listen: port ${busyPort} on 127\\.0\\.0\\.1 is in use`)],
        [['--wait'], /--wait needs --listen/],
        [['--listen', '0'], /error: NEURAL_DEBUGGER_TOKEN: the token must be at least 16 characters, got 5/, { NEURAL_DEBUGGER_TOKEN: 'short' }],
      ];
      for (const [args, expected, env] of cases) {
        const r = await runCli(['train', SPIRAL, ...args], { env, timeoutMs: 30_000 });
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, expected);
        assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
      }
    } finally {
      busy.close();
    }
  });
});
