// Writes what happens in a run to the trace (JSON Lines) and saves
// checkpoints. The controller calls it; nothing here decides anything.

import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { TrainerEvent, UserErrorInfo } from '../../shared/protocol';
import type { BackendReport, EpochStats, ModelTopology, RunSettings, StepStats, TrainingDiagnostic } from '../../shared/stats';
import { TRACE_FORMAT, TRACE_FORMAT_VERSION } from '../../shared/trace/format';
import { saveCheckpoint } from '../checkpoint';
import { TraceWriter } from '../../node/traceWriter';

export class RunRecorder {
  private trace: TraceWriter | null;

  constructor(
    traceFile: string | undefined,
    private readonly checkpointDir: string | undefined,
  ) {
    this.trace = traceFile ? TraceWriter.open(traceFile) : null;
  }

  header(backend: BackendReport, topology: ModelTopology, settings: RunSettings): void {
    this.trace?.write({ kind: 'header', time: Date.now(), format: TRACE_FORMAT, version: TRACE_FORMAT_VERSION, backend, topology, settings });
  }

  step(stats: StepStats): void {
    this.trace?.write({ kind: 'step', time: Date.now(), stats });
  }

  epoch(stats: EpochStats): void {
    this.trace?.write({ kind: 'epoch', time: Date.now(), stats });
  }

  diagnostic(diagnostic: TrainingDiagnostic): void {
    this.trace?.write({ kind: 'diagnostic', time: Date.now(), diagnostic });
  }

  stop(event: Extract<TrainerEvent, { type: 'stopped' }>): void {
    this.trace?.write({
      kind: 'stop',
      time: Date.now(),
      reason: event.reason,
      step: event.step,
      epoch: event.epoch,
      batch: event.batch,
      breakpointId: event.breakpointId,
      diagnosticId: event.diagnostic?.id,
    });
  }

  resume(): void {
    this.trace?.write({ kind: 'resume', time: Date.now() });
  }

  learningRate(step: number, from: number, to: number): void {
    this.trace?.write({ kind: 'lr', time: Date.now(), step, from, to });
  }

  restore(epoch: number, step: number, fromStep: number): void {
    this.trace?.write({ kind: 'restore', time: Date.now(), epoch, step, fromStep });
  }

  end(
    reason: 'completed' | 'stopped' | 'error',
    steps: number,
    epochs: number,
    test: { loss: number; metrics: Record<string, number> } | null,
    error: UserErrorInfo | null = null,
  ): void {
    this.trace?.write({ kind: 'end', time: Date.now(), reason, steps, epochs, test, error });
    this.trace?.close();
    this.trace = null;
  }

  async initialCheckpoint(model: tf.LayersModel): Promise<void> {
    if (this.checkpointDir) await saveCheckpoint(model, path.join(this.checkpointDir, 'initial'), { epoch: 0, step: 0 });
  }

  async epochCheckpoint(model: tf.LayersModel, epoch: number, step: number): Promise<void> {
    if (this.checkpointDir) await saveCheckpoint(model, path.join(this.checkpointDir, `epoch-${epoch}`), { epoch, step });
  }
}
