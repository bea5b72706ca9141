// The debug adapter's attach (the real standalone adapter over stdio) against
// a loopback protocol peer (test/client/endpointPeer.ts) that replays events
// recorded from a real run, as the endpoint does: the history fills the run
// state, a run paused now is shown paused and an old pause is not, commands
// go to the run, and disconnect detaches while terminate stops the run.
// The same against the real CLI endpoint: ./attach.test.ts.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { TrainerProcess } from '../../src/client/trainerProcess';
import { CUSTOM_REQUESTS, TRAINING_THREAD_ID } from '../../src/shared/debugEvents';
import type { TrainerCommand, TrainerEvent } from '../../src/shared/protocol';
import { EndpointPeer, type PeerConnection } from '../client/endpointPeer';
import { NeuralClient } from './client';

const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'spiral-mlp.nn.json');
const TOKEN = 'peer-token-0123456789abcdef';

/** A real 3-step run paused on entry and then continued: all its events, and how many came up to the entry pause. */
async function recordRun(): Promise<{ events: TrainerEvent[]; untilEntryPause: number }> {
  const trainer = new TrainerProcess({ modelFile: EXAMPLE, steps: 3, backend: 'wasm', stopOnEntry: true });
  const events: TrainerEvent[] = [];
  let untilEntryPause = 0;
  trainer.on('event', (e: TrainerEvent) => {
    events.push(e);
    if (e.type === 'stopped') {
      untilEntryPause = events.length;
      trainer.send({ type: 'continue' });
    }
  });
  assert.equal((await trainer.exitPromise).code, 0);
  return { events, untilEntryPause };
}

/** The endpoint's side, scripted: checks the attach frame, sends hello and `history`, answers every request with ok. */
function replay(history: TrainerEvent[], finish: TrainerEvent) {
  return async (c: PeerConnection): Promise<void> => {
    assert.deepEqual(await c.nextFrame(), { type: 'attach', protocol: 2, token: TOKEN });
    for (const e of history) c.writer.write(e.type === 'hello' ? { ...e, trainer: `${e.trainer} via neural-debugger train (pid 1)` } : e);
    for (;;) {
      const command = await Promise.race([c.nextFrame(), c.closed.then(() => null)]);
      if (command === null) return;
      if ('requestId' in command) c.writer.write({ type: 'reply', requestId: command.requestId, ok: true, result: null });
      if (command.type === 'stop') {
        c.writer.write(finish);
        c.writer.end();
        return;
      }
    }
  };
}

function commandsOf(c: PeerConnection): Omit<TrainerCommand, 'requestId'>[] {
  return c.received.map((f) => {
    const { requestId: _, ...rest } = f as TrainerCommand & { requestId?: number };
    return rest;
  });
}

describe('debug adapter: attach (against a protocol peer)', function () {
  this.timeout(20_000);
  let run: { events: TrainerEvent[]; untilEntryPause: number };
  let client: NeuralClient;
  let peer: EndpointPeer;
  before(async () => {
    run = await recordRun();
  });
  beforeEach(async () => {
    client = await NeuralClient.start();
  });
  afterEach(async () => {
    const errors = peer?.scriptErrors ?? [];

    await peer?.close();

    await client.stop();
    assert.deepEqual(errors, [], 'the protocol peer saw what it expected');
  });

  async function serve(history: TrainerEvent[]): Promise<number> {
    peer = new EndpointPeer(replay(history, run.events.at(-1)!));
    return peer.listen();
  }

  it('shows a run paused at entry as paused, with its history; sends breakpoints, the learning rate; disconnect detaches', async () => {
    const port = await serve(run.events.slice(0, run.untilEntryPause));
    await client.attach({ port, token: TOKEN }, { functionBreakpoints: [{ name: 'loss < 0.01' }], supportsProgressReporting: true });
    const stop = await client.nextStop();
    assert.equal(stop.body.reason, 'entry');
    assert.ok(
      run.events.slice(0, run.untilEntryPause).some((e) => e.type === 'progress'),
      'the replayed history has the preparation progress',
    );
    assert.equal(client.events.filter((e) => e.event === 'progressStart').length, 0, 'no progress notification for a preparation that is over');
    assert.match(
      client.output('console'),
      new RegExp(`attached to the run at 127\\.0\\.0\\.1:${port} \\(tfjs [\\d.]+ via neural-debugger train \\(pid 1\\)\\)`),
    );
    assert.ok((await client.topFrame()).name.length > 0);
    const history = await client.dc.customRequest(CUSTOM_REQUESTS.history);
    const types = (history.body.events as TrainerEvent[]).map((e) => e.type);
    assert.ok(types.includes('header'), `history: ${types.join(', ')}`);
    assert.equal(types.at(-1), 'stopped');

    const training = (await client.dc.scopesRequest({ frameId: 1 })).body.scopes.find((s) => s.name === 'Training')!;
    const set = await client.dc.setVariableRequest({ variablesReference: training.variablesReference, name: 'learning_rate', value: '0.05' });
    assert.equal(set.body.value, '0.05');
    await client.dc.stepInRequest({ threadId: TRAINING_THREAD_ID });

    await client.dc.disconnectRequest({});
    await peer.connections[0].closed;
    await client.next('terminated');
    assert.deepEqual(commandsOf(peer.connections[0]), [
      { type: 'attach', protocol: 2, token: TOKEN },
      { type: 'setBreakOn', kinds: ['non-finite'] },
      { type: 'setBreakpoints', breakpoints: [{ id: client.functionBreakpoints[0].id, condition: 'loss < 0.01' }] },
      { type: 'setLearningRate', value: 0.05 },
      { type: 'stepBatch' },
      // Detach: the debugger's stops are withdrawn, nothing is stopped.
      { type: 'setBreakOn', kinds: [] },
      { type: 'setBreakpoints', breakpoints: [] },
    ]);
    assert.match(client.output('console'), /detached from the run at 127\.0\.0\.1:\d+; training continues there/);
  });

  it('a run that paused and resumed before the attach is shown running; terminate stops it and the session ends with it', async () => {
    const port = await serve(run.events.slice(0, -1));
    await client.attach({ address: '127.0.0.1', port: String(port), token: TOKEN });
    await client.dc.threadsRequest();
    assert.equal(client.events.filter((e) => e.event === 'stopped').length, 0, 'the old entry pause is history, not a stop');
    await client.dc.disconnectRequest({ terminateDebuggee: true });
    await client.next('terminated');
    assert.deepEqual(
      commandsOf(peer.connections[0]).map((c) => c.type),
      ['attach', 'setBreakOn', 'setBreakpoints', 'stop'],
    );
    assert.match(client.output('console'), /finished after 3 steps/);
    assert.doesNotMatch(client.output('stderr'), /closed before the run ended/);
  });

  it('a connection that drops while attached ends the session with a message saying the run may go on', async () => {
    const port = await serve(run.events.slice(0, -1));
    await client.attach({ port, token: TOKEN });
    peer.connections[0].socket.destroy();
    await client.next('terminated');
    assert.match(
      client.output('stderr'),
      new RegExp(`the connection to the run at 127\\.0\\.0\\.1:${port} closed before the run ended .*; if the run goes on, attach again to follow it`),
    );
  });

  it("a refusal fails the attach with the endpoint's message; a missing token says where to find it", async () => {
    peer = new EndpointPeer(async (c) => {
      await c.nextFrame();
      c.writer.write({ type: 'error', fatal: true, error: { message: 'wrong token' } });
      c.writer.end();
    });
    const port = await peer.listen();
    await assert.rejects(client.attach({ port, token: 'nope' }), new RegExp(`the run at 127\\.0\\.0\\.1:${port} refused the debugger: wrong token`));
    const other = await NeuralClient.start();
    try {
      await assert.rejects(other.attach({ port }), /token: the run's token is missing; `neural-debugger train MODEL --listen PORT` printed it/);
    } finally {
      await other.stop();
    }
  });
});
