// The client side of the trainer wire protocol (docs/protocol.md) over any
// byte stream: the trainer child's fd 3 (TrainerProcess) or a TCP connection
// to a run's debugger endpoint (RemoteTrainer). It checks the peer's hello,
// pairs requests with replies by requestId, and turns a peer that breaks the
// protocol (a bad frame, no hello, another version) into one fatal error event.

import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { PROTOCOL_VERSION, type TrainerCommand, type TrainerEvent } from '../shared/protocol';
import { FrameWriter, readFrames } from '../node/wire';

type RequestCommand = Extract<TrainerCommand, { requestId: number }>;
type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
/** A request command as its sender writes it: the channel adds the requestId. */
export type TrainerRequest = DistributiveOmit<RequestCommand, 'requestId'>;
export type TrainerHello = Extract<TrainerEvent, { type: 'hello' }>;

export interface ProtocolChannelOptions {
  /** Who is on the other end, for messages: 'the trainer', 'the debugger endpoint at 127.0.0.1:4711'. */
  peer: string;
  /** Called once when the peer broke the protocol (after the fatal error event): end the stream or the process. */
  onBroken(): void;
  /** An event the peer may send before its hello without breaking the protocol (a refusal); it is emitted as is. */
  acceptBeforeHello?(event: TrainerEvent): boolean;
}

interface ChannelEvents {
  /** Every event of the peer but replies, in order, from its hello on (and the ones `acceptBeforeHello` let through). */
  event: [event: TrainerEvent];
}

export class ProtocolChannel extends EventEmitter<ChannelEvents> {
  private nextRequestId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly writer: FrameWriter;
  /** The peer's hello: what it is and the protocol it speaks; null until it arrives. */
  hello: TrainerHello | null = null;
  /** Set once the peer broke the protocol: nothing it sends after that is believed. */
  private broken = false;
  /** Set by close(): nothing more is sent, requests are refused with this reason. */
  private closedBecause: string | null = null;

  constructor(
    stream: Duplex,
    private readonly options: ProtocolChannelOptions,
    maxFrameBytes?: number,
  ) {
    super();
    this.writer = new FrameWriter(stream);
    readFrames(
      stream,
      {
        onFrame: (value) => this.receive(value as TrainerEvent),
        onError: (error) =>
          this.breakProtocol(
            error.handlerError
              ? `internal error: handling the ${options.peer.replace(/^the /, '')}'s ${error.message}` // a listener's bug, not the peer's
              : `${options.peer} sent a bad frame: ${error.message}`,
          ),
      },
      maxFrameBytes,
    );
  }

  private receive(event: TrainerEvent): void {
    if (this.broken) return;
    if (!this.hello) {
      if (event?.type !== 'hello') {
        if (this.options.acceptBeforeHello?.(event)) return void this.emit('event', event);
        return this.breakProtocol(
          `${this.options.peer}'s first message must be 'hello' (with its protocol version), got '${String(event?.type)}'; this Neural Debugger speaks protocol ${PROTOCOL_VERSION}`,
        );
      }
      if (event.protocol !== PROTOCOL_VERSION) {
        return this.breakProtocol(
          `${this.options.peer} (${event.trainer}) speaks protocol ${String(event.protocol)}, this Neural Debugger speaks protocol ${PROTOCOL_VERSION}; ` +
            'use a trainer and a Neural Debugger of the same protocol version',
        );
      }
      this.hello = event;
    }
    if (event.type === 'reply') {
      const waiter = this.pending.get(event.requestId);
      if (waiter) {
        this.pending.delete(event.requestId);
        if (event.ok) waiter.resolve(event.result);
        else waiter.reject(new Error(event.error));
      }
      return;
    }
    this.emit('event', event);
  }

  /** A peer that does not speak our protocol: a fatal error naming why, then `onBroken`. */
  private breakProtocol(message: string): void {
    if (this.broken) return;
    this.broken = true;
    this.emit('event', { type: 'error', fatal: true, error: { message } } satisfies TrainerEvent);
    this.options.onBroken();
  }

  get isBroken(): boolean {
    return this.broken;
  }

  send(command: TrainerCommand): void {
    if (this.closedBecause === null) this.writer.write(command);
  }

  /** Sends a request and resolves with the peer's reply (rejects when the channel closes first). */
  request<T = unknown>(command: TrainerRequest): Promise<T> {
    if (this.closedBecause !== null) return Promise.reject(new Error(this.closedBecause));
    const requestId = this.nextRequestId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(requestId, { resolve: resolve as (v: unknown) => void, reject });
      this.send({ ...command, requestId } as RequestCommand);
    });
  }

  /** Hands the frames written so far to the stream, then ends it (the peer sees end of stream). */
  end(done?: () => void): void {
    this.writer.end(done);
  }

  /** The stream is gone: pending requests fail with `reason`, later ones at once. */
  close(reason: string): void {
    if (this.closedBecause !== null) return;
    this.closedBecause = reason;
    for (const waiter of this.pending.values()) waiter.reject(new Error(reason));
    this.pending.clear();
  }
}
