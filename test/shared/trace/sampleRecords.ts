// One record of every traced event type, with the values a trace must carry
// unchanged: non-finite numbers, strings spelled like them, non-ASCII names.
// And the same moments as a version 1 trace wrote them.

import { TRACE_FORMAT, TRACE_FORMAT_VERSION, type TraceHeaderRecord, type TraceRecord } from '../../../src/shared/trace/format';
import type { StepStats, TrainingDiagnostic, WeightStats } from '../../../src/shared/stats';
import type { V1Record } from '../../../src/shared/trace/upgrade';

export function sampleHeader(time = 1_700_000_000_000): TraceHeaderRecord {
  return {
    type: 'header',
    time,
    format: TRACE_FORMAT,
    version: TRACE_FORMAT_VERSION,
    backend: { name: 'wasm', requested: 'auto', reasons: ['node: tfjs-node is not installed'], addedKernels: ['Conv2DBackpropFilter'] },
    topology: {
      name: 'mlp',
      layers: [
        { name: 'dense_é', className: 'Dense', activation: 'relu', inputs: ['input'], outputShape: [null, 8], paramCount: 40, trainable: true, specLine: 7 },
        { name: 'Infinity', className: 'Dense', activation: null, inputs: ['dense_é'], outputShape: [null, 2], paramCount: 18, trainable: true },
      ],
      inputs: ['input'],
      outputs: ['Infinity'],
      totalParams: 58,
      trainableParams: 58,
    },
    settings: {
      modelFile: 'examples/mlp.nn.json',
      epochs: 2,
      maxSteps: null,
      batchSize: 32,
      seed: 42,
      shuffle: true,
      statsEvery: 1,
      histogramsEvery: 10,
      optimizer: 'adam',
      learningRate: 0.001,
      loss: 'categoricalCrossentropy',
      metrics: ['accuracy'],
      dataDescription: 'MNIST 💾 train',
      trainSamples: 60000,
      validationSamples: 0,
      testSamples: 10000,
    },
  };
}

/** Statistics of the `step`-th update (1-based), in epoch 1. */
/** A one-value weight whose gradient carries a histogram (what the bounded histories strip from older records). */
export function weightWithGradHistogram(): WeightStats {
  return {
    name: 'w',
    layer: 'a',
    shape: [1],
    trainable: true,
    norm: 1,
    gradNorm: 1,
    updateRatio: 0,
    gradNonFinite: 0,
    weightNonFinite: 0,
    gradHistogram: { edges: [0, 1], counts: [1], sampled: 1, total: 1 },
  };
}

export function sampleStepStats(step: number, loss = 0.5 + 1 / step): StepStats {
  return {
    step,
    epoch: 1,
    batch: step - 1,
    batchesPerEpoch: 1875,
    batchSize: 32,
    loss,
    metrics: { accuracy: 0.25, NaN: NaN },
    learningRate: 0.001,
    gradNorm: Infinity,
    nonFinite: 3,
    detailed: true,
    withHistograms: true,
    layers: [
      {
        name: 'dense_é',
        className: 'Dense',
        activation: 'relu',
        gradNorm: 1.5e-7,
        activationStats: {
          mean: 0.1,
          std: 0.2,
          min: 0,
          max: 3,
          zeroFraction: 0.5,
          deadFraction: 0.125,
          saturatedFraction: null,
          nonFinite: 0,
          histogram: { edges: [-Infinity, 0, 1, Infinity], counts: [0, 5, 3], sampled: 8, total: 8 },
        },
      },
    ],
    weights: [
      {
        name: 'dense_é/kernel',
        layer: 'dense_é',
        shape: [4, 8],
        trainable: true,
        norm: 2.5,
        gradNorm: NaN,
        updateRatio: null,
        gradNonFinite: 2,
        weightNonFinite: 0,
        gradHistogram: { edges: [-1, 0, 1], counts: [1, 1], sampled: 2, total: 32 },
      },
    ],
    durationMs: 12.5,
    samplesSeen: 32 * step,
  };
}

export const SAMPLE_TIME = 1_700_000_000_000;

export function sampleDiagnostic(): TrainingDiagnostic {
  return {
    id: 'non-finite:dense_é',
    kind: 'non-finite',
    severity: 'error',
    state: 'open',
    step: 1,
    epoch: 1,
    batch: 0,
    layers: ['dense_é'],
    evidence: { gradNorm: NaN, text: 'NaN', escaped: '\\NaN', minus: '-Infinity', ratio: -Infinity, ['__proto__']: Infinity },
    explanation: 'Gradients became NaN.',
    remedies: ['Lower the learning rate.'],
    count: 1,
  };
}

/** Header, then one record of every other traced event type, ending with a fatal error. */
export function sampleTrace(): TraceRecord[] {
  const t = SAMPLE_TIME;
  return [
    sampleHeader(t),
    { type: 'step', time: t + 1, stats: sampleStepStats(1) },
    { type: 'stopped', time: t + 2, reason: 'breakpoint', step: 1, epoch: 1, batch: 0, breakpointId: 3, stats: sampleStepStats(1) },
    { type: 'resumed', time: t + 3 },
    { type: 'learningRate', time: t + 4, step: 1, from: 0.001, to: -Infinity },
    { type: 'diagnostic', time: t + 5, diagnostic: sampleDiagnostic() },
    { type: 'stopped', time: t + 6, reason: 'diagnostic', step: 1, epoch: 1, batch: 0, diagnostic: sampleDiagnostic(), stats: sampleStepStats(1) },
    { type: 'restored', time: t + 7, epoch: 1, step: 0, fromStep: 1 },
    { type: 'stopped', time: t + 7, reason: 'step', step: 0, epoch: 1, batch: 0 },
    { type: 'log', time: t + 8, level: 'warning', message: 'the learning rate -Infinity is not finite' },
    { type: 'step', time: t + 9, stats: sampleStepStats(1, NaN) },
    {
      type: 'epoch',
      time: t + 10,
      stats: { epoch: 1, step: 1875, loss: 0.3, metrics: { accuracy: 0.9 }, valLoss: null, valMetrics: {}, durationMs: 1000 },
    },
    { type: 'error', time: t + 11, fatal: true, error: { file: 'm.nn.json', line: 3, column: 5, message: 'bad' } },
  ];
}

/**
 * The moments of `sampleTrace` as a version 1 trainer wrote them (no
 * warnings in version 1), each with the version 2 records it upgrades to.
 */
export function sampleV1Trace(): { v1: V1Record; v2: TraceRecord[] }[] {
  const t = SAMPLE_TIME;
  const v2 = sampleTrace();
  const { type: _type, ...header } = sampleHeader(t);
  return [
    { v1: { kind: 'header', ...header, version: 1 }, v2: [v2[0]] },
    { v1: { kind: 'step', time: t + 1, stats: sampleStepStats(1) }, v2: [v2[1]] },
    { v1: { kind: 'stop', time: t + 2, reason: 'breakpoint', step: 1, epoch: 1, batch: 0, breakpointId: 3 }, v2: [v2[2]] },
    { v1: { kind: 'resume', time: t + 3 }, v2: [v2[3]] },
    // Version 1 wrote the first update with the new rate.
    { v1: { kind: 'lr', time: t + 4, step: 2, from: 0.001, to: -Infinity }, v2: [v2[4]] },
    { v1: { kind: 'diagnostic', time: t + 5, diagnostic: sampleDiagnostic() }, v2: [v2[5]] },
    { v1: { kind: 'stop', time: t + 6, reason: 'diagnostic', step: 1, epoch: 1, batch: 0, diagnosticId: 'non-finite:dense_é' }, v2: [v2[6]] },
    { v1: { kind: 'restore', time: t + 7, epoch: 1, step: 0, fromStep: 1 }, v2: [v2[7], v2[8]] },
    { v1: { kind: 'step', time: t + 9, stats: sampleStepStats(1, NaN) }, v2: [v2[10]] },
    { v1: { kind: 'epoch', time: t + 10, stats: v2[11].type === 'epoch' ? v2[11].stats : (undefined as never) }, v2: [v2[11]] },
    {
      v1: { kind: 'end', time: t + 11, reason: 'error', steps: 1875, epochs: 1, test: null, error: { file: 'm.nn.json', line: 3, column: 5, message: 'bad' } },
      v2: [v2[12]],
    },
  ];
}
