// The stop/step control loop: runs training batch by batch, and between any
// two batches can pause (on a command, a step, a breakpoint or a diagnostic),
// answer questions, change the learning rate, or go back an epoch.

import * as tf from '@tensorflow/tfjs';
import type { BreakpointSpec, BreakpointStatus, TrainerCommand, TrainerEvent } from '../../shared/protocol';
import { UserError } from '../../shared/errors';
import type { DiagnosticKind, EpochStats, StepStats, StopReason, TrainingDiagnostic } from '../../shared/stats';
import { BatchSource } from '../data';
import type { Split } from '../data/types';
import { InstrumentedModel } from '../training/instrumentedModel';
import { getLearningRate, setLearningRate, targetTensor } from '../training/objectives';
import { StepControl, evaluateOnRun, type DiagnosticsHook, type RunState } from '../../runControl/stepControl';
import type { RunContext } from './context';
import { skeletonScope } from '../../shared/expression/runScope';
import { EpochTotals } from './epochTotals';
import { EpochSnapshots } from './snapshots';
import type { RunCheckpoints } from './checkpoints';

export type { RunState };

export interface ControllerOptions {
  /** Where every event goes (the EventLog: trace and transport). */
  emit: (event: TrainerEvent) => void;
  checkpoints?: RunCheckpoints;
  stopOnEntry?: boolean;
  breakOn?: DiagnosticKind[];
  breakpoints?: BreakpointSpec[];
  strictBreakpoints?: { field: string };
  diagnostics?: DiagnosticsHook;
}

export class TrainingController {
  /** The decisions: pause, step, breakpoints, break-on (shared with the Python host). */
  private readonly control: StepControl;
  /** The model module's onEpochEnd hook returned 'stop'. */
  private stoppedByHook = false;
  private readonly instrumented: InstrumentedModel;
  private readonly trainBatches: BatchSource;
  private readonly snapshots: EpochSnapshots;
  /** Position: the next step to run is `step + 1`, at (epoch, batch). */
  private epoch = 1;
  private batch = 0;
  private step = 0;
  private samplesSeen = 0;
  private lastStep: StepStats | null = null;
  private lastEpoch: EpochStats | null = null;
  private lastBatch: { x: tf.Tensor; y: tf.Tensor } | null = null;
  private readonly epochTotals = new EpochTotals();

  constructor(
    private readonly ctx: RunContext,
    private readonly options: ControllerOptions,
  ) {
    const { settings, data } = ctx;
    this.instrumented = new InstrumentedModel(ctx.model, ctx.optimizer, ctx.loss, ctx.metrics);
    this.trainBatches = new BatchSource(data.train, data.inputShape, data.target.shape, settings.batchSize, {
      shuffle: settings.shuffle,
      seed: settings.seed,
    });
    this.snapshots = new EpochSnapshots(ctx.model, ctx.optimizer);
    this.control = new StepControl(options.breakOn ?? []);
    if (options.breakpoints) {
      const invalid = this.emitBreakpointStatuses(options.breakpoints).find((st) => !st.verified);
      if (invalid && options.strictBreakpoints) {
        throw new UserError({ field: options.strictBreakpoints.field, message: invalid.message ?? 'invalid condition' });
      }
    }
  }

  get state(): RunState {
    return this.control.state;
  }

  private get stopRequested(): boolean {
    return this.control.stopRequested;
  }

  get batchesPerEpoch(): number {
    return this.trainBatches.batchesPerEpoch;
  }

  /** Handles a command from the parent; safe to call at any time. */
  handle(command: TrainerCommand): void {
    if (this.control.handle(command)) return;
    switch (command.type) {
      case 'setBreakpoints':
        this.emitBreakpointStatuses(command.breakpoints);
        this.reply(command.requestId, true, null);
        return;
      case 'setLearningRate':
        return this.changeLearningRate(command.requestId, command.value);
      case 'evaluate':
        return this.evaluateExpression(command.requestId, command.expression);
      case 'stepBack':
        void this.stepBack(command.requestId);
        return;
      case 'annotate':
        // A client's note (an endpoint's "debugger detached") goes into the run's record as a warning.
        this.options.emit({ type: 'log', level: 'warning', message: command.message });
        return;
      default:
        // 'start' was handled by the process entry; 'attach' is spoken to a run's endpoint, never to the trainer.
        return;
    }
  }

  /** Trains to the end (or until stopped); returns how it ended. */
  async run(): Promise<'completed' | 'stopped'> {
    const { settings } = this.ctx;
    await this.options.checkpoints?.initial(this.ctx.model);
    if (this.options.stopOnEntry) await this.pauseHere('entry');
    while (!this.stopRequested && !this.stoppedByHook && this.epoch <= settings.epochs && (settings.maxSteps === null || this.step < settings.maxSteps)) {
      if (this.batch === 0 && !this.snapshots.has(this.epoch)) this.snapshots.take(this.epoch, this.step, this.samplesSeen);
      // wasm reads resolve as microtasks: without a macrotask turn here, the
      // parent's commands (pause, stop) would never be read from the pipe while training runs.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.stopRequested) break;
      const stats = await this.runStep();
      const epochEnded = this.batch === this.batchesPerEpoch;
      const diagnostics = this.options.diagnostics?.onStep(stats) ?? [];
      if (epochEnded) {
        await this.endEpoch(diagnostics);
      }
      for (const d of diagnostics) this.publishDiagnostic(d);
      const reason = this.stopRequested ? null : this.pauseReason(stats, diagnostics, epochEnded);
      const finished = this.epoch > settings.epochs || (settings.maxSteps !== null && this.step >= settings.maxSteps);
      // Stepping past the last batch just finishes; a breakpoint or a
      // diagnostic on the very last step still stops there.
      if (reason && (!finished || reason.reason === 'breakpoint' || reason.reason === 'diagnostic')) {
        await this.pauseHere(reason.reason, reason);
      }
    }
    const completed = !this.stopRequested;
    let test: { loss: number; metrics: Record<string, number> } | null = null;
    if (completed && this.ctx.data.test) {
      this.options.emit({ type: 'progress', message: 'evaluating on the test set' });
      test = await this.evaluateSplit(this.ctx.data.test);
    }
    this.control.state = 'finished';
    const reason = completed ? 'completed' : 'stopped';
    const completedEpochs = this.epoch - 1;
    await this.ctx.hooks?.onTrainEnd?.({ reason, steps: this.step, epochs: completedEpochs });
    this.options.emit({ type: 'finished', reason, steps: this.step, epochs: completedEpochs, test });
    this.disposeLastBatch();
    this.snapshots.dispose();
    this.instrumented.disposeKeptWeights();
    return reason;
  }

  private async runStep(): Promise<StepStats> {
    const { settings, data, loss } = this.ctx;
    const started = performance.now();
    const batch = this.trainBatches.batch(this.epoch - 1, this.batch);
    const x = tf.tensor(batch.x, [batch.size, ...data.inputShape], 'float32');
    const y = targetTensor(batch.y, batch.size, data.target, loss);
    const nextStep = this.step + 1;
    const pausing = this.control.willPauseAfter(this.batch, this.batchesPerEpoch);
    const { detail, histograms } = this.control.schedule(nextStep, settings.statsEvery, settings.histogramsEvery, pausing);
    const measured = await this.instrumented.step(x, y, { detail, histograms, apply: true });
    this.disposeLastBatch();
    this.lastBatch = { x, y };
    this.step = nextStep;
    this.samplesSeen += batch.size;
    const stats: StepStats = {
      step: this.step,
      epoch: this.epoch,
      batch: this.batch,
      batchesPerEpoch: this.batchesPerEpoch,
      batchSize: batch.size,
      ...measured,
      durationMs: performance.now() - started,
      samplesSeen: this.samplesSeen,
    };
    this.batch += 1;
    this.lastStep = stats;
    this.epochTotals.add(stats);
    this.options.emit({ type: 'step', stats });
    return stats;
  }

  private async endEpoch(diagnostics: TrainingDiagnostic[]): Promise<void> {
    const started = performance.now();
    const validation = this.ctx.data.validation ? await this.evaluateSplit(this.ctx.data.validation) : null;
    const stats: EpochStats = {
      epoch: this.epoch,
      step: this.step,
      loss: this.epochTotals.mean('loss'),
      metrics: Object.fromEntries(this.ctx.metrics.map((m) => [m, this.epochTotals.mean(m)])),
      valLoss: validation?.loss ?? null,
      valMetrics: validation?.metrics ?? {},
      durationMs: performance.now() - started + this.epochTotals.trainMs,
    };
    this.epochTotals.reset();
    this.lastEpoch = stats;
    this.options.emit({ type: 'epoch', stats });
    diagnostics.push(...(this.options.diagnostics?.onEpoch(stats) ?? []));
    await this.options.checkpoints?.afterEpoch(this.ctx.model, this.epoch, this.step);
    // A model module's onEpochEnd hook may end training early (a completed run, not a stop).
    if ((await this.ctx.hooks?.onEpochEnd?.(stats)) === 'stop') {
      this.stoppedByHook = true;
      this.options.emit({ type: 'log', level: 'info', message: `the onEpochEnd hook ended training after epoch ${stats.epoch}` });
    }
    this.epoch += 1;
    this.batch = 0;
  }

  private pauseReason(stats: StepStats, diagnostics: TrainingDiagnostic[], epochEnded: boolean) {
    return this.control.pauseReason(stats, this.lastEpoch, diagnostics, epochEnded);
  }

  private async pauseHere(reason: StopReason, details: { breakpointId?: number; diagnostic?: TrainingDiagnostic } = {}): Promise<void> {
    this.control.beginPause();
    let stats = this.lastStep ?? undefined;
    if (stats && stats.weights.some((w) => w.trainable && w.updateRatio === null)) {
      // The statistics schedule skipped this step's update ratios: every
      // pause shows them, from the weights kept from before the step.
      const ratios = this.instrumented.updateRatiosOfLastStep();
      if (ratios) stats = { ...stats, weights: stats.weights.map((w, i) => ({ ...w, updateRatio: w.updateRatio ?? ratios[i] })) };
    }
    if (stats && !stats.withHistograms && this.lastBatch) {
      // Histograms are always available at a pause: measure the paused
      // step's batch again with the current weights, without updating.
      const pass = await this.instrumented.step(this.lastBatch.x, this.lastBatch.y, { detail: true, histograms: true, apply: false });
      // Only the per-layer and per-weight detail comes from the pass: loss,
      // metrics and gradient norm stay the real step's (the pass sees the
      // updated weights), and so do the update ratios, as the pass applies no
      // update (null when the real step measured none).
      const weights = pass.weights.map((w, i) => ({ ...w, updateRatio: stats!.weights[i]?.updateRatio ?? null }));
      stats = { ...stats, layers: pass.layers, weights, detailed: pass.detailed, withHistograms: pass.withHistograms };
    }
    const stopped = {
      reason,
      step: this.step,
      epoch: this.lastStep?.epoch ?? this.epoch,
      batch: this.lastStep?.batch ?? 0,
      breakpointId: details.breakpointId,
      diagnostic: details.diagnostic,
      stats,
    };
    await this.control.waitForResume(stopped, this.options.emit);
  }

  private emitBreakpointStatuses(specs: BreakpointSpec[]): BreakpointStatus[] {
    // Names (layers, metrics, weights) are known now that the model is built.
    const skeleton = skeletonScope(
      this.instrumented.layers.map((l) => l.name),
      this.instrumented.weights.map((w) => w.name),
      this.ctx.metrics,
      getLearningRate(this.ctx.optimizer),
    );
    const statuses = this.control.setBreakpoints(specs, skeleton);
    this.options.emit({ type: 'breakpoints', statuses });
    return statuses;
  }

  private publishDiagnostic(d: TrainingDiagnostic): void {
    this.options.emit({ type: 'diagnostic', diagnostic: d });
  }

  private reply(requestId: number, ok: boolean, result: unknown): void {
    this.options.emit(ok ? { type: 'reply', requestId, ok: true, result } : { type: 'reply', requestId, ok: false, error: String(result) });
  }

  private changeLearningRate(requestId: number, value: number): void {
    const from = getLearningRate(this.ctx.optimizer);
    try {
      setLearningRate(this.ctx.optimizer, value);
    } catch (e) {
      return this.reply(requestId, false, (e as Error).message);
    }
    this.ctx.settings.learningRate = value;
    this.options.emit({ type: 'learningRate', step: this.step, from, to: value });
    this.reply(requestId, true, { from, to: value });
  }

  private evaluateExpression(requestId: number, expression: string): void {
    try {
      const value = evaluateOnRun(expression, this.lastStep, this.lastEpoch, getLearningRate(this.ctx.optimizer));
      this.reply(requestId, true, value);
    } catch (e) {
      this.reply(requestId, false, (e as Error).message);
    }
  }

  /** Restores the weights (and optimizer state) at the start of the current epoch, or of the previous one when at a boundary. */
  private async stepBack(requestId: number): Promise<void> {
    if (this.state !== 'paused') return this.reply(requestId, false, 'step back works only while training is paused');
    const target = this.batch > 0 ? this.epoch : this.epoch - 1;
    const restored = this.snapshots.restore(target);
    if (!restored) {
      return this.reply(requestId, false, target < 1 ? 'already at the start of training' : `no snapshot of epoch ${target} is kept`);
    }
    const fromStep = this.step;
    this.epoch = target;
    this.batch = 0;
    this.step = restored.step;
    this.samplesSeen = restored.samplesSeen;
    this.epochTotals.reset();
    this.lastStep = null;
    this.disposeLastBatch();
    this.options.emit({ type: 'restored', epoch: this.epoch, step: this.step, fromStep });
    this.reply(requestId, true, { epoch: this.epoch, step: this.step });
    this.options.emit({ type: 'stopped', reason: 'step', step: this.step, epoch: this.epoch, batch: 0 });
  }

  private async evaluateSplit(split: Split): Promise<{ loss: number; metrics: Record<string, number> }> {
    const { data, loss, settings } = this.ctx;
    const source = new BatchSource(split, data.inputShape, data.target.shape, Math.max(settings.batchSize, 256), {
      shuffle: false,
      seed: 0,
    });
    const batches = function* () {
      for (let i = 0; i < source.batchesPerEpoch; i++) {
        const b = source.batch(0, i);
        yield {
          x: tf.tensor(b.x, [b.size, ...data.inputShape], 'float32'),
          y: targetTensor(b.y, b.size, data.target, loss),
          size: b.size,
        };
      }
    };
    return this.instrumented.evaluate(batches());
  }

  private disposeLastBatch(): void {
    if (this.lastBatch) {
      this.lastBatch.x.dispose();
      this.lastBatch.y.dispose();
      this.lastBatch = null;
    }
  }
}
