// The attaching client (RemoteTrainer) against a loopback protocol peer
// (./endpointPeer.ts) that plays the endpoint's side of the handshake with
// events recorded from a real training run: the attach frame comes first,
// the run's events arrive in order, requests pair with replies, and every
// way of not getting attached is a UserError naming address:port.
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import * as path from 'node:path';
import { RemoteTrainer } from '../../src/client/remoteTrainer';
import { TrainerProcess } from '../../src/client/trainerProcess';
import { isUserError } from '../../src/shared/errors';
import { PROTOCOL_VERSION, type TrainerEvent } from '../../src/shared/protocol';
import { EndpointPeer, type PeerConnection } from './endpointPeer';

const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'spiral-mlp.nn.json');
const TOKEN = 'a-token-of-sixteen-chars-or-more';

/** The events of a real 3-step run, in order (hello first). */
async function recordRealRun(): Promise<TrainerEvent[]> {
  const trainer = new TrainerProcess({ modelFile: EXAMPLE, steps: 3, backend: 'wasm' });
  const events: TrainerEvent[] = [];
  trainer.on('event', (e: TrainerEvent) => events.push(e));
  const exit = await trainer.exitPromise;
  assert.equal(exit.code, 0);
  return events;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (e) {
    assert.ok(isUserError(e), `expected a UserError, got ${(e as Error)?.stack ?? String(e)}`);
    return e;
  }
  assert.fail('expected a rejection');
}

function eventsOf(trainer: RemoteTrainer): TrainerEvent[] {
  const events: TrainerEvent[] = [];
  trainer.on('event', (e: TrainerEvent) => events.push(e));
  return events;
}

describe('RemoteTrainer (attach over TCP, against a protocol peer)', function () {
  this.timeout(30_000);
  let recorded: TrainerEvent[];
  let peer: EndpointPeer | null = null;
  before(async () => {
    recorded = await recordRealRun();
  });
  afterEach(async () => {
    const errors = peer?.scriptErrors ?? [];
    await peer?.close();
    peer = null;
    assert.deepEqual(errors, [], 'the protocol peer saw what it expected');
  });

  async function serve(script: (c: PeerConnection) => void | Promise<void>): Promise<number> {
    peer = new EndpointPeer(script);
    return peer.listen();
  }

  it('sends attach with the token first, then gets hello and the run in order, and pairs replies by requestId', async () => {
    const port = await serve(async (c) => {
      const first = await c.nextFrame();
      assert.deepEqual(first, { type: 'attach', protocol: PROTOCOL_VERSION, token: TOKEN });
      const [hello, ...rest] = recorded;
      assert.equal(hello.type, 'hello');
      c.writer.write({ ...hello, trainer: `${hello.type === 'hello' ? hello.trainer : ''} via neural-debugger train (pid 1)` });
      for (const e of rest) c.writer.write(e);
      const request = await c.nextFrame();
      assert.equal(request.type, 'setLearningRate');
      // Another id first: the client must not take it for its own.
      c.writer.write({ type: 'reply', requestId: 999, ok: true, result: 'not yours' });
      c.writer.write({ type: 'reply', requestId: (request as { requestId: number }).requestId, ok: true, result: 'yours' });
    });
    const trainer = new RemoteTrainer({ address: '127.0.0.1', port, token: TOKEN });
    const events = eventsOf(trainer);
    await trainer.ready;
    assert.match(trainer.hello?.trainer ?? '', /^tfjs \d+\.\d+\.\d+ via neural-debugger train \(pid 1\)$/);
    assert.equal(await trainer.request({ type: 'setLearningRate', value: 0.5 }), 'yours');
    assert.deepEqual(
      events.map((e) => e.type),
      recorded.map((e) => e.type),
    );
    assert.deepEqual(events.slice(1), recorded.slice(1));
    trainer.kill();
    await trainer.exitPromise;
    assert.equal(trainer.hasExited, true);
    await assert.rejects(trainer.request({ type: 'stepBack' }), /the connection to the run at 127\.0\.0\.1:\d+ is closed/);
  });

  it("a refusal (the endpoint's fatal error before hello) is a UserError with the endpoint's message", async () => {
    const refusingPort = await serve(async (c) => {
      await c.nextFrame();
      c.writer.write({ type: 'error', fatal: true, error: { message: 'wrong token' } });
      c.writer.end();
    });
    const trainer = new RemoteTrainer({ address: '127.0.0.1', port: refusingPort, token: 'wrong' });
    const events = eventsOf(trainer);
    const error = await rejection(trainer.ready);
    assert.equal(error.message, `error: the run at 127.0.0.1:${refusingPort} refused the debugger: wrong token`);
    await trainer.exitPromise;
    assert.deepEqual(events, [], 'a refusal is the rejection, not an event of the run');
  });

  it('a port where nothing listens is a UserError naming address:port and the --listen command', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const error = await rejection(new RemoteTrainer({ address: '127.0.0.1', port, token: TOKEN }).ready);
    assert.match(error.message, new RegExp(`cannot attach to 127\\.0\\.0\\.1:${port}: nothing listens there \\(connection refused\\)`));
    assert.match(error.message, new RegExp(`neural-debugger train MODEL --listen 127\\.0\\.0\\.1:${port}\` running on this machine, or an SSH tunnel`));
  });

  it('an unknown host is a UserError naming the host and the "address" attribute', async () => {
    const error = await rejection(new RemoteTrainer({ address: 'no-such-host.invalid', port: 4711, token: TOKEN }).ready);
    assert.equal(
      error.message,
      `error: cannot attach to no-such-host.invalid:4711: the host 'no-such-host.invalid' was not found; check "address" in the launch configuration`,
    );
  });

  it('an endpoint that never answers times out with a UserError', async () => {
    const port = await serve(() => undefined);
    const error = await rejection(new RemoteTrainer({ address: '127.0.0.1', port, token: TOKEN }, 300).ready);
    assert.match(error.message, new RegExp(`attaching to 127\\.0\\.0\\.1:${port} timed out after 0\\.3 s without an answer`));
  });

  it('something that is not a debugger endpoint (not JSON) is refused with the frame number', async () => {
    const port = await serve((c) => void c.socket.write('SSH-2.0-OpenSSH_9.6\r\n'));
    const error = await rejection(new RemoteTrainer({ address: '127.0.0.1', port, token: TOKEN }).ready);
    assert.match(error.message, new RegExp(`^error: the debugger endpoint at 127\\.0\\.0\\.1:${port} sent a bad frame: frame 1: malformed JSON`));
  });

  it('a malformed frame after hello is one fatal error event and the connection is closed', async () => {
    const port = await serve(async (c) => {
      await c.nextFrame();
      c.writer.write(recorded[0]);
      c.writer.flush();
      c.socket.write('{"type": "step", \n');
    });
    const trainer = new RemoteTrainer({ address: '127.0.0.1', port, token: TOKEN });
    const events = eventsOf(trainer);
    await trainer.ready;
    await trainer.exitPromise;
    assert.deepEqual(
      events.map((e) => e.type),
      ['hello', 'error'],
    );
    const error = events[1];
    assert.ok(error.type === 'error' && error.fatal);
    assert.match(error.error.message, /sent a bad frame: frame 2: malformed JSON/);
  });

  it('detach ends the connection after what was sent; stop sends stop and waits for the endpoint to close', async () => {
    const seen: PeerConnection[] = [];
    const port = await serve(async (c) => {
      seen.push(c);
      await c.nextFrame();
      c.writer.write(recorded[0]);
      if (seen.length === 2) {
        const stop = await c.nextFrame();
        assert.deepEqual(stop, { type: 'stop' });
        c.writer.write(recorded.at(-1));
        c.writer.end();
      }
    });
    const detaching = new RemoteTrainer({ address: '127.0.0.1', port, token: TOKEN });
    await detaching.ready;
    detaching.send({ type: 'continue' });
    await detaching.detach();
    await seen[0].closed;
    assert.deepEqual(
      seen[0].received.map((f) => f.type),
      ['attach', 'continue'],
    );

    const stopping = new RemoteTrainer({ address: '127.0.0.1', port, token: TOKEN });
    const events = eventsOf(stopping);
    await stopping.ready;
    await stopping.stop(10_000);
    assert.equal(events.at(-1)?.type, 'finished');
  });
});
