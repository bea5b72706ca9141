// A raw debugger for the endpoint tests: net.connect to 127.0.0.1 and the wire
// framing of src/node/wire.ts, nothing of the debug adapter.
import * as net from 'node:net';
import * as fs from 'node:fs';
import { FrameReader } from '../../src/node/wire';
import { decodeJson, encodeJson } from '../../src/shared/json';
import { PROTOCOL_VERSION, type TrainerEvent } from '../../src/shared/protocol';

export class RawDebugger {
  readonly events: TrainerEvent[] = [];
  /** Resolves when the endpoint closed the connection (or it failed). */
  readonly closed: Promise<void>;
  private waiters: (() => void)[] = [];
  private isClosed = false;

  private constructor(readonly socket: net.Socket) {
    const reader = new FrameReader({
      onFrame: (value) => {
        this.events.push(value as TrainerEvent);
        this.wake();
      },
      onError: (e) => {
        throw new Error(`the endpoint sent a bad frame: ${e.message}`);
      },
    });
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.on('error', () => undefined); // a refused writer sees EPIPE/ECONNRESET; 'close' follows
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.isClosed = true;
        this.wake();
        resolve();
      }),
    );
  }

  static connect(port: number): Promise<RawDebugger> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(new RawDebugger(socket)));
      socket.once('error', reject);
    });
  }

  /** Connects and sends the attach frame with `token`. */
  static async attach(port: number, token: string, protocol = PROTOCOL_VERSION): Promise<RawDebugger> {
    const client = await RawDebugger.connect(port);
    client.send({ type: 'attach', protocol, token });
    return client;
  }

  send(value: unknown): void {
    this.socket.write(`${encodeJson(value)}\n`);
  }

  get connectionClosed(): boolean {
    return this.isClosed;
  }

  /** The first event (from `from` on) that `match` accepts; fails after `timeoutMs` naming `what`. */
  async waitFor(what: string, match: (e: TrainerEvent) => boolean, timeoutMs = 20_000, from = 0): Promise<TrainerEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.slice(from).find(match);
      if (found) return found;
      if (this.isClosed) throw new Error(`connection closed before ${what}; got ${this.describe()}`);
      if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms; got ${this.describe()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends a request with the client's own id and waits for the reply carrying it. */
  async request(command: Record<string, unknown> & { requestId: number }): Promise<Extract<TrainerEvent, { type: 'reply' }>> {
    this.send(command);
    const reply = await this.waitFor(`the reply to request ${command.requestId}`, (e) => e.type === 'reply' && e.requestId === command.requestId);
    return reply as Extract<TrainerEvent, { type: 'reply' }>;
  }

  /** The refusal: the fatal error event it got before the endpoint closed the connection. */
  async refusal(): Promise<string> {
    await this.closed;
    const error = this.events.find((e) => e.type === 'error');
    if (!error || error.type !== 'error' || !error.fatal) throw new Error(`expected a fatal error before the close; got ${this.describe()}`);
    return error.error.message;
  }

  close(): Promise<void> {
    this.socket.end();
    return this.closed;
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  private describe(): string {
    return this.events.map((e) => e.type).join(', ') || 'nothing';
  }
}

/** The records of a trace file (JSON Lines). */
export function readTraceRecords(file: string): { type: string; [key: string]: unknown }[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => decodeJson(l) as { type: string });
}
