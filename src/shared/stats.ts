// Types of a run's statistics: what the trainer measures, the trace stores,
// the debug adapter shows as variables and the webview draws.

import type { DiagnosticKind } from './diagnosticKinds';

export type BackendName = 'node' | 'wasm' | 'cpu';
export type BackendChoice = 'auto' | BackendName;
/**
 * What each backend choice means (package.json's `enumDescriptions`, written
 * by `npm run sync-package`), best first after 'auto' (the order `auto` tries them).
 */
export const BACKEND_CHOICE_DESCRIPTIONS: Readonly<Record<BackendChoice, string>> = {
  auto: 'tfjs-node if installed, else WebAssembly, else pure JavaScript',
  node: 'tfjs-node (native TensorFlow; must be installed)',
  wasm: 'WebAssembly (works everywhere)',
  cpu: 'pure JavaScript (slow: ~100x slower for convolutions)',
};
/** Every backend choice, in the order above. */
export const BACKEND_CHOICES = Object.keys(BACKEND_CHOICE_DESCRIPTIONS) as readonly BackendChoice[];

export interface BackendReport {
  /** The backend that runs: a TensorFlow.js backend, or PyTorch for a Python script. */
  name: BackendName | 'pytorch';
  requested: BackendChoice;
  /** One line per better backend that did not load, saying why. */
  reasons: string[];
  /** Kernels this project registered because the backend lacks them. */
  addedKernels: string[];
  /**
   * On wasm: which build of the project's own SIMD kernels runs
   * ('relaxed-simd' or 'simd'), or 'off: <why>' when they did not load.
   */
  nativeKernels?: string;
  /** On wasm with the native kernels: the threads their calls are split over (1: the trainer's own thread only). */
  kernelThreads?: number;
  /** PyTorch runs: the device of the model's parameters (`cpu`, `cuda:0`). */
  device?: string;
}

/** Fixed-bin histogram; `counts[i]` counts values in [edges[i], edges[i+1]). */
export interface Histogram {
  edges: number[];
  counts: number[];
  /** How many values the histogram was computed from (a strided sample of large tensors). */
  sampled: number;
  /** How many values the tensor has. */
  total: number;
}

export interface ActivationStats {
  mean: number;
  std: number;
  min: number;
  max: number;
  /** Fraction of values that are exactly zero (meaningful for the ReLU family). */
  zeroFraction: number;
  /**
   * Fraction of units that output zero for every sample of the batch
   * (dead units), for layers whose output has a unit axis.
   */
  deadFraction: number;
  /** Fraction of values within 1% of a sigmoid/tanh bound; null for other activations. */
  saturatedFraction: number | null;
  nonFinite: number;
  histogram?: Histogram;
}

export interface WeightStats {
  /** tfjs variable name, e.g. `dense_1/kernel`. */
  name: string;
  layer: string;
  shape: number[];
  trainable: boolean;
  /** L2 norm of the weight after this step's update; null when not measured this step. */
  norm: number | null;
  /** L2 norm of this step's gradient; null for frozen weights. */
  gradNorm: number | null;
  /** ||W_after - W_before|| / ||W_before||; null when not measured this step or frozen. */
  updateRatio: number | null;
  gradNonFinite: number;
  weightNonFinite: number;
  histogram?: Histogram;
  gradHistogram?: Histogram;
}

export interface LayerStats {
  name: string;
  className: string;
  /** Activation function name when the layer has one (`relu`, `sigmoid`, ...). */
  activation: string | null;
  activationStats?: ActivationStats;
  /** Global L2 norm of all gradients of this layer's trainable weights; null when it has none. */
  gradNorm: number | null;
  /**
   * Feature maps of the batch's first sample, for layers whose output is
   * rank 4 (`[batch, height, width, channels]`: conv, pooling), on steps with
   * histograms only. Absent elsewhere (and in traces written before it existed).
   */
  featureMaps?: FeatureMaps;
}

/**
 * The first channels (up to 8) of one sample's rank-4 layer output, each
 * average-pooled by the same integer factor in both directions to at most
 * 32×32 (edge windows average the cells they cover).
 */
export interface FeatureMaps {
  /** Size of each map after pooling. */
  height: number;
  width: number;
  /** Channel index of each map in the layer output. */
  channels: number[];
  /**
   * Per channel, row-major `height * width` values rounded to 4 significant
   * digits; a cell whose window holds NaN/Inf is NaN (`null` in JSON).
   */
  values: number[][];
  /** Per channel, min and max of the finite values at full resolution (NaN when there is none). */
  min: number[];
  max: number[];
}

export interface StepStats {
  /** 1-based global step: this is the step-th update of the run. */
  step: number;
  /** 1-based epoch, as Keras prints it ("Epoch 1/3"). */
  epoch: number;
  /** 0-based index of the batch within its epoch. */
  batch: number;
  batchesPerEpoch: number;
  batchSize: number;
  loss: number;
  metrics: Record<string, number>;
  learningRate: number;
  /** Global L2 norm over all trainable gradients. */
  gradNorm: number;
  /** Non-finite values in loss, gradients and weights together. */
  nonFinite: number;
  /** True when this step carries per-layer and per-weight detail. */
  detailed: boolean;
  /** True when histograms were computed for this step. */
  withHistograms: boolean;
  layers: LayerStats[];
  weights: WeightStats[];
  /** Wall-clock milliseconds of the step (forward, backward, statistics, update). */
  durationMs: number;
  samplesSeen: number;
}

export interface EpochStats {
  /** 1-based epoch that just ended. */
  epoch: number;
  /** Global step of the epoch's last batch. */
  step: number;
  loss: number;
  metrics: Record<string, number>;
  valLoss: number | null;
  valMetrics: Record<string, number>;
  durationMs: number;
}

export interface LayerInfo {
  name: string;
  className: string;
  activation: string | null;
  /** Names of layers feeding this one (data-flow edges). */
  inputs: string[];
  outputShape: (number | null)[] | (number | null)[][];
  paramCount: number;
  trainable: boolean;
  /** 1-based line of the layer in a JSON spec, when known. */
  specLine?: number;
}

export interface ModelTopology {
  name: string;
  layers: LayerInfo[];
  inputs: string[];
  outputs: string[];
  totalParams: number;
  trainableParams: number;
}

export interface RunSettings {
  modelFile: string;
  /** 0 when the trainer cannot know ahead (a PyTorch script runs its own loop). */
  epochs: number;
  /** Cap on the number of training steps; null for no cap. */
  maxSteps: number | null;
  batchSize: number;
  seed: number;
  shuffle: boolean;
  statsEvery: number;
  histogramsEvery: number;
  optimizer: string;
  learningRate: number;
  loss: string;
  metrics: string[];
  dataDescription: string;
  trainSamples: number;
  validationSamples: number;
  testSamples: number;
}

export type DiagnosticSeverity = 'error' | 'warning' | 'info';
// The kinds are listed once, in diagnosticKinds.ts; re-exported here beside the diagnostic's shape.
export type { DiagnosticKind };

export interface TrainingDiagnostic {
  /** Stable id within a run: kind plus the layer(s) it concerns. */
  id: string;
  kind: DiagnosticKind;
  severity: DiagnosticSeverity;
  state: 'open' | 'active' | 'closed';
  step: number;
  epoch: number;
  batch: number;
  layers: string[];
  evidence: Record<string, number | string>;
  explanation: string;
  remedies: string[];
  /** How many consecutive checks the condition has held. */
  count: number;
}

export type StopReason = 'entry' | 'pause' | 'step' | 'breakpoint' | 'diagnostic';

/**
 * `3 layers + input`: the layers the spec lists, the model's InputLayer
 * apart (TensorFlow.js counts it among its layers; a spec does not list it).
 */
export function describeLayerCount(topology: ModelTopology): string {
  const inputs = topology.layers.filter((l) => l.className === 'InputLayer').length;
  const layers = topology.layers.length - inputs;
  const counted = `${layers} ${layers === 1 ? 'layer' : 'layers'}`;
  return inputs === 0 ? counted : `${counted} + ${inputs === 1 ? 'input' : `${inputs} inputs`}`;
}
