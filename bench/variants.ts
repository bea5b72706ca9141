// The three tfjs variants the benchmark compares, as runners that train in
// slices so that the variants can alternate every half second or so (the
// machines are shared and their speed swings by 2-3x within seconds; slices
// make the ratios between variants robust to that):
//   fit                   plain tfjs `model.fit` (compiled with Adam), no
//                         callbacks, one epoch per call
//   instrumented-default  the trainer's step loop with the default schedule
//                         (statistics every 10 steps, histograms every 100)
//   instrumented-full     the same with every statistic and histogram every step
// The instrumented runner does per step what TrainingController.runStep does
// (src/trainer/run/controller.ts): a BatchSource batch, InstrumentedModel.step
// on the controller's schedule, the StepStats event encoded for the wire
// (encodeJson, what the trainer writes on its protocol pipe), the
// diagnostics engine, a macrotask turn, and an epoch snapshot of weights and
// optimizer state at each epoch start. It does not run the controller itself
// because the controller cannot be suspended between slices without pausing,
// and a pause measures an extra histogram step.

import * as tf from '@tensorflow/tfjs';
import { encodeJson } from '../src/shared/json';
import type { StepStats } from '../src/shared/stats';
import { BatchSource } from '../src/trainer/data';
import { DiagnosticsEngine } from '../src/runControl/diagnostics/engine';
import type { LoadedData } from '../src/trainer/data/types';
import { EpochSnapshots } from '../src/trainer/run/snapshots';
import { InstrumentedModel } from '../src/trainer/training/instrumentedModel';
import { computeLoss, targetTensor } from '../src/trainer/training/objectives';
import { buildFresh, type BenchModel } from './models';

export const VARIANTS = ['fit', 'instrumented-default', 'instrumented-full'] as const;
export type TfjsVariant = (typeof VARIANTS)[number];

export interface Timing {
  samples: number;
  seconds: number;
}

export interface RunOptions {
  batch: number;
  /** Batches per epoch of the synthetic training set (the same for every variant). */
  batchesPerEpoch: number;
}

export interface Runner {
  /** Trains for at least `ms` (whole epochs for fit, whole steps otherwise) and returns what it did. */
  slice(ms: number): Promise<Timing>;
  dispose(): void;
}

/** The first `count` samples of the benchmark data. */
function subset(data: LoadedData, count: number): LoadedData {
  const per = data.inputShape.reduce((a, b) => a * b, 1);
  const perY = data.target.shape.reduce((a, b) => a * b, 1);
  if (count > data.train.count) throw new Error(`benchmark data has ${data.train.count} samples, ${count} needed`);
  return {
    ...data,
    train: { x: data.train.x.subarray(0, count * per), y: data.train.y.subarray(0, count * perY), count },
  };
}

/** A warmed-up runner of `variant` (3 warm-up steps, not timed). */
export async function makeRunner(variant: TfjsVariant, m: BenchModel, options: RunOptions): Promise<Runner> {
  const data = subset(m.data, options.batch * options.batchesPerEpoch);
  const runner =
    variant === 'fit'
      ? fitRunner(m, data, options)
      : instrumentedRunner(m, data, options, variant === 'instrumented-full' ? 1 : 10, variant === 'instrumented-full' ? 1 : 100);
  await runner.warmUp();
  return runner;
}

function fitRunner(m: BenchModel, data: LoadedData, options: RunOptions): Runner & { warmUp(): Promise<void> } {
  const { model, optimizer } = buildFresh(m);
  model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const x = tf.tensor(data.train.x, [data.train.count, ...data.inputShape]);
  // One-hot targets for both losses, as the instrumented loop builds them.
  const y = targetTensor(data.train.y, data.train.count, data.target, 'categoricalCrossentropy');
  const fitArgs = { batchSize: options.batch, epochs: 1, shuffle: true, verbose: 0 as const };
  return {
    async warmUp() {
      const warm = Math.min(3, options.batchesPerEpoch) * options.batch;
      const [xw, yw] = [x.slice(0, warm), y.slice(0, warm)];
      await model.fit(xw, yw, fitArgs);
      tf.dispose([xw, yw]);
    },
    async slice(ms) {
      let samples = 0;
      const started = performance.now();
      do {
        const history = await model.fit(x, y, fitArgs);
        if (!Number.isFinite(history.history.loss[0] as number)) throw new Error(`fit: non-finite loss on ${m.name}`);
        samples += data.train.count;
      } while (performance.now() - started < ms);
      return { samples, seconds: (performance.now() - started) / 1000 };
    },
    dispose() {
      tf.dispose([x, y]);
      model.dispose();
      optimizer.dispose();
    },
  };
}

function instrumentedRunner(
  m: BenchModel,
  data: LoadedData,
  options: RunOptions,
  statsEvery: number,
  histogramsEvery: number,
): Runner & { warmUp(): Promise<void> } {
  const { model, optimizer } = buildFresh(m);
  const training = m.parsed.spec.training;
  const instrumented = new InstrumentedModel(model, optimizer, m.loss, training.metrics);
  const batches = new BatchSource(data.train, data.inputShape, data.target.shape, options.batch, { shuffle: true, seed: training.seed });
  const diagnostics = new DiagnosticsEngine({}, m.parsed.file);
  const snapshots = new EpochSnapshots(model, optimizer);
  let step = 0;
  let epoch = 1;
  let batch = 0;
  let epochLoss = 0;
  let epochSamples = 0;
  let samplesSeen = 0;

  const oneStep = async (): Promise<number> => {
    if (batch === 0 && !snapshots.has(epoch)) snapshots.take(epoch, step, samplesSeen);
    await new Promise<void>((resolve) => setImmediate(resolve)); // the controller's macrotask turn
    const started = performance.now();
    const b = batches.batch(epoch - 1, batch);
    const x = tf.tensor(b.x, [b.size, ...data.inputShape], 'float32');
    const y = targetTensor(b.y, b.size, data.target, m.loss);
    const next = step + 1;
    const detail = next === 1 || next % statsEvery === 0;
    const histograms = detail && (next === 1 || next % histogramsEvery === 0);
    try {
      const measured = await instrumented.step(x, y, { detail, histograms, apply: true });
      if (!Number.isFinite(measured.loss)) throw new Error(`instrumented: non-finite loss on ${m.name}`);
      step = next;
      samplesSeen += b.size;
      const stats: StepStats = {
        step,
        epoch,
        batch,
        batchesPerEpoch: batches.batchesPerEpoch,
        batchSize: b.size,
        ...measured,
        durationMs: performance.now() - started,
        samplesSeen,
      };
      encodeJson({ type: 'step', stats });
      diagnostics.onStep(stats);
      epochLoss += measured.loss * b.size;
      epochSamples += b.size;
      batch += 1;
      if (batch === batches.batchesPerEpoch) {
        const epochStats = { epoch, step, loss: epochLoss / epochSamples, metrics: {}, valLoss: null, valMetrics: {}, durationMs: 0 };
        encodeJson({ type: 'epoch', stats: epochStats });
        diagnostics.onEpoch(epochStats);
        epoch += 1;
        batch = 0;
        epochLoss = 0;
        epochSamples = 0;
      }
      return b.size;
    } finally {
      tf.dispose([x, y]);
    }
  };

  return {
    async warmUp() {
      for (let i = 0; i < 3; i++) await oneStep();
    },
    async slice(ms) {
      let samples = 0;
      const started = performance.now();
      do samples += await oneStep();
      while (performance.now() - started < ms);
      return { samples, seconds: (performance.now() - started) / 1000 };
    },
    dispose() {
      snapshots.dispose();
      model.dispose();
      optimizer.dispose();
    },
  };
}

/** Each variant trains this long before the next one takes over. */
export const SLICE_MS = 500;

/** How many batches make one epoch of the benchmark data: about one slice of training, at least 4. */
export function batchesPerEpochFor(stepMs: number): number {
  return Math.max(4, Math.min(256, Math.ceil(SLICE_MS / Math.max(stepMs, 0.1))));
}

/** Median wall time of a plain training step (after two warm-up steps), to size the benchmark data. */
export function calibrateStepMs(m: BenchModel, batch: number): number {
  const { model, optimizer } = buildFresh(m);
  const x = tf.tensor(m.data.train.x, [batch, ...m.data.inputShape]);
  const y = targetTensor(m.data.train.y, batch, m.data.target, m.loss);
  const times: number[] = [];
  try {
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const loss = optimizer.minimize(() => computeLoss(m.loss, y, model.apply(x, { training: true }) as tf.Tensor), true);
      loss?.dataSync();
      loss?.dispose();
      if (i >= 2) times.push(performance.now() - started);
    }
  } finally {
    tf.dispose([x, y]);
    model.dispose();
    optimizer.dispose();
  }
  return times.sort((a, b) => a - b)[1];
}
