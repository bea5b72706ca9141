// `npm run bench -- --only pause-ratios`: what it costs that every pause
// shows the paused step's update ratios. The trainer keeps a copy of the
// trainable weights from before each applied step (InstrumentedModel,
// src/trainer/training/instrumentedModel.ts); a pause off the statistics
// schedule computes the ratios from it. Per network at batch 32, in
// interleaved rounds (the machine is shared): the median time of a plain
// step (no statistics; it includes the copy), of the copy alone, and of the
// ratios computed at a pause. Results: docs/performance.md.

import * as tf from '@tensorflow/tfjs';
import { BatchSource } from '../src/trainer/data';
import { hostValues } from '../src/trainer/training/hostValues';
import { InstrumentedModel } from '../src/trainer/training/instrumentedModel';
import { snapshot } from '../src/trainer/training/tensorStats';
import { targetTensor } from '../src/trainer/training/objectives';
import { benchModel, buildFresh, MODEL_LABELS, type ModelName } from './models';
import { median } from './report';

const BATCH = 32;
const WARM_UP_STEPS = 5;

export interface PauseRatiosResult {
  model: ModelName;
  trainableParams: number;
  stepMs: number;
  copyMs: number;
  ratiosAtPauseMs: number;
}

export async function measurePauseRatios(name: ModelName, rounds: number): Promise<PauseRatiosResult> {
  const m = benchModel(name, BATCH * 8);
  const { model, optimizer } = buildFresh(m);
  const instrumented = new InstrumentedModel(model, optimizer, m.loss, m.parsed.spec.training.metrics);
  const batches = new BatchSource(m.data.train, m.data.inputShape, m.data.target.shape, BATCH, { shuffle: true, seed: 1 });
  const trainable = instrumented.weights.filter((w) => w.trainable);
  const step = async (i: number): Promise<number> => {
    const b = batches.batch(0, i % batches.batchesPerEpoch);
    const x = tf.tensor(b.x, [b.size, ...m.data.inputShape], 'float32');
    const y = targetTensor(b.y, b.size, m.data.target, m.loss);
    const started = performance.now();
    await instrumented.step(x, y, { detail: false, histograms: false, apply: true });
    const ms = performance.now() - started;
    tf.dispose([x, y]);
    return ms;
  };
  for (let i = 0; i < WARM_UP_STEPS; i++) await step(i);
  const steps: number[] = [];
  const copies: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < rounds; i++) {
    steps.push(await step(i));
    let started = performance.now();
    instrumented.updateRatiosOfLastStep();
    ratios.push(performance.now() - started);
    started = performance.now();
    for (const copy of trainable.map((w) => snapshot(hostValues(w.variable)))) copy.dispose();
    copies.push(performance.now() - started);
  }
  instrumented.disposeKeptWeights();
  model.dispose();
  optimizer.dispose();
  return {
    model: name,
    trainableParams: trainable.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0),
    stepMs: median(steps),
    copyMs: median(copies),
    ratiosAtPauseMs: median(ratios),
  };
}

export function formatPauseRatios(results: PauseRatiosResult[], rounds: number): string {
  const rows = results.map(
    (r) =>
      `| ${MODEL_LABELS[r.model]} | ${r.trainableParams.toLocaleString('en-US')} | ${((r.trainableParams * 4) / 1e6).toFixed(2)} MB | ` +
      `${r.stepMs.toFixed(2)} | ${r.copyMs.toFixed(3)} (${((100 * r.copyMs) / r.stepMs).toFixed(1)}%) | ${r.ratiosAtPauseMs.toFixed(3)} |`,
  );
  return [
    `| network (batch ${BATCH}) | trainable params | kept copy | plain step, ms | copy per step, ms (share of the step) | ratios at a pause, ms |`,
    '|---|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `(medians of ${rounds} interleaved rounds; the plain step includes the copy)`,
  ].join('\n');
}
