// A run's debugger endpoint (`neural-debugger train MODEL --listen`): a TCP
// server in the CLI process that relays the trainer protocol between the
// run's TrainerProcess and ONE attached debugger at a time (docs/protocol.md,
// "Endpoint"). The gate before attaching is in endpointAuth.ts, the check of
// each relayed command in endpointCommands.ts. A client can only ever lose its
// own connection: every socket handler is guarded, and the run goes on.

import * as net from 'node:net';
import { BoundedHistory, CATCH_UP_BOUNDS, TRAINER_EVENT_ENTRIES } from '../shared/boundedHistory';
import type { DiagnosticKind } from '../shared/stats';
import { encodeJson } from '../shared/json';
import { PROTOCOL_VERSION, type BreakpointSpec, type TrainerEvent } from '../shared/protocol';
import { UserError } from '../shared/errors';
import { FrameReader, FrameWriter } from '../node/wire';
import { describeTrainerExit, type TrainerExit, type TrainerProcess } from './trainerProcess';
import {
  checkAttachFrame,
  ConnectionRateLimit,
  FIRST_FRAME_TIMEOUT_MS,
  FirstFrameBuffer,
  MAX_UNAUTHENTICATED_CONNECTIONS,
  MAX_UNAUTHENTICATED_FRAME_BYTES,
  RATE_WINDOW_MS,
} from './endpointAuth';
import { parseClientCommand, type ClientCommand } from './endpointCommands';

/** Frames waiting for a debugger that does not read them; past this it is disconnected (the run's memory is not its buffer). */
const MAX_PENDING_FRAMES = 50_000;
/** How long a refused connection may take to read its error before it is destroyed. */
const REFUSAL_GRACE_MS = 1000;

export interface DebuggerEndpointOptions {
  token: string;
  /** A line for the user (refusals, attaches); the CLI prints it on stderr. */
  log(line: string): void;
  /** The run's own breakpoints and break-on kinds (the CLI's flags), set again when a debugger that changed them detaches. */
  ownBreakpoints?: BreakpointSpec[];
  ownBreakOn?: DiagnosticKind[];
}

interface AttachedClient {
  socket: net.Socket;
  writer: FrameWriter;
  address: string;
  since: Date;
  /** Set once hello and the history were sent: from then on events go out live. */
  welcomed: boolean;
  stopSent: boolean;
  changedBreakpoints: boolean;
  changedBreakOn: boolean;
}

/** Binds the endpoint's server; a bad address or a port in use is a UserError naming --listen. */
export function openEndpointServer(host: string, port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer({ pauseOnConnect: false });
    server.once('error', (e: NodeJS.ErrnoException) => reject(new UserError({ field: '--listen', message: describeListenError(e, host, port) })));
    server.listen({ host, port, exclusive: true }, () => resolve(server));
  });
}

function describeListenError(e: NodeJS.ErrnoException, host: string, port: number): string {
  switch (e.code) {
    case 'EADDRINUSE':
      return `port ${port} on ${host} is in use (pick another, or 0 for a free one)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return `the host '${host}' does not resolve`;
    case 'EADDRNOTAVAIL':
      return `'${host}' is not an address of this machine`;
    case 'EACCES':
      return `no permission to listen on port ${port} (ports below 1024 need privileges)`;
    default:
      return `cannot listen on ${host}:${port}: ${e.message}`;
  }
}

export class DebuggerEndpoint {
  private readonly history = new BoundedHistory(TRAINER_EVENT_ENTRIES, CATCH_UP_BOUNDS);
  private client: AttachedClient | null = null;
  private paused = false;
  private ended = false;
  private readonly rateLimit: ConnectionRateLimit;
  /** Connections waiting for the trainer's hello before they are welcomed. */
  private readonly awaitingHello: AttachedClient[] = [];
  private readonly listeningOn: { host: string; port: number };
  /** Set-backs of the run's own breakpoints and break-on kinds not yet answered (after a debugger that changed them detached). */
  private restoringOwnSettings = 0;

  constructor(
    private readonly server: net.Server,
    private readonly trainer: TrainerProcess,
    private readonly options: DebuggerEndpointOptions,
  ) {
    this.rateLimit = new ConnectionRateLimit((refused) =>
      options.log(`closed ${refused} unauthenticated connection(s) over the limit of ${MAX_UNAUTHENTICATED_CONNECTIONS} per ${RATE_WINDOW_MS / 1000} s`),
    );
    const bound = server.address() as net.AddressInfo;
    this.listeningOn = { host: bound.address, port: bound.port };
    server.on('connection', (socket) => this.guard(socket, () => this.accept(socket)));
    server.on('error', (e) => options.log(`the debugger endpoint failed: ${e.message}`));
    trainer.on('event', (event: TrainerEvent) => this.relay(event));
    trainer.on('exit', (exit: TrainerExit) => this.trainerEnded(exit));
  }

  /** The trainer process is gone: no more connections; a debugger still attached (or waiting for the hello) learns why. */
  private trainerEnded(exit: TrainerExit): void {
    if (this.server.listening) this.server.close();
    if (!this.ended) {
      const message = `the run's trainer process ${describeTrainerExit(exit, this.trainer.stderr)}`;
      this.relay({ type: 'error', fatal: true, error: { message } });
    }
    this.ended = true;
    for (const client of this.awaitingHello.splice(0)) this.welcome(client);
  }

  /** Where it listens. */
  get address(): { host: string; port: number } {
    return this.listeningOn;
  }

  /** Whether a debugger is attached (pauses are its to resume). */
  get attached(): boolean {
    return this.client !== null;
  }

  /**
   * Whether a pause now is the debugger's, not the run's own: one is attached,
   * or it just detached and the trainer may still pause on its breakpoints
   * or break-on kinds until the run's own are set again.
   */
  get pausesAreTheDebuggers(): boolean {
    return this.client !== null || this.restoringOwnSettings > 0;
  }

  /** Stops listening and ends the attached client's connection after what was already written to it. */
  close(): Promise<void> {
    this.ended = true;
    this.rateLimit.flush();
    if (this.server.listening) this.server.close();
    const client = this.client;
    if (!client) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        client.socket.destroy();
        resolve();
      }, REFUSAL_GRACE_MS);
      timer.unref();
      client.writer.end(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private accept(socket: net.Socket): void {
    const address = describeAddress(socket);
    socket.on('error', () => undefined); // seen through 'close'
    if (!this.rateLimit.admit(socket)) return void socket.destroy();
    if (this.ended) return this.refuse(socket, address, 'the run has ended');
    const first = new FirstFrameBuffer();
    const timer = setTimeout(
      () => this.guard(socket, () => this.refuse(socket, address, `no 'attach' frame within ${FIRST_FRAME_TIMEOUT_MS / 1000} s of connecting`)),
      FIRST_FRAME_TIMEOUT_MS,
    );
    timer.unref();
    const onData = (chunk: Buffer) =>
      this.guard(socket, () => {
        const result = first.push(chunk);
        if (result === null) return;
        clearTimeout(timer);
        socket.off('data', onData);
        if (result === 'too-large') {
          return this.refuse(
            socket,
            address,
            `the first frame is longer than ${MAX_UNAUTHENTICATED_FRAME_BYTES} bytes (closed after reading ${socket.bytesRead} bytes, holding ${first.held})`,
          );
        }
        const why = checkAttachFrame(result.frame, this.options.token);
        if (why) return this.refuse(socket, address, why);
        if (this.client) {
          const since = this.client.since.toTimeString().slice(0, 8);
          return this.refuse(socket, address, `another debugger is attached to this run (since ${since} from ${this.client.address}); detach it first`);
        }
        this.rateLimit.authenticated(socket);
        this.attach(socket, address, result.rest);
      });
    socket.on('data', onData);
    socket.on('close', () => clearTimeout(timer));
  }

  private refuse(socket: net.Socket, address: string, why: string): void {
    this.options.log(`refused a debugger connection from ${address}: ${why}`);
    // Nothing more is read from it. It is destroyed once the client closed it or
    // after a grace period, not at once: a reset right away could discard the
    // refusal before the client read it.
    socket.pause();
    const refusal: TrainerEvent = { type: 'error', fatal: true, error: { message: why } };
    socket.end(`${encodeJson(refusal)}\n`);
    closeAfterGrace(socket);
  }

  private attach(socket: net.Socket, address: string, rest: Buffer): void {
    socket.setKeepAlive(true, 1000);
    socket.setNoDelay(true);
    const client: AttachedClient = {
      socket,
      writer: new FrameWriter(socket),
      address,
      since: new Date(),
      welcomed: false,
      stopSent: false,
      changedBreakpoints: false,
      changedBreakOn: false,
    };
    this.client = client;
    this.options.log(`a debugger attached from ${address}`);
    const reader = new FrameReader({
      onFrame: (value) => this.command(client, value),
      onError: (error) => this.drop(client, error.handlerError ? `internal error: ${error.message}` : `a malformed frame (${error.message}); the run goes on`),
    });
    socket.on('data', (chunk: Buffer) => this.guard(socket, () => reader.push(chunk)));
    socket.on('close', () => this.guard(socket, () => this.detached(client)));
    if (this.trainer.hello) this.welcome(client);
    else this.awaitingHello.push(client);
    if (rest.length > 0) reader.push(rest);
  }

  /** The trainer's hello as this endpoint's, then the run so far; from then on events go out live. */
  private welcome(client: AttachedClient): void {
    if (this.client !== client) return;
    const trainer = this.trainer.hello?.trainer ?? 'a trainer';
    client.writer.write({ type: 'hello', protocol: PROTOCOL_VERSION, trainer: `${trainer} via neural-debugger train (pid ${process.pid})` });
    for (const event of this.history.view) client.writer.write(event);
    client.welcomed = true;
    if (this.ended) client.writer.end();
  }

  private relay(event: TrainerEvent): void {
    try {
      if (event.type === 'hello') {
        for (const client of this.awaitingHello.splice(0)) this.welcome(client);
        return;
      }
      this.history.add(event);
      if (event.type === 'stopped') this.paused = true;
      else if (event.type === 'resumed') this.paused = false;
      const last = event.type === 'finished' || (event.type === 'error' && event.fatal);
      if (last) this.ended = true;
      const client = this.client;
      if (!client?.welcomed) return;
      if (client.writer.pendingFrames > MAX_PENDING_FRAMES) return this.drop(client, `the debugger did not read its last ${MAX_PENDING_FRAMES} events`);
      client.writer.write(event);
      if (last) client.writer.end();
    } catch (e) {
      this.options.log(`internal error in the debugger endpoint: ${(e as Error)?.message ?? String(e)}`);
    }
  }

  private command(client: AttachedClient, value: unknown): void {
    if (this.client !== client) return;
    const parsed: ClientCommand | { refused: string } = parseClientCommand(value);
    if ('refused' in parsed) return this.drop(client, `it sent ${parsed.refused}; the run goes on`);
    if (parsed.kind === 'command') {
      if (parsed.command.type === 'stop') client.stopSent = true;
      if (parsed.command.type === 'setBreakOn') client.changedBreakOn = true;
      this.trainer.send(parsed.command);
      return;
    }
    if (parsed.command.type === 'setBreakpoints') client.changedBreakpoints = true;
    const { requestId } = parsed;
    this.trainer.request(parsed.command).then(
      (result) => this.reply(client, { type: 'reply', requestId, ok: true, result: result ?? null }),
      (e: unknown) => this.reply(client, { type: 'reply', requestId, ok: false, error: (e as Error)?.message ?? String(e) }),
    );
  }

  private reply(client: AttachedClient, reply: TrainerEvent): void {
    if (this.client === client) client.writer.write(reply);
  }

  /** Closes one client's connection with a fatal error saying why (its own problem; the run goes on). */
  private drop(client: AttachedClient, why: string): void {
    if (this.client !== client) return;
    this.options.log(`closed the connection of the debugger at ${client.address}: ${why}`);
    client.socket.pause();
    client.writer.write({ type: 'error', fatal: true, error: { message: why } } satisfies TrainerEvent);
    client.writer.end();
    closeAfterGrace(client.socket);
    this.detached(client);
  }

  /** The client is gone (closed, killed, dropped): the run continues if it was paused, and its record says so. */
  private detached(client: AttachedClient): void {
    if (this.client !== client) return;
    this.client = null;
    if (this.ended || this.trainer.hasExited) return;
    const wasPaused = this.paused && !client.stopSent;
    const message = wasPaused
      ? `the debugger at ${client.address} disconnected while training was paused; training continues`
      : `the debugger at ${client.address} detached; training continues`;
    this.trainer.send({ type: 'annotate', message });
    if (client.changedBreakpoints || client.changedBreakOn) {
      // The trainer handles commands in order: a pause it reports before the
      // reply to this setBreakpoints came from the debugger's settings.
      this.restoringOwnSettings++;
      this.trainer.send({ type: 'setBreakOn', kinds: this.options.ownBreakOn ?? [] });
      void this.trainer
        .request({ type: 'setBreakpoints', breakpoints: this.options.ownBreakpoints ?? [] })
        .catch(() => undefined)
        .finally(() => this.restoringOwnSettings--);
    }
    if (wasPaused) this.trainer.send({ type: 'continue' });
  }

  /** Runs a socket handler; whatever it throws costs that connection only. */
  private guard(socket: net.Socket, handler: () => void): void {
    try {
      handler();
    } catch (e) {
      this.options.log(`internal error in the debugger endpoint (connection closed): ${(e as Error)?.message ?? String(e)}`);
      socket.destroy();
    }
  }
}

/** Destroys a socket that is ending after REFUSAL_GRACE_MS unless it closed by then. */
function closeAfterGrace(socket: net.Socket): void {
  const timer = setTimeout(() => socket.destroy(), REFUSAL_GRACE_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

function describeAddress(socket: net.Socket): string {
  const host = socket.remoteAddress ?? 'an unknown address';
  return `${host.includes(':') ? `[${host}]` : host}:${socket.remotePort ?? '?'}`;
}
