// Entry point of the trainer child process (dist/trainer.js). It speaks the
// wire protocol (docs/protocol.md) with its parent on fd 3, a duplex pipe
// the parent opens (src/client/trainerProcess.ts): JSON lines, events out,
// commands in. Its first event is `hello`; the first command must be `start`.

import * as net from 'node:net';
import * as tf from '@tensorflow/tfjs';
import { PROTOCOL_VERSION, type TrainerCommand, type TrainerEvent } from '../shared/protocol';
import { isUserError } from '../shared/errors';
import { FrameWriter, readFrames } from '../node/wire';
import { DiagnosticsEngine } from '../runControl/diagnostics/engine';
import { TrainingController } from './run/controller';
import { prepareRun } from './run/prepare';
import { RunCheckpoints } from './run/checkpoints';
import { EventLog } from '../node/eventLog';

/** The file descriptor of the protocol pipe: the parent's stdio[3]. */
const WIRE_FD = 3;

let writer: FrameWriter | null = null;
/** Set once the child has decided to exit: the pipe closing then must not change the code. */
let exitCode: number | null = null;
/** Sees every event the trainer sends (the soak's memory probe, bench/trainerProbe.ts). */
const observers: ((event: TrainerEvent) => void)[] = [];

export function observeEvents(observer: (event: TrainerEvent) => void): void {
  observers.push(observer);
}

/** Puts one event on the pipe. Each event goes out on its own: the one batching step is the debug adapter's. */
export function transmit(event: TrainerEvent): void {
  writer?.write(event);
  for (const observer of observers) observer(event);
  if (event.type === 'step' && fault && event.stats.step === fault.step) {
    writer?.flush();
    injectFault(fault.kind);
  }
}

/** Every event goes through here: the trace (once it is open), then the parent. */
const eventLog = new EventLog(transmit);
const send = eventLog.emit;

/**
 * Fault injection for the reliability tests (docs/reliability.md):
 * NEURAL_DEBUGGER_FAULT=oom@30 exhausts the JavaScript heap after step 30,
 * abort@30 aborts the process, exit@30 exits with code 70.
 */
const fault = parseFault(process.env.NEURAL_DEBUGGER_FAULT);

function parseFault(spec: string | undefined): { kind: 'oom' | 'abort' | 'exit'; step: number } | null {
  const m = /^(oom|abort|exit)@(\d+)$/.exec(spec ?? '');
  return m ? { kind: m[1] as 'oom' | 'abort' | 'exit', step: Number(m[2]) } : null;
}

function injectFault(kind: 'oom' | 'abort' | 'exit'): void {
  if (kind === 'abort') process.abort();
  if (kind === 'exit') process.exit(70);
  const hog: number[][] = [];
  for (;;) hog.push(new Array(1 << 20).fill(hog.length));
}

/**
 * Reports a fatal error and exits with 2 (user error) or 1 (bug) once the
 * message is out. It does not rethrow: an unhandled rejection would reach the
 * wasm backend's uncaughtException handler, which rethrows, and Node then
 * exits with 7 instead.
 */
function fail(error: unknown): void {
  if (isUserError(error)) {
    send({ type: 'error', error: error.info, fatal: true });
  } else {
    const e = error as Error;
    send({ type: 'error', error: { message: `internal error: ${e?.stack ?? String(error)}` }, fatal: true });
  }
  exitAfterFlush(isUserError(error) ? 2 : 1);
}

/** Exits once the events written so far are handed to the pipe. */
function exitAfterFlush(code: number): void {
  exitCode ??= code;
  code = exitCode;
  if (!writer) process.exit(code);
  writer.end(() => process.exit(code));
  // A parent that stopped reading must not keep the child alive.
  setTimeout(() => process.exit(code), 2000).unref();
}

function fatal(message: string): void {
  send({ type: 'error', error: { message }, fatal: true });
  exitAfterFlush(2);
}

/** Opens fd 3 as the protocol pipe; null when this process was not started with one. */
function openWire(): net.Socket | null {
  try {
    return new net.Socket({ fd: WIRE_FD, readable: true, writable: true });
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const socket = openWire();
  if (!socket) {
    process.stderr.write('dist/trainer.js is the trainer child process; run it through `neural-debugger train` or VS Code.\n');
    process.exit(2);
  }
  writer = new FrameWriter(socket);
  let controller: TrainingController | null = null;
  const early: TrainerCommand[] = [];
  let started = false;

  // Parent gone (its end of the pipe closed): never linger as an orphan.
  const parentGone = () => process.exit(exitCode ?? 0);
  socket.on('end', parentGone);
  socket.on('close', parentGone);
  socket.on('error', parentGone);
  send({ type: 'hello', protocol: PROTOCOL_VERSION, trainer: `tfjs ${tf.version['tfjs-core']}` });
  readFrames(socket, {
    onFrame: (value) => {
      const command = value as TrainerCommand;
      if (!started) {
        if (command?.type !== 'start') return fatal(`the first command must be 'start', got '${String(command?.type)}'`);
        if (command.protocol !== PROTOCOL_VERSION) {
          return fatal(
            `the client speaks protocol ${String(command.protocol)}, this trainer (tfjs) speaks protocol ${PROTOCOL_VERSION}; ` +
              'use a Neural Debugger and trainer of the same release',
          );
        }
        started = true;
        void start(command.options);
      } else if (controller) {
        controller.handle(command);
      } else {
        early.push(command);
      }
    },
    onError: (error) => (error.handlerError ? fail(error.handlerError) : fatal(`the client sent a bad command: ${error.message}`)),
  });

  async function start(options: Extract<TrainerCommand, { type: 'start' }>['options']): Promise<void> {
    try {
      const ctx = await prepareRun(
        options,
        (message) => send({ type: 'progress', message }),
        (level, message) => send({ type: 'log', level, message }),
      );
      send({ type: 'backend', report: ctx.backend });
      if (options.traceFile) eventLog.openTrace(options.traceFile);
      send({ type: 'header', topology: ctx.topology, settings: ctx.settings, backend: ctx.backend });
      controller = new TrainingController(ctx, {
        emit: send,
        checkpoints: new RunCheckpoints(options.checkpointDir),
        stopOnEntry: options.stopOnEntry,
        breakOn: options.breakOn,
        breakpoints: options.breakpoints,
        strictBreakpoints: options.strictBreakpoints,
        diagnostics: new DiagnosticsEngine(ctx.diagnosticsConfig, ctx.settings.modelFile),
      });
      for (const command of early.splice(0)) controller.handle(command);
      await controller.run();
      exitAfterFlush(0);
    } catch (e) {
      fail(e); // its error event is the trace's last record
    }
  }
}

void main();
