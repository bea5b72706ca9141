// The benchmark's networks, built through the same spec builder as a real run
// (so the benchmark measures the models users train), and their synthetic
// data. bench/pytorch_bench.py defines the same four networks in PyTorch.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { LoadedData } from '../src/trainer/data/types';
import { buildModel, createOptimizer } from '../src/trainer/model';
import { parseModelSpec, type ParsedSpec } from '../src/spec';
import type { LossName } from '../src/trainer/training/objectives';
import { mulberry32 } from '../src/trainer/data/random';

export const MODEL_NAMES = ['mlp', 'cnn', 'lstm', 'transformer'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export const MODEL_LABELS: Record<ModelName, string> = {
  mlp: 'MLP 784-128-64-10',
  cnn: 'CNN 32x32x3 (conv32-pool-conv64-pool-128-10)',
  lstm: 'LSTM 28x28 -> 64 -> 10',
  transformer: 'tiny Transformer (examples/tiny-transformer)',
};

/** Repository root: bench/ from sources (tsx), dist/ when bundled. */
export function repoRoot(): string {
  return path.resolve(__dirname, '..');
}

const TRAINING = {
  epochs: 1,
  batchSize: 32,
  optimizer: { type: 'adam', learningRate: 0.001 },
  loss: 'categoricalCrossentropy',
  metrics: ['accuracy'],
  seed: 42,
};

/** Specs of the three networks the examples do not ship in exactly this shape. */
const INLINE_SPECS: Record<Exclude<ModelName, 'transformer'>, object> = {
  mlp: {
    name: 'bench-mlp',
    data: { source: 'synthetic', dataset: 'blobs' },
    model: {
      input: [784],
      layers: [
        { type: 'dense', units: 128, activation: 'relu' },
        { type: 'dense', units: 64, activation: 'relu' },
        { type: 'dense', units: 10, activation: 'softmax' },
      ],
    },
    training: TRAINING,
  },
  // The seed CNN (examples/cifar10-cnn.nn.json).
  cnn: {
    name: 'bench-cnn',
    data: { source: 'synthetic', dataset: 'blobs' },
    model: {
      input: [32, 32, 3],
      layers: [
        { type: 'conv2d', filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: 'heNormal' },
        { type: 'maxPooling2d', poolSize: 2 },
        { type: 'conv2d', filters: 64, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: 'heNormal' },
        { type: 'maxPooling2d', poolSize: 2 },
        { type: 'flatten' },
        { type: 'dense', units: 128, activation: 'relu', kernelInitializer: 'heNormal' },
        { type: 'dense', units: 10, activation: 'softmax' },
      ],
    },
    training: TRAINING,
  },
  lstm: {
    name: 'bench-lstm',
    data: { source: 'synthetic', dataset: 'blobs' },
    model: {
      input: [28, 28],
      layers: [
        { type: 'lstm', units: 64 },
        { type: 'dense', units: 10, activation: 'softmax' },
      ],
    },
    training: TRAINING,
  },
};

export interface BenchModel {
  name: ModelName;
  parsed: ParsedSpec;
  loss: LossName;
  /** Synthetic data in the shape the network expects (train split only). */
  data: LoadedData;
}

/** A copy of the spec of one of the networks the examples do not ship in this shape (its data: the trainer's blobs, to be overridden). */
export function benchSpec(name: Exclude<ModelName, 'transformer'>): { model: object; training: object } {
  return structuredClone(INLINE_SPECS[name]) as { model: object; training: object };
}

function parsedSpec(name: ModelName): ParsedSpec {
  if (name === 'transformer') {
    const file = path.join(repoRoot(), 'examples', 'tiny-transformer.nn.json');
    return parseModelSpec(fs.readFileSync(file, 'utf8'), file);
  }
  return parseModelSpec(JSON.stringify(INLINE_SPECS[name]), `bench/${name}.nn.json`);
}

/** Deterministic uniform values in [0, 1) (mulberry32). */
function uniform(size: number, seed: number): Float32Array {
  const next = mulberry32(seed);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = next();
  return out;
}

const floorTo = (values: Float32Array, n: number) => values.map((v) => Math.min(n - 1, Math.floor(v * n)));

/** `samples` synthetic training samples: uniform inputs (token ids for the Transformer), random classes. */
export function benchModel(name: ModelName, samples: number): BenchModel {
  const parsed = parsedSpec(name);
  const loss = parsed.spec.training.loss as LossName;
  let data: LoadedData;
  if (name === 'transformer') {
    const seqLength = 8;
    const vocab = 10;
    data = {
      description: `synthetic: ${samples} random token sequences`,
      inputShape: [seqLength],
      target: { kind: 'class', numClasses: vocab, shape: [seqLength] },
      inputIsTokenIds: true,
      train: { x: floorTo(uniform(samples * seqLength, 1), vocab), y: floorTo(uniform(samples * seqLength, 2), vocab), count: samples },
      validation: null,
      test: null,
    };
  } else {
    const inputShape = (parsed.spec.model.input ?? []) as number[];
    const per = inputShape.reduce((a, b) => a * b, 1);
    data = {
      description: `synthetic: ${samples} uniform samples`,
      inputShape,
      target: { kind: 'class', numClasses: 10, shape: [] },
      inputIsTokenIds: false,
      train: { x: uniform(samples * per, 1), y: floorTo(uniform(samples, 2), 10), count: samples },
      validation: null,
      test: null,
    };
  }
  return { name, parsed, loss, data };
}

/** A freshly initialised model (same seed every time) and its Adam optimizer. */
export function buildFresh(m: BenchModel): { model: tf.LayersModel; optimizer: tf.Optimizer } {
  // tfjs warns on every LSTM build that its orthogonal initializer is slow
  // (it is, once per build: not part of any timed step).
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).startsWith('Orthogonal initializer')) warn(...args);
  };
  let model: tf.LayersModel;
  try {
    model = buildModel(m.parsed, m.data, m.parsed.spec.training.seed);
  } finally {
    console.warn = warn;
  }
  const optimizer = createOptimizer(m.parsed.spec.training.optimizer);
  return { model, optimizer };
}
