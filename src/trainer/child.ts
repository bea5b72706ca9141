// Entry point of the trainer child process (`child_process.fork` of
// dist/trainer.js). It talks to its parent only through the typed messages of
// src/shared/protocol.ts: the first command must be `start`.

import type { TrainerCommand, TrainerEvent } from '../shared/protocol';
import { isUserError } from '../shared/errors';
import { DiagnosticsEngine } from './diagnostics/engine';
import { EventBatcher } from './eventBatcher';
import { TrainingController } from './run/controller';
import { prepareRun } from './run/prepare';
import { RunCheckpoints } from './run/checkpoints';
import { EventLog } from './run/eventLog';

const batcher = new EventBatcher((message) => {
  if (process.send && process.connected) process.send(message);
});

function transmit(event: TrainerEvent): void {
  batcher.send(event);
  if (event.type === 'step' && fault && event.stats.step === fault.step) {
    batcher.flush();
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
  // Let the IPC channel flush the error before exiting.
  setTimeout(() => process.exit(isUserError(error) ? 2 : 1), 50);
}

async function main(): Promise<void> {
  if (!process.send) {
    process.stderr.write('dist/trainer.js is the trainer child process; run it through `neural-debugger train` or VS Code.\n');
    process.exit(2);
  }
  let controller: TrainingController | null = null;
  const early: TrainerCommand[] = [];
  let started = false;

  process.on('disconnect', () => process.exit(0)); // parent gone: never linger as an orphan
  process.on('message', (message: TrainerCommand) => {
    if (!started && message.type === 'start') {
      started = true;
      void start(message.options);
    } else if (controller) {
      controller.handle(message);
    } else {
      early.push(message);
    }
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
      setTimeout(() => process.exit(0), 20);
    } catch (e) {
      fail(e); // its error event is the trace's last record
    }
  }
}

void main();
