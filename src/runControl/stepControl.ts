// The run-control rules every trainer obeys, without TensorFlow.js: when a
// run pauses (a pause command, Step Into, Step Over to the epoch's end, a
// breakpoint, a diagnostic the user breaks on), which steps need full
// statistics, and what an expression evaluates to. The tfjs trainer
// (src/trainer/run/controller.ts) and the Python host (src/pythonHost/) both
// decide with this one implementation.

import type { BreakpointSpec, BreakpointStatus, StopInfo, TrainerCommand, TrainerEvent } from '../shared/protocol';
import type { DiagnosticKind, EpochStats, StepStats, StopReason, TrainingDiagnostic } from '../shared/stats';
import { evaluate, parseExpression, scopeFromObject } from '../shared/expression';
import { buildScope, type ScopeObject } from '../shared/expression/runScope';
import { BreakpointSet } from './breakpoints';

export type RunState = 'running' | 'paused' | 'finished';
/** What the run does after a resume: run on, pause after one step, or pause at the end of the epoch. */
type StepMode = 'run' | 'batch' | 'epoch';

/**
 * Detects training pathologies from the statistics (DiagnosticsEngine
 * implements it). Returns the diagnostics that opened, changed or closed.
 */
export interface DiagnosticsHook {
  onStep(stats: StepStats): TrainingDiagnostic[];
  onEpoch(stats: EpochStats): TrainingDiagnostic[];
  /** Summary of everything that fired during the run. */
  active(): TrainingDiagnostic[];
}

export interface PauseDecision {
  reason: StopReason;
  breakpointId?: number;
  diagnostic?: TrainingDiagnostic;
}

export class StepControl {
  state: RunState = 'running';
  private mode: StepMode = 'run';
  private pauseRequested = false;
  private stopped = false;
  private wake: (() => void) | null = null;
  private readonly breakpoints = new BreakpointSet();
  private breakOn: Set<DiagnosticKind>;

  constructor(breakOn: readonly DiagnosticKind[] = []) {
    this.breakOn = new Set(breakOn);
  }

  /** A stop was asked for: the run ends at the next step boundary (or now, when paused). */
  get stopRequested(): boolean {
    return this.stopped;
  }

  /** Handles the run-control commands (continue, steps, pause, stop, break-on); false for any other command. */
  handle(command: TrainerCommand): boolean {
    switch (command.type) {
      case 'continue':
        this.resume('run');
        return true;
      case 'stepBatch':
        this.resume('batch');
        return true;
      case 'stepEpoch':
        this.resume('epoch');
        return true;
      case 'pause':
        if (this.state === 'running') this.pauseRequested = true;
        return true;
      case 'stop':
        this.stopped = true;
        this.wakeUp();
        return true;
      case 'setBreakOn':
        this.breakOn = new Set(command.kinds);
        return true;
      default:
        return false;
    }
  }

  /**
   * Whether the step about to run, the `batch`-th (0-based) of an epoch of
   * `batchesPerEpoch`, is known now to end in a pause (so it gets full
   * statistics). `batchesPerEpoch` 0: the epoch's length is not known.
   */
  willPauseAfter(batch: number, batchesPerEpoch: number): boolean {
    return this.pauseRequested || this.mode === 'batch' || (this.mode === 'epoch' && batchesPerEpoch > 0 && batch === batchesPerEpoch - 1);
  }

  /** Which statistics step `nextStep` measures: per-layer detail, and histograms. */
  schedule(nextStep: number, statsEvery: number, histogramsEvery: number, pausing: boolean): { detail: boolean; histograms: boolean } {
    const detail = nextStep === 1 || nextStep % statsEvery === 0 || pausing || this.breakpoints.needsDetail();
    const histograms = detail && (nextStep === 1 || nextStep % histogramsEvery === 0 || pausing);
    return { detail, histograms };
  }

  /** Why the run pauses after this step, or null to run on. */
  pauseReason(stats: StepStats, lastEpoch: EpochStats | null, diagnostics: TrainingDiagnostic[], epochEnded: boolean): PauseDecision | null {
    const firing = diagnostics.find((d) => d.state === 'open' && this.breakOn.has(d.kind));
    if (firing) return { reason: 'diagnostic', diagnostic: firing };
    if (this.breakpoints.size > 0) {
      const hit = this.breakpoints.check(buildScope(stats, lastEpoch, stats.learningRate));
      if (hit !== null) return { reason: 'breakpoint', breakpointId: hit };
    }
    if (this.pauseRequested) return { reason: 'pause' };
    if (this.mode === 'batch') return { reason: 'step' };
    if (this.mode === 'epoch' && epochEnded) return { reason: 'step' };
    return null;
  }

  /** Enters the paused state: the pending pause request and step mode are used up. */
  beginPause(): void {
    this.pauseRequested = false;
    this.mode = 'run';
    this.state = 'paused';
  }

  /**
   * Emits `stopped` and waits for continue, a step or stop; then emits
   * `resumed` (not after a stop). Call after beginPause.
   */
  async waitForResume(stopped: StopInfo, emit: (event: TrainerEvent) => void): Promise<void> {
    emit({ type: 'stopped', ...stopped });
    if (!this.stopped) await new Promise<void>((resolve) => (this.wake = resolve));
    this.state = 'running';
    if (!this.stopped) emit({ type: 'resumed' });
  }

  /**
   * Sets the breakpoints; those naming a layer, weight or metric the model
   * lacks (`skeleton`: the run's names) are unverified, so a typo is
   * reported before training starts, not silently never true.
   */
  setBreakpoints(specs: BreakpointSpec[], skeleton: ScopeObject): BreakpointStatus[] {
    const statuses = this.breakpoints.set(specs);
    for (const rejected of this.breakpoints.verifyNames(skeleton)) {
      const i = statuses.findIndex((st) => st.id === rejected.id);
      if (i >= 0) statuses[i] = rejected;
    }
    return statuses;
  }

  private resume(mode: StepMode): void {
    if (this.state !== 'paused') {
      // A step command while running behaves like pause-then-step.
      if (mode !== 'run') this.mode = mode;
      return;
    }
    this.mode = mode;
    this.wakeUp();
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}

/** The Debug Console's evaluate: an expression over the last step, the last epoch and the learning rate. */
export function evaluateOnRun(expression: string, lastStep: StepStats | null, lastEpoch: EpochStats | null, learningRate: number): unknown {
  return evaluate(parseExpression(expression), scopeFromObject(buildScope(lastStep, lastEpoch, learningRate)));
}
