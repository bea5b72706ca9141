// A protocol peer for the attaching client's tests: a loopback TCP server
// that plays the endpoint side of the attach handshake (docs/remote.md) as
// each test scripts it. It is not the endpoint (src/client/endpoint.ts, the
// CLI's `--listen`): it only lets the client's side be tested on its own.

import * as net from 'node:net';
import { FrameWriter, readFrames } from '../../src/node/wire';
import type { TrainerCommand } from '../../src/shared/protocol';

export interface PeerConnection {
  socket: net.Socket;
  writer: FrameWriter;
  /** Every frame the client sent, in order. */
  received: TrainerCommand[];
  /** Resolves with the next frame the client sends (or the first not yet taken). */
  nextFrame(): Promise<TrainerCommand>;
  /** Resolves when the client's side ended or closed. */
  closed: Promise<void>;
}

export class EndpointPeer {
  private readonly server = net.createServer();
  private readonly sockets = new Set<net.Socket>();
  /** Every connection so far, in order. */
  readonly connections: PeerConnection[] = [];
  port = 0;

  /** What the scripts threw (checked by the tests' afterEach). */
  readonly scriptErrors: unknown[] = [];

  constructor(onConnection: (connection: PeerConnection) => void | Promise<void>) {
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      const received: TrainerCommand[] = [];
      let taken = 0;
      const waiters: ((c: TrainerCommand) => void)[] = [];
      readFrames(socket, {
        onFrame: (value) => {
          received.push(value as TrainerCommand);
          const waiter = waiters.shift();
          if (waiter) waiter(received[taken++]);
        },
        onError: () => undefined,
      });
      const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      const nextFrame = () => (taken < received.length ? Promise.resolve(received[taken++]) : new Promise<TrainerCommand>((resolve) => waiters.push(resolve)));
      const connection = { socket, writer: new FrameWriter(socket), received, nextFrame, closed };
      this.connections.push(connection);
      // A script's failed assertion fails the test through its effect on the client; never an unhandled rejection here.
      Promise.resolve()
        .then(() => onConnection(connection))
        .catch((e: unknown) => {
          this.scriptErrors.push(e);
          socket.destroy();
        });
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
