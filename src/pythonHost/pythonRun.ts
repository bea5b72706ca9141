// One PyTorch run: starts the probe with the user's script, passes its
// measurements on (to the trace and the client), and decides at every step
// boundary with the shared run-control rules (src/runControl/) whether the
// script runs on, pauses, or stops. The script waits in the probe meanwhile.

import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import * as path from 'node:path';
import { FrameWriter, readFrames } from '../node/wire';
import { UserError, isUserError } from '../shared/errors';
import { PROTOCOL_VERSION, type TrainerCommand, type TrainerEvent, type TrainOptions, type UserErrorInfo } from '../shared/protocol';
import type { EpochStats, RunSettings, StepStats, TrainingDiagnostic } from '../shared/stats';
import { skeletonScope } from '../shared/expression/runScope';
import { DiagnosticsEngine } from '../runControl/diagnostics/engine';
import { StepControl, evaluateOnRun } from '../runControl/stepControl';
import { interpreterMissing, probeEnvironment, probePythonPath } from './interpreter';
import type { ProbeCommand, ProbeMessage } from './probeMessages';
import { OutputLines } from './outputLines';

export interface PythonRunHooks {
  /** Every event of the run (the EventLog: trace and transport). */
  emit: (event: TrainerEvent) => void;
  /** The header arrived: open the trace before it is emitted. */
  openTrace: () => void;
  /** The probe has exited; `code` is what the host exits with. */
  ended: (code: number) => void;
}

/** The step just reported, waiting for its decision at the boundary. */
interface Boundary {
  stats: StepStats;
  diagnostics: TrainingDiagnostic[];
  epochEnded: boolean;
}

export class PythonRun {
  private readonly control: StepControl;
  private readonly probe: ChildProcess;
  private readonly writer: FrameWriter;
  private diagnostics: DiagnosticsEngine | null = null;
  private settings: RunSettings | null = null;
  private layerNames: string[] = [];
  private lastStep: StepStats | null = null;
  private lastEpoch: EpochStats | null = null;
  private learningRate = NaN;
  private boundary: Boundary | null = null;
  /**
   * An epoch ended after its last step was decided (a loader without `len`,
   * the script's `epoch()`): the next boundary counts as its end, so Step Over
   * pauses one step into the next epoch instead of running on.
   */
  private epochEndedLate = false;
  /** The probe waits for `proceed` now; commands for it go out at once, else at its next boundary. */
  private atBoundary = false;
  private readonly forProbe: ProbeCommand[] = [];
  /** How the run ended, as the probe or the host said; null while it runs. */
  private outcome: 'finished' | 'error' | null = null;
  /** The --steps cap stopped the script: its end counts as completed. */
  private capped = false;

  constructor(
    private readonly options: TrainOptions,
    private readonly hooks: PythonRunHooks,
  ) {
    this.control = new StepControl(options.breakOn ?? []);
    const python = options.python ?? 'python3';
    const script = path.resolve(options.modelFile);
    this.probe = spawn(python, ['-m', 'neural_debugger_probe', script, ...(options.scriptArgs ?? [])], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      env: probeEnvironment(process.env, probePythonPath()),
      windowsHide: true,
    });
    // The script's own output: to the Debug Console and the terminal, as log lines.
    const stdout = new OutputLines((line) => hooks.emit({ type: 'log', level: 'info', message: line }));
    const stderr = new OutputLines((line) => hooks.emit({ type: 'log', level: 'warning', message: line }));
    this.probe.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    this.probe.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    const pipe = this.probe.stdio[3] as Socket;
    this.writer = new FrameWriter(pipe);
    pipe.on('error', () => undefined); // the probe's exit says what happened
    readFrames(pipe, {
      onFrame: (value) => this.received(value as ProbeMessage),
      onError: (error) => {
        const e = error.handlerError;
        if (isUserError(e)) this.fail(e.info, 2);
        else this.fail({ message: `internal error: ${e ? String((e as Error).stack ?? e) : `the probe sent a bad message: ${error.message}`}` }, 1);
      },
    });
    this.probe.on('error', (error) => {
      this.fail({ message: interpreterMissing(python, error) }, 2);
      this.finish();
    });
    this.probe.on('close', (code, signal) => {
      stdout.end();
      stderr.end();
      if (this.outcome === null) {
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        this.fail({ message: `internal error: the Python process ${how} before the run ended (out of memory, or killed)` }, 1);
      }
      this.finish();
    });
    this.send({ type: 'start', protocol: PROTOCOL_VERSION, options });
  }

  /** What the host exits with after an error: 2 for the user's (the script, the interpreter), 1 for ours. */
  private exitCode = 2;
  private done = false;

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.hooks.ended(this.outcome === 'error' ? this.exitCode : 0);
  }

  /** A command from the client (the CLI or the debug adapter). */
  handle(command: TrainerCommand): void {
    const wasPaused = this.control.state === 'paused';
    if (this.control.handle(command)) {
      if (command.type === 'stop' && this.atBoundary && !wasPaused) this.send({ type: 'stop' });
      return;
    }
    switch (command.type) {
      case 'setBreakpoints':
        this.setBreakpoints(command.breakpoints);
        this.hooks.emit({ type: 'reply', requestId: command.requestId, ok: true, result: null });
        return;
      case 'setLearningRate':
        return this.toProbe(command);
      case 'evaluate':
        try {
          const value = evaluateOnRun(command.expression, this.lastStep, this.lastEpoch, this.learningRate);
          this.hooks.emit({ type: 'reply', requestId: command.requestId, ok: true, result: value });
        } catch (e) {
          this.hooks.emit({ type: 'reply', requestId: command.requestId, ok: false, error: (e as Error).message });
        }
        return;
      case 'stepBack':
        this.hooks.emit({ type: 'reply', requestId: command.requestId, ok: false, error: 'step back is not available for PyTorch scripts (docs/pytorch.md)' });
        return;
      case 'annotate':
        this.hooks.emit({ type: 'log', level: 'warning', message: command.message });
        return;
      default:
        return;
    }
  }

  /** Ends the probe now (the host is going away). */
  kill(): void {
    if (this.probe.exitCode === null && this.probe.signalCode === null) this.probe.kill('SIGKILL');
  }

  private received(message: ProbeMessage): void {
    switch (message.type) {
      case 'header':
        this.settings = message.settings;
        this.learningRate = message.settings.learningRate;
        this.layerNames = message.topology.layers.filter((l) => l.className !== 'InputLayer').map((l) => l.name);
        this.diagnostics = new DiagnosticsEngine(this.options.diagnostics, this.options.modelFile);
        this.hooks.openTrace();
        this.hooks.emit(message);
        this.warnIgnoredOptions();
        if (this.options.breakpoints) this.setBreakpoints(this.options.breakpoints, this.options.strictBreakpoints?.field);
        return;
      case 'step':
        this.lastStep = message.stats;
        this.learningRate = message.stats.learningRate;
        this.hooks.emit(message);
        this.boundary = { stats: message.stats, diagnostics: this.diagnostics?.onStep(message.stats) ?? [], epochEnded: this.epochEndedLate };
        this.epochEndedLate = false;
        return;
      case 'epoch':
        this.lastEpoch = message.stats;
        this.hooks.emit(message);
        if (this.boundary) {
          this.boundary.epochEnded = true;
          this.boundary.diagnostics.push(...(this.diagnostics?.onEpoch(message.stats) ?? []));
        } else {
          this.epochEndedLate = true;
          for (const d of this.diagnostics?.onEpoch(message.stats) ?? []) this.hooks.emit({ type: 'diagnostic', diagnostic: d });
        }
        return;
      case 'waiting':
        void this.decide(message.step);
        return;
      case 'reply':
        if (message.ok) {
          const { from, to } = message.result as { from: number; to: number };
          this.learningRate = to;
          this.hooks.emit({ type: 'learningRate', step: this.lastStep?.step ?? 0, from, to });
        }
        this.hooks.emit(message);
        return;
      case 'finished':
        this.outcome = 'finished';
        this.hooks.emit(this.capped ? { ...message, reason: 'completed' } : message);
        return;
      case 'error':
        this.outcome = 'error';
        this.hooks.emit(message);
        return;
      default:
        this.hooks.emit(message);
    }
  }

  /** At a step boundary: publish the step's diagnostics, pause if the rules say so, then let the probe run on. */
  private async decide(step: number): Promise<void> {
    this.atBoundary = true;
    for (const command of this.forProbe.splice(0)) this.send(command);
    const boundary = this.boundary;
    this.boundary = null;
    if (boundary) for (const d of boundary.diagnostics) this.hooks.emit({ type: 'diagnostic', diagnostic: d });
    const cap = this.options.steps;
    const finished = cap !== undefined && step >= cap;
    if (!this.control.stopRequested) {
      if (step === 0 && this.options.stopOnEntry) {
        this.control.beginPause();
        await this.control.waitForResume({ reason: 'entry', step: 0, epoch: 1, batch: 0 }, this.hooks.emit);
      } else if (boundary) {
        const reason = this.control.pauseReason(boundary.stats, this.lastEpoch, boundary.diagnostics, boundary.epochEnded);
        // Stepping past the last step just finishes; a breakpoint or a diagnostic there still stops.
        if (reason && (!finished || reason.reason === 'breakpoint' || reason.reason === 'diagnostic')) {
          this.control.beginPause();
          const { stats } = boundary;
          await this.control.waitForResume({ ...reason, step: stats.step, epoch: stats.epoch, batch: stats.batch, stats }, this.hooks.emit);
        }
      }
    }
    this.atBoundary = false;
    if (this.control.stopRequested || finished) {
      this.capped = !this.control.stopRequested;
      return this.send({ type: 'stop' });
    }
    const last = boundary?.stats;
    const nextBatch = !last || boundary.epochEnded ? 0 : last.batch + 1;
    const pausing = this.control.willPauseAfter(nextBatch, last?.batchesPerEpoch ?? 0);
    const settings = this.settings;
    const schedule = this.control.schedule(step + 1, settings?.statsEvery ?? 10, settings?.histogramsEvery ?? 100, pausing);
    this.send({ type: 'proceed', ...schedule });
  }

  private setBreakpoints(specs: TrainOptions['breakpoints'] & object, strictField?: string): void {
    const weights = this.lastStep?.weights.map((w) => w.name) ?? [];
    const statuses = this.control.setBreakpoints(specs, skeletonScope(this.layerNames, weights, [], this.learningRate));
    this.hooks.emit({ type: 'breakpoints', statuses });
    const invalid = statuses.find((st) => !st.verified);
    if (invalid && strictField) throw new UserError({ field: strictField, message: invalid.message ?? 'invalid condition' });
  }

  /** Options of a tfjs run that a script decides for itself: said, not silently dropped. */
  private warnIgnoredOptions(): void {
    const o = this.options;
    const ignored = [
      o.epochs !== undefined && 'epochs',
      o.batchSize !== undefined && 'batchSize',
      o.seed !== undefined && 'seed',
      o.shuffle !== undefined && 'shuffle',
      o.checkpointDir !== undefined && 'checkpointDir',
      o.backend !== undefined && o.backend !== 'auto' && 'backend',
    ].filter((name): name is string => typeof name === 'string');
    if (ignored.length === 0) return;
    this.hooks.emit({
      type: 'log',
      level: 'warning',
      message: `${ignored.join(', ')}: not applied to a PyTorch script, which decides these itself (pass its own arguments after -- or in "args"; docs/pytorch.md)`,
    });
  }

  /** setLearningRate goes to the probe at a boundary (where it waits and can answer). */
  private toProbe(command: ProbeCommand): void {
    if (this.atBoundary) this.send(command);
    else this.forProbe.push(command);
  }

  private send(command: ProbeCommand): void {
    this.writer.write(command);
  }

  private fail(error: UserErrorInfo, code: number): void {
    if (this.outcome !== null) return;
    this.outcome = 'error';
    this.exitCode = code;
    this.hooks.emit({ type: 'error', error, fatal: true });
    this.kill();
  }
}
