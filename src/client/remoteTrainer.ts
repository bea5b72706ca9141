// A run started elsewhere (`neural-debugger train MODEL --listen HOST:PORT`),
// reached over TCP through its debugger endpoint (src/client/endpoint.ts).
// The first frame is `attach` with the token; the endpoint answers with its
// hello and the run's events so far, then live events, or refuses with one
// fatal error event and closes (docs/remote.md). Closing the connection
// detaches: the run goes on.

import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { UserError } from '../shared/errors';
import { PROTOCOL_VERSION, type TrainerCommand, type TrainerEvent } from '../shared/protocol';
import { ProtocolChannel, type TrainerHello, type TrainerRequest } from './protocolChannel';
import type { TrainerConnection, TrainerExit } from './trainerConnection';

/** How long connecting and the endpoint's hello may take together. */
const ATTACH_TIMEOUT_MS = 10_000;
/** How long `stop` waits for the endpoint to report the run's end and close before closing itself. */
const STOP_GRACE_MS = 3000;

export interface AttachTarget {
  /** Host name or IP address of the endpoint (127.0.0.1 for a local run or an SSH tunnel). */
  address: string;
  port: number;
  token: string;
}

const CLOSED: TrainerExit = { code: null, signal: null };

export class RemoteTrainer extends EventEmitter implements TrainerConnection {
  readonly description: string;
  readonly stderr = '';
  /** Resolves once the endpoint said hello; rejects with a UserError when the run cannot be reached or refuses. */
  readonly ready: Promise<void>;
  readonly exitPromise: Promise<TrainerExit>;
  private readonly socket: net.Socket;
  private readonly channel: ProtocolChannel;
  private closed = false;

  constructor(
    readonly target: AttachTarget,
    timeoutMs = ATTACH_TIMEOUT_MS,
  ) {
    super();
    const where = `${target.address}:${target.port}`;
    this.description = `the run at ${where}`;
    this.socket = net.connect({ host: target.address, port: target.port });
    this.socket.setNoDelay(true);
    this.socket.setKeepAlive(true, 1000);
    this.channel = new ProtocolChannel(this.socket, {
      peer: `the debugger endpoint at ${where}`,
      onBroken: () => this.socket.destroy(),
      // A refusal: the endpoint's one fatal error before its hello.
      acceptBeforeHello: (event) => event?.type === 'error' && event.fatal,
    });
    let settle: { resolve: () => void; reject: (e: UserError) => void } | null = null;
    this.ready = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    const fail = (message: string) => {
      settle?.reject(new UserError({ message }));
      settle = null;
      this.socket.destroy();
    };
    const timer = setTimeout(() => fail(`attaching to ${where} timed out after ${timeoutMs / 1000} s without an answer; ${whatToCheck(target)}`), timeoutMs);
    this.channel.on('event', (event: TrainerEvent) => {
      if (settle && event.type === 'error') {
        // Before the hello: refused (wrong token, another debugger attached …), or not a debugger endpoint.
        clearTimeout(timer);
        return fail(this.channel.isBroken ? event.error.message : `the run at ${where} refused the debugger: ${event.error.message}`);
      }
      if (settle) {
        clearTimeout(timer);
        settle.resolve();
        settle = null;
      }
      this.emit('event', event);
    });
    // The first frame, whatever is sent next (the socket holds it until connected).
    this.channel.send({ type: 'attach', protocol: PROTOCOL_VERSION, token: target.token });
    this.socket.on('error', (error: NodeJS.ErrnoException) => fail(connectError(error, target)));
    this.exitPromise = new Promise((resolve) => {
      this.socket.on('close', () => {
        clearTimeout(timer);
        this.closed = true;
        fail(`the debugger endpoint at ${where} closed the connection without answering; ${whatToCheck(target)}`);
        this.channel.close(`the connection to ${this.description} is closed`);
        this.emit('exit', CLOSED);
        resolve(CLOSED);
      });
    });
    this.ready.catch(() => undefined); // observed by whoever awaits it; the connection's end is reported as 'exit' too
  }

  get hello(): TrainerHello | null {
    return this.channel.hello;
  }

  get hasExited(): boolean {
    return this.closed;
  }

  send(command: TrainerCommand): void {
    if (!this.closed) this.channel.send(command);
  }

  request<T = unknown>(command: TrainerRequest): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`the connection to ${this.description} is closed`));
    return this.channel.request<T>(command);
  }

  /**
   * Stops the run (DAP terminate): sends `stop`, waits for the endpoint to
   * pass on the run's end and close, and closes after `graceMs` if it has not.
   */
  async stop(graceMs = STOP_GRACE_MS): Promise<TrainerExit> {
    if (this.closed) return CLOSED;
    this.channel.send({ type: 'stop' });
    const timer = setTimeout(() => this.detach(), graceMs);
    await this.exitPromise;
    clearTimeout(timer);
    return CLOSED;
  }

  /** Detaches: ends the connection after the frames written so far; the run goes on. */
  detach(): Promise<TrainerExit> {
    if (!this.closed) this.channel.end(() => this.socket.destroySoon());
    return this.exitPromise;
  }

  /** Drops the connection now (the run goes on). */
  kill(): void {
    this.socket.destroy();
  }
}

function whatToCheck(target: AttachTarget): string {
  const local = ['127.0.0.1', 'localhost', '::1'].includes(target.address);
  return (
    `is \`neural-debugger train MODEL --listen ${target.address}:${target.port}\` running${local ? ' on this machine' : ` on ${target.address}`}` +
    `${local ? ', or an SSH tunnel to it (ssh -L PORT:127.0.0.1:PORT user@host)' : ''}, and are "address" and "port" in the launch configuration the ones it printed?`
  );
}

function connectError(error: NodeJS.ErrnoException, target: AttachTarget): string {
  const where = `${target.address}:${target.port}`;
  switch (error.code) {
    case 'ECONNREFUSED':
      return `cannot attach to ${where}: nothing listens there (connection refused); ${whatToCheck(target)}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot attach to ${where}: the host '${target.address}' was not found; check "address" in the launch configuration`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `cannot attach to ${where}: the host cannot be reached (${error.code}); ${whatToCheck(target)}`;
    default:
      return `cannot attach to ${where}: ${error.message}; ${whatToCheck(target)}`;
  }
}
