// Entry point of the Python host (dist/pythonHost.js): the process a client
// starts instead of dist/trainer.js for a PyTorch script (`*.py`). Toward its
// parent it is a trainer like any other, the wire protocol on fd 3
// (docs/protocol.md); behind it the probe runs the user's script
// (src/pythonHost/pythonRun.ts, docs/pytorch.md).

import * as net from 'node:net';
import { PROTOCOL_VERSION, type TrainerCommand, type TrainerEvent } from '../shared/protocol';
import { isUserError } from '../shared/errors';
import { FrameWriter, readFrames } from '../node/wire';
import { EventLog } from '../node/eventLog';
import { PythonRun } from './pythonRun';

/** The file descriptor of the protocol pipe: the parent's stdio[3]. */
const WIRE_FD = 3;

let writer: FrameWriter | null = null;
let run: PythonRun | null = null;
let helloSent = false;
/** Events before the probe's hello (the script's interpreter warning on stderr while torch imports): sent after it. */
const beforeHello: TrainerEvent[] = [];

/**
 * Every event: the trace (once open), then the parent. The probe's hello is
 * the run's first message; the host says its own only when there is no probe
 * to say one (no interpreter) and an error must go out.
 */
const eventLog = new EventLog((event: TrainerEvent) => {
  if (!helloSent) {
    if (event.type !== 'hello' && event.type !== 'error') {
      beforeHello.push(event);
      return;
    }
    helloSent = true;
    const hello: TrainerEvent = event.type === 'hello' ? event : { type: 'hello', protocol: PROTOCOL_VERSION, trainer: 'pytorch (no interpreter)' };
    writer?.write(hello);
    for (const early of beforeHello.splice(0)) writer?.write(early);
    if (event.type === 'hello') return;
  } else if (event.type === 'hello') {
    return;
  }
  writer?.write(event);
});

function exitAfterFlush(code: number): void {
  run?.kill();
  if (!writer) process.exit(code);
  writer.end(() => process.exit(code));
  setTimeout(() => process.exit(code), 2000).unref();
}

function fatal(message: string, code = 2): void {
  eventLog.emit({ type: 'error', error: { message }, fatal: true });
  exitAfterFlush(code);
}

function main(): void {
  let socket: net.Socket;
  try {
    socket = new net.Socket({ fd: WIRE_FD, readable: true, writable: true });
  } catch {
    process.stderr.write('dist/pythonHost.js runs a PyTorch script for Neural Debugger; start it through `neural-debugger train` or VS Code.\n');
    process.exit(2);
  }
  writer = new FrameWriter(socket);
  // Parent gone: end the script too, never linger.
  const parentGone = () => {
    run?.kill();
    process.exit(0);
  };
  socket.on('end', parentGone);
  socket.on('close', parentGone);
  socket.on('error', parentGone);
  process.on('exit', () => run?.kill());
  // Ctrl-C in a terminal reaches the whole process group: the parent decides (a stop over the wire, or a kill).
  process.on('SIGINT', () => undefined);
  readFrames(socket, {
    onFrame: (value) => {
      const command = value as TrainerCommand;
      if (run) return run.handle(command);
      if (command?.type !== 'start') return fatal(`the first command must be 'start', got '${String(command?.type)}'`);
      if (command.protocol !== PROTOCOL_VERSION) {
        return fatal(
          `the client speaks protocol ${String(command.protocol)}, this host speaks protocol ${PROTOCOL_VERSION}; use a Neural Debugger of one release`,
        );
      }
      const options = command.options;
      run = new PythonRun(options, {
        emit: eventLog.emit,
        openTrace: () => {
          if (options.traceFile) eventLog.openTrace(options.traceFile);
        },
        ended: (code) => exitAfterFlush(code),
      });
    },
    onError: (error) => {
      const e = error.handlerError;
      if (isUserError(e)) {
        eventLog.emit({ type: 'error', error: e.info, fatal: true });
        return exitAfterFlush(2);
      }
      fatal(e ? `internal error: ${String((e as Error)?.stack ?? e)}` : `the client sent a bad command: ${error.message}`, e ? 1 : 2);
    },
  });
}

main();
