// TypeScript shape of a `*.nn.json` model spec after validation. The field
// catalog (catalog/*.ts) is the single source of truth for what is allowed;
// these types mirror it for the code that consumes a validated spec.

import type { UserErrorInfo } from '../shared/protocol';

export type LossName = 'categoricalCrossentropy' | 'sparseCategoricalCrossentropy' | 'binaryCrossentropy' | 'meanSquaredError' | 'meanAbsoluteError';

export type MetricName = 'accuracy' | 'acc' | 'meanSquaredError' | 'mse' | 'meanAbsoluteError' | 'mae';

type InitializerName =
  | 'zeros'
  | 'ones'
  | 'glorotUniform'
  | 'glorotNormal'
  | 'heNormal'
  | 'heUniform'
  | 'leCunNormal'
  | 'leCunUniform'
  | 'orthogonal'
  | 'randomNormal'
  | 'truncatedNormal'
  | 'randomUniform'
  | 'varianceScaling';

/** An initializer by name (with default parameters), or an object with parameters. */
export type InitializerSpec =
  | InitializerName
  | { type: Exclude<InitializerName, 'randomNormal' | 'truncatedNormal' | 'randomUniform' | 'varianceScaling' | 'orthogonal'> }
  | { type: 'constant'; value: number }
  | { type: 'randomNormal' | 'truncatedNormal'; mean?: number; stddev?: number }
  | { type: 'randomUniform'; minval?: number; maxval?: number }
  | { type: 'varianceScaling'; scale?: number; mode?: 'fanIn' | 'fanOut' | 'fanAvg'; distribution?: 'normal' | 'uniform' | 'truncatedNormal' }
  | { type: 'orthogonal'; gain?: number };

export interface RegularizerSpec {
  l1?: number;
  l2?: number;
}

export type OptimizerSpec =
  | { type: 'sgd'; learningRate?: number; momentum?: number; nesterov?: boolean }
  | { type: 'adam'; learningRate?: number; beta1?: number; beta2?: number; epsilon?: number }
  | { type: 'rmsprop'; learningRate?: number; rho?: number; momentum?: number; epsilon?: number; centered?: boolean };

/**
 * One layer. Every layer has `type`; `name`, `inputs` and `trainable` are
 * common; the other options depend on the type (see catalog/layers.ts).
 * Option values are already validated when a LayerSpec exists.
 */
export interface LayerSpec {
  type: LayerType;
  name?: string;
  /** Names of the layers (or model inputs) this layer reads; default: the previous layer. */
  inputs?: string[];
  trainable?: boolean;
  [option: string]: unknown;
}

export type LayerType =
  | 'dense'
  | 'conv1d'
  | 'conv2d'
  | 'maxPooling1d'
  | 'maxPooling2d'
  | 'averagePooling1d'
  | 'averagePooling2d'
  | 'globalAveragePooling1d'
  | 'globalAveragePooling2d'
  | 'globalMaxPooling1d'
  | 'globalMaxPooling2d'
  | 'flatten'
  | 'reshape'
  | 'dropout'
  | 'batchNormalization'
  | 'layerNormalization'
  | 'simpleRNN'
  | 'lstm'
  | 'gru'
  | 'embedding'
  | 'activation'
  | 'positionalEmbedding'
  | 'transformerEncoder'
  | 'add'
  | 'concatenate'
  | 'multiply'
  | 'average';

interface ModelInputSpec {
  name: string;
  shape: number[];
}

/** Saved weights to start from (transfer learning). */
export interface WeightsSpec {
  /** Checkpoint folder or TensorFlow.js model.json, relative to the spec. */
  path: string;
  /** Default false: missing or differently shaped weights keep their initialisation. */
  strict?: boolean;
  /** Layers not to load. */
  skip?: string[];
  /** Command that creates the weights, for the "not found" message. */
  createdBy?: string;
}

/** Layers to freeze: names, or a range in model order (both ends included). */
export type FreezeSpec = string[] | { from?: string; upTo?: string };

export interface ModelSection {
  /** Sequential form: the input shape (without the batch axis); default: the data's shape. */
  input?: number[];
  /** Graph form: named inputs (exactly one is supported: the data has one input). */
  inputs?: ModelInputSpec[];
  /** The layers; empty when `keras` gives the model. */
  layers: LayerSpec[];
  /** Graph form: the name of the output layer; default: the last layer. */
  outputs?: string[];
  /** Keras `to_json()` or TensorFlow.js model.json topology, relative to the spec; replaces `layers`. */
  keras?: string;
  /** Weights to load after building (a path is shorthand for `{ path }`). */
  weights?: string | WeightsSpec;
}

export interface TrainingSpec {
  epochs: number;
  batchSize: number;
  optimizer: OptimizerSpec;
  loss: LossName;
  metrics: MetricName[];
  seed: number;
  shuffle: boolean;
  /** Absent: the trainer's default. */
  statsEvery?: number;
  freeze?: FreezeSpec;
}

/**
 * The `data` section as validated here (field types and enums). Its full
 * meaning, defaults and value ranges belong to the data loader
 * (src/trainer/data/types.ts `DataSpec`), which this shape is compatible with.
 */
interface DataSection {
  source: 'mnist' | 'cifar10' | 'csv' | 'images' | 'numpy' | 'synthetic';
  [field: string]: unknown;
}

export interface ModelSpec {
  $schema?: string;
  /** Default: the file name without `.nn.json`. */
  name: string;
  description?: string;
  data: DataSection;
  model: ModelSection;
  training: TrainingSpec;
  /** Diagnostic thresholds; passed through untouched. */
  diagnostics: Record<string, unknown>;
}

export interface Position {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

export interface ParsedSpec {
  /** The spec file (as given to the parser); used in error messages. */
  file: string;
  spec: ModelSpec;
  /** Non-fatal problems, e.g. unknown top-level fields. */
  warnings: UserErrorInfo[];
  /** Layer name (given or generated, e.g. `dense_1`) → 1-based line of its object. */
  layerLines: Record<string, number>;
  /** Dotted field path (`model.layers[2].units`, `model.layers[2]`) → position of its value. */
  positions: Record<string, Position>;
}
