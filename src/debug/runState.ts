// What the debugger shows about the run, rebuilt from the trainer's events:
// the step the Variables view and expressions read, the last finished epoch,
// the learning rate now in effect, and the diagnostics that are open.

import type { StopInfo, TrainerEvent } from '../shared/protocol';
import { applyToPosition, initialPosition, type RunPosition } from '../shared/runPosition';
import type { BackendReport, EpochStats, ModelTopology, RunSettings, StepStats, TrainingDiagnostic } from '../shared/stats';

export type RunStatus = 'preparing' | 'running' | 'paused' | 'ended';

export class RunState {
  status: RunStatus = 'preparing';
  topology: ModelTopology | null = null;
  settings: RunSettings | null = null;
  backend: BackendReport | null = null;
  /** The step shown: the paused step's full statistics, or the latest step while running; null before the first. */
  current: StepStats | null = null;
  lastEpoch: EpochStats | null = null;
  /** Step, epoch, batch, learning rate: the fold the status bar and the views read too (src/shared/runPosition.ts). */
  position: RunPosition = initialPosition();
  /** Where and why the run is paused; null while it runs. */
  stop: StopInfo | null = null;
  /** Open or active diagnostics by id (closed ones are removed). */
  readonly diagnostics = new Map<string, TrainingDiagnostic>();
  /** Highest step number seen (for the trace's `killed` record). */
  lastStepSeen = 0;
  private readonly epochs = new Map<number, EpochStats>();
  /** Statistics of each epoch's last step, the state a step back restores. */
  private readonly epochEnds = new Map<number, StepStats>();

  /** The learning rate the next update will use. */
  get learningRate(): number {
    return this.position.learningRate ?? NaN;
  }

  apply(event: TrainerEvent): void {
    this.position = applyToPosition(this.position, event);
    switch (event.type) {
      case 'backend':
        this.backend = event.report;
        return;
      case 'header':
        this.topology = event.topology;
        this.settings = event.settings;
        this.backend = event.backend;
        this.status = 'running';
        return;
      case 'step':
        this.current = event.stats;
        this.lastStepSeen = Math.max(this.lastStepSeen, event.stats.step);
        this.rememberEpochEnd(event.stats);
        return;
      case 'epoch':
        this.lastEpoch = event.stats;
        this.epochs.set(event.stats.epoch, event.stats);
        return;
      case 'diagnostic':
        if (event.diagnostic.state === 'closed') this.diagnostics.delete(event.diagnostic.id);
        else this.diagnostics.set(event.diagnostic.id, event.diagnostic);
        return;
      case 'stopped':
        this.status = 'paused';
        this.stop = event;
        if (event.stats) {
          this.current = event.stats;
          this.rememberEpochEnd(event.stats);
        }
        return;
      case 'restored':
        // A step back: the weights are those after the restored epoch
        // boundary's last step, and the last finished epoch the one before.
        this.current = this.epochEnds.get(event.step) ?? null;
        this.lastEpoch = this.epochs.get(event.epoch - 1) ?? null;
        return;
      case 'resumed':
        this.status = 'running';
        this.stop = null;
        return;
      case 'finished':
        this.status = 'ended';
        return;
      case 'error':
        if (event.fatal) this.status = 'ended';
        return;
      default:
        return;
    }
  }

  private rememberEpochEnd(stats: StepStats): void {
    if (stats.batch !== stats.batchesPerEpoch - 1) return;
    const known = this.epochEnds.get(stats.step);
    // The pause's measurement (with every statistic) beats the step event's.
    if (!known || stats.detailed || !known.detailed) this.epochEnds.set(stats.step, stats);
  }
}
