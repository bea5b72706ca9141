// The training "runtime" behind the debug session (the mock-debug shape): it
// owns the trainer child process (launch) or the connection to a run started
// elsewhere (attach: RemoteTrainer), keeps the run's state and event history,
// and turns trainer events into the typed events below (RuntimeEvents), which
// the session maps to DAP. It knows nothing about DAP.

import { EventEmitter } from 'node:events';
import { UserError } from '../shared/errors';
import { formatUserError, type BreakpointSpec, type StopInfo, type TrainerEvent, type TrainOptions } from '../shared/protocol';
import type { DiagnosticKind } from '../shared/stats';
import { defaultTrainerScript, describeTrainerExit, recordKilledInTrace, TrainerProcess, trainerStderrTail } from '../client/trainerProcess';
import { RemoteTrainer, type AttachTarget } from '../client/remoteTrainer';
import type { TrainerConnection, TrainerExit } from '../client/trainerConnection';

import { consoleLine } from './format';
import { EventHistory } from './history';
import { RunState } from './runState';

/** How long a stopped trainer may take to exit before it is killed. */
const STOP_GRACE_MS = 2000;
/** How long a detaching debugger waits for the run to confirm it withdrew the debugger's breakpoints. */
const DETACH_GRACE_MS = 1000;

// Every live trainer of this process, so that the standalone adapter can kill
// them when it exits however it exits.
const liveTrainers = new Set<TrainerProcess>();

export function killAllTrainers(): void {
  for (const trainer of liveTrainers) trainer.kill();
}

/** The runtime's events and their listeners' arguments (checked by the compiler on `on` and `emit`). */
interface RuntimeEvents {
  /** Training paused: why, and where (one event for every reason). */
  stopped: [info: StopInfo];
  output: [text: string, category: 'console' | 'stderr'];
  /** The trainer process started. */
  process: [pid: number, modelFile: string];
  /** Preparation (and test-set) progress. */
  progress: [message: string];
  /** Every trainer event, as received. */
  trainerEvent: [event: TrainerEvent];
  /** Training is over (finished, failed or killed). */
  end: [];
}

export class TrainingRuntime extends EventEmitter<RuntimeEvents> {
  readonly state = new RunState();
  readonly history = new EventHistory();
  private trainer: TrainerConnection | null = null;
  private options: TrainOptions | null = null;
  private ended = false;
  private stopping = false;
  /** Set on attach: the run is another process's; this runtime only follows it. */
  private remote: RemoteTrainer | null = null;
  /**
   * While attaching, the run's events so far are replayed: its old pauses are
   * history, not stops to show. catchUp() ends it and shows the current pause.
   */
  private catchingUp = false;
  /** Set when catchUp sends the debugger's configuration: later changes go to the run at once. */
  private configuring = false;
  private detaching = false;

  /** Whether commands go to the trainer now (for an attached run: once catchUp sends the debugger's configuration). */
  get started(): boolean {
    return this.trainer !== null && !(this.remote && this.catchingUp && !this.configuring);
  }

  /**
   * Starts the trainer; resolves once the model is built and the run's header
   * is known, rejects with a UserError when preparation fails (bad spec or
   * data) or the trainer dies first.
   */
  start(options: TrainOptions): Promise<void> {
    if (this.trainer) throw new Error('TrainingRuntime.start called twice');
    this.options = options;
    // Below normal priority: a debugger's trainer shares the machine with the editor (TrainerSpawnOptions).
    const trainer = new TrainerProcess(options, defaultTrainerScript(options.modelFile), { belowNormalPriority: true });
    this.trainer = trainer;
    liveTrainers.add(trainer);
    if (trainer.pid !== undefined) this.emit('process', trainer.pid, options.modelFile);
    return new Promise<void>((resolve, reject) => {
      let prepared = false;
      trainer.on('event', (event: TrainerEvent) => {
        this.onEvent(event);
        if (prepared) return;
        if (event.type === 'header') {
          prepared = true;
          resolve();
        } else if (event.type === 'error' && event.fatal) {
          prepared = true;
          reject(new UserError(event.error));
        }
      });
      trainer.on('exit', (exit: TrainerExit) => {
        liveTrainers.delete(trainer);
        const message = this.onExit(exit);
        if (!prepared) {
          prepared = true;
          reject(new UserError({ message: message ?? 'the trainer process ended before training started' }));
        }
      });
    });
  }

  /**
   * Attaches to a run started elsewhere (`neural-debugger train … --listen`);
   * resolves once its endpoint said hello (its history follows as events),
   * rejects with a UserError when it cannot be reached or refuses.
   */
  async attach(target: AttachTarget): Promise<void> {
    if (this.trainer) throw new Error('TrainingRuntime.attach called after start or attach');
    const remote = new RemoteTrainer(target);
    this.trainer = remote;
    this.remote = remote;
    this.catchingUp = true;
    remote.on('event', (event: TrainerEvent) => {
      if (event.type === 'hello') this.emit('output', `attached to ${remote.description} (${event.trainer}); its history follows\n`, 'console');
      this.onEvent(event);
    });
    remote.on('exit', (exit: TrainerExit) => this.onExit(exit));
    await remote.ready;
  }

  /**
   * Sends the debugger's breakpoints and diagnostic kinds to the attached run.
   * Its reply comes after the run's history (the endpoint sends that first),
   * so once it is here the history is replayed: a run paused now (`--wait`,
   * a breakpoint) is reported as stopped.
   */
  async catchUp(breakpoints: BreakpointSpec[], breakOn: DiagnosticKind[]): Promise<void> {
    if (!this.trainer) throw new Error('training has not started');
    this.configuring = true;
    this.trainer.send({ type: 'setBreakOn', kinds: breakOn });
    try {
      await this.trainer.request({ type: 'setBreakpoints', breakpoints });
    } catch (e) {
      // The connection closed, or the run refused them: a message, not a stack trace.
      throw new UserError({ message: `attaching to ${this.trainer.description}: ${(e as Error).message}` });
    }
    this.catchingUp = false;
    if (this.state.status === 'paused' && this.state.stop) this.emit('stopped', this.state.stop);
  }

  /** Whether this runtime follows a run of another process (attach) rather than its own trainer. */
  get attached(): boolean {
    return this.remote !== null;
  }

  /**
   * Leaves an attached run (DAP disconnect without terminateDebuggee): withdraws
   * the debugger's breakpoints and diagnostic stops, then closes the
   * connection; the run goes on (its endpoint resumes it if it is paused).
   */
  async detach(): Promise<void> {
    const remote = this.remote;
    if (!remote || remote.hasExited) return;
    this.detaching = true;
    remote.send({ type: 'setBreakOn', kinds: [] });
    const withdrawn = remote.request({ type: 'setBreakpoints', breakpoints: [] }).catch(() => undefined);
    await Promise.race([withdrawn, new Promise((resolve) => setTimeout(resolve, DETACH_GRACE_MS).unref())]);
    await remote.detach();
  }

  continue(): void {
    this.trainer?.send({ type: 'continue' });
  }

  pause(): void {
    this.trainer?.send({ type: 'pause' });
  }

  stepBatch(): void {
    this.trainer?.send({ type: 'stepBatch' });
  }

  stepEpoch(): void {
    this.trainer?.send({ type: 'stepEpoch' });
  }

  /** Restores the start of the current epoch (or the previous one at a boundary); the trainer then stops with reason 'step'. */
  async stepBack(): Promise<void> {
    if (!this.trainer) throw new Error('training has not started');
    await this.trainer.request({ type: 'stepBack' });
  }

  async setBreakpoints(breakpoints: BreakpointSpec[]): Promise<void> {
    if (!this.trainer || this.trainer.hasExited) return;
    await this.trainer.request({ type: 'setBreakpoints', breakpoints });
  }

  setBreakOn(kinds: DiagnosticKind[]): void {
    this.trainer?.send({ type: 'setBreakOn', kinds });
  }

  async setLearningRate(value: number): Promise<void> {
    if (!this.trainer) throw new Error('training has not started');
    // The trainer's learningRate event, which precedes its reply, has updated the run state.
    await this.trainer.request({ type: 'setLearningRate', value });
  }

  /** Asks the trainer to stop and waits for it to exit (killing it after a grace period). */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    if (!this.trainer) return;
    this.stopping = true;
    await this.trainer.stop(graceMs);
  }

  /** Ends the trainer now (the session is being disposed). */
  kill(): void {
    this.stopping = true;
    this.trainer?.kill();
  }

  private onEvent(event: TrainerEvent): void {
    this.state.apply(event);
    this.history.add(event);
    this.emit('trainerEvent', event);
    const line = consoleLine(event, this.state.settings);
    if (line !== null) this.emit('output', `${line}\n`, 'console');
    switch (event.type) {
      case 'progress':
        // A replayed run's preparation is over (or goes on live after the catch-up): no progress notification for the past.
        if (!this.catchingUp) this.emit('progress', event.message);
        return;
      case 'stopped':
        if (!this.catchingUp) this.emit('stopped', event);
        return;
      case 'error':
        this.emit('output', `${formatUserError(event.error)}\n`, 'stderr');
        if (event.fatal) this.finish();
        return;
      case 'finished':
        return this.finish();
      default:
        return;
    }
  }

  /** The trainer exited. Returns the message when it died without saying why. */
  private onExit(exit: TrainerExit): string | null {
    if (this.remote) return this.onConnectionClosed(this.remote);
    if (this.ended || this.stopping) {
      // Finished on its own, or stopped (or killed after the grace period) by us.
      this.finish();
      return null;
    }
    const why = describeTrainerExit(exit, this.trainer?.stderr ?? '');
    const trace = this.options?.traceFile;
    let message = `the trainer process ${why}`;
    if (trace && recordKilledInTrace(trace, message, this.state.lastStepSeen)) {
      message += `; the trace up to the last step is kept in ${trace}`;
    } else if (!trace) {
      message += '; no trace was written (set "trace" in the launch configuration to keep one)';
    }
    const lastLines = trainerStderrTail(this.trainer?.stderr ?? '');
    this.emit('output', `${message}\n${lastLines ? `${lastLines}\n` : ''}`, 'stderr');
    this.finish();
    return message;
  }

  /** The connection to an attached run closed: detached, the run ended, or the endpoint went away. */
  private onConnectionClosed(remote: RemoteTrainer): null {
    if (!remote.hello) {
      // Never attached (refused, unreachable): attach() has rejected with why.
    } else if (this.ended) {
      // The run ended (finished, stopped by us, failed) and said so.
    } else if (this.detaching) {
      this.emit('output', `detached from ${remote.description}; training continues there\n`, 'console');
    } else if (this.stopping) {
      this.emit('output', `asked ${remote.description} to stop; it did not confirm within the grace period, so the connection was closed\n`, 'stderr');
    } else {
      this.emit(
        'output',
        `the connection to ${remote.description} closed before the run ended (its process stopped, or the network went away); ` +
          'if the run goes on, attach again to follow it\n',
        'stderr',
      );
    }
    this.finish();
    return null;
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.state.status = 'ended';
    this.emit('end');
  }
}
