// The wire protocol's handshake (docs/protocol.md): a trainer that speaks
// another protocol version, or does not start with hello, is refused with an
// error naming both versions and stopped; the real trainer refuses a start of
// another version the same way. Real child processes, nothing faked in-process.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import * as path from 'node:path';
import { PROTOCOL_VERSION, type TrainerEvent } from '../../src/shared/protocol';
import { defaultTrainerScript, TrainerProcess } from '../../src/client/trainerProcess';
import { FrameWriter, readFrames } from '../../src/node/wire';
import { isAlive } from '../debug/client';

const ROOT = path.resolve(__dirname, '..', '..');
const EXAMPLE = path.join(ROOT, 'examples', 'spiral-mlp.nn.json');
const FAKE_TRAINER = path.join(ROOT, 'test', 'fixtures', 'wire', 'fake-trainer.js');

/** Runs the fake trainer whose first message is `first`; resolves with the events and how it ended. */
async function runFakeTrainer(first: string): Promise<{ events: TrainerEvent[]; exit: { code: number | null; signal: string | null } }> {
  process.env.FAKE_TRAINER_FIRST = first;
  const trainer = new TrainerProcess({ modelFile: EXAMPLE }, FAKE_TRAINER);
  delete process.env.FAKE_TRAINER_FIRST;
  const events: TrainerEvent[] = [];
  trainer.on('event', (e: TrainerEvent) => events.push(e));
  const exit = await trainer.exitPromise;
  assert.equal(isAlive(trainer.pid!), false, 'the refused trainer is not left running');
  return { events, exit };
}

describe('wire protocol handshake', () => {
  it('a trainer speaking another protocol version is a fatal error naming both, and is stopped', async () => {
    const { events, exit } = await runFakeTrainer(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION + 1, trainer: 'fake 0.1' }));
    assert.equal(exit.signal, 'SIGKILL');
    assert.equal(events.length, 1);
    const error = events[0];
    assert.equal(error.type, 'error');
    assert.ok(error.type === 'error' && error.fatal);
    assert.equal(
      error.type === 'error' && error.error.message,
      `the trainer (fake 0.1) speaks protocol ${PROTOCOL_VERSION + 1}, this Neural Debugger speaks protocol ${PROTOCOL_VERSION}; ` +
        'use a trainer and a Neural Debugger of the same protocol version',
    );
  });

  it('a trainer whose first message is not hello is refused', async () => {
    const { events } = await runFakeTrainer(JSON.stringify({ type: 'progress', message: 'hi' }));
    assert.deepEqual(
      events.map((e) => e.type),
      ['error'],
    );
    assert.match(events[0].type === 'error' ? events[0].error.message : '', /first message must be 'hello'.*got 'progress'.*speaks protocol 2/);
  });

  it('a trainer that writes something other than JSON is refused with the frame number', async () => {
    const { events } = await runFakeTrainer('Hello, world');
    assert.match(events[0].type === 'error' ? events[0].error.message : '', /^the trainer sent a bad frame: frame 1: malformed JSON/);
  });

  it('the real trainer says hello first, with its protocol and tfjs version', async () => {
    const trainer = new TrainerProcess({ modelFile: EXAMPLE, steps: 1, backend: 'wasm' });
    const types: string[] = [];
    trainer.on('event', (e: TrainerEvent) => types.push(e.type));
    const exit = await trainer.exitPromise;
    assert.equal(exit.code, 0);
    assert.equal(types[0], 'hello');
    assert.equal(types.at(-1), 'finished');
    assert.equal(trainer.hello?.protocol, PROTOCOL_VERSION);
    assert.match(trainer.hello?.trainer ?? '', /^tfjs \d+\.\d+\.\d+$/);
  });

  it('the real trainer refuses a start of another protocol version with a fatal error naming both', async () => {
    const child = spawn(process.execPath, [defaultTrainerScript()], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    const wire = child.stdio[3] as Socket;
    const events: TrainerEvent[] = [];
    readFrames(wire, { onFrame: (v) => events.push(v as TrainerEvent), onError: (e) => assert.fail(e.message) });
    new FrameWriter(wire).write({ type: 'start', protocol: PROTOCOL_VERSION + 5, options: { modelFile: EXAMPLE } });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 2);
    assert.deepEqual(
      events.map((e) => e.type),
      ['hello', 'error'],
    );
    const error = events[1];
    assert.ok(error.type === 'error' && error.fatal);
    assert.equal(
      error.error.message,
      `the client speaks protocol ${PROTOCOL_VERSION + 5}, this trainer (tfjs) speaks protocol ${PROTOCOL_VERSION}; use a Neural Debugger and trainer of the same release`,
    );
  });

  it('the real trainer exits when its parent goes away (the pipe closes): never an orphan', async () => {
    const child = spawn(process.execPath, [defaultTrainerScript()], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    const wire = child.stdio[3] as Socket;
    await new Promise((resolve) => wire.once('data', resolve)); // its hello: it is up
    wire.destroy(); // what the OS does to the pipe when the parent dies
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0);
  });

  it('the real trainer exits when its parent is killed with SIGKILL', async () => {
    const parent = spawn(process.execPath, [path.join(ROOT, 'test', 'fixtures', 'wire', 'parent.js'), defaultTrainerScript()], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const trainerPid = await new Promise<number>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    assert.ok(isAlive(trainerPid));
    parent.kill('SIGKILL');
    for (let i = 0; i < 100 && isAlive(trainerPid); i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(isAlive(trainerPid), false, 'the trainer outlived its killed parent');
  });

  it('started by hand (no protocol pipe), the trainer says what it is and exits 2', async () => {
    const child = spawn(process.execPath, [defaultTrainerScript()], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 2);
    assert.match(stderr, /dist\/trainer\.js is the trainer child process; run it through `neural-debugger train` or VS Code/);
  });
});
