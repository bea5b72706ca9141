// What the debug adapter's runtime and the CLI use of a trainer, whichever way
// it is reached: a child process they started (TrainerProcess) or a run that
// another process started, reached over TCP through its debugger endpoint
// (RemoteTrainer, `neural-debugger train … --listen`).

import type { TrainerCommand, TrainerEvent } from '../shared/protocol';
import type { TrainerHello, TrainerRequest } from './protocolChannel';

/** How a trainer connection ended: the child's exit code or signal; both null for a closed TCP connection. */
export interface TrainerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface TrainerConnection {
  /** Every trainer event but replies, in order, after the hello handshake. */
  on(name: 'event', listener: (event: TrainerEvent) => void): this;
  /** The connection ended (the child exited, the TCP connection closed); after the last event. */
  on(name: 'exit', listener: (exit: TrainerExit) => void): this;
  /** The trainer's hello; null until it arrived. */
  readonly hello: TrainerHello | null;
  readonly hasExited: boolean;
  readonly exitPromise: Promise<TrainerExit>;
  /** What this is, for messages: 'the trainer process', 'the run at 127.0.0.1:4711'. */
  readonly description: string;
  /** What the trainer wrote to stderr, for a crash message ('' when it is not ours to read). */
  readonly stderr: string;
  send(command: TrainerCommand): void;
  request<T = unknown>(command: TrainerRequest): Promise<T>;
  /** Asks the run to stop and waits until the connection ends (forcing it after `graceMs`). */
  stop(graceMs?: number): Promise<TrainerExit>;
  /** Ends the connection now: kills a child, drops a TCP connection (the run there goes on). */
  kill(): void;
}
