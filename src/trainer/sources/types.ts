// What every model source (JSON spec, Keras topology, TS/JS module) yields:
// a built model with its optimizer, loss, data and training settings, ready
// for prepareRun to turn into a RunContext.

import type * as tf from '@tensorflow/tfjs';
import type { EpochStats } from '../../shared/stats';
import type { LoadedData } from '../data/types';
import type { LossName } from '../training/objectives';

import type { ModelSourceKind } from '../../spec/modelFiles';

/** Per-run hooks a model module may export; each call runs with the module's time limit. */
export interface RunHooks {
  /** After each epoch (validation included); resolving to 'stop' ends training there. */
  onEpochEnd?(stats: EpochStats): Promise<'stop' | void>;
  /** Once, when training ends (completed or stopped). */
  onTrainEnd?(summary: { reason: 'completed' | 'stopped'; steps: number; epochs: number }): Promise<void>;
}

interface SourceTraining {
  epochs: number;
  batchSize: number;
  seed: number;
  shuffle: boolean;
  statsEvery?: number;
}

export interface ModelSource {
  kind: ModelSourceKind;
  /** Model name for the topology and the trace. */
  name: string;
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  /** `adam`, `sgd`, … for the settings. */
  optimizerName: string;
  loss: LossName;
  metrics: string[];
  data: LoadedData;
  /** Training settings of the source, before command-line overrides (seed already applied). */
  training: SourceTraining;
  /** Layer name → 1-based line in `sourceFile`. */
  layerLines: Record<string, number>;
  diagnosticsConfig: Record<string, unknown>;
  /** The file `layerLines` and errors refer to: the spec or the module. */
  sourceFile: string;
  hooks?: RunHooks;
}

/** How a loader talks while it works. */
export interface SourceIO {
  progress(message: string): void;
  log(level: 'info' | 'warning', message: string): void;
}
