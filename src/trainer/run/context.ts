// Everything a run needs once it is prepared: a built tfjs model (from a JSON
// spec, a Keras topology or a TS/JS module), its optimizer, the data and the
// settings.

import type * as tf from '@tensorflow/tfjs';
import type { BackendReport, ModelTopology, RunSettings } from '../../shared/stats';
import type { LoadedData } from '../data/types';
import type { LossName } from '../training/objectives';
import type { RunHooks } from '../sources/types';

export interface RunContext {
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  loss: LossName;
  metrics: string[];
  data: LoadedData;
  settings: RunSettings;
  topology: ModelTopology;
  backend: BackendReport;
  /** Layer name → 1-based line in the spec, for messages and stack frames. */
  layerLines: Record<string, number>;
  /** Diagnostic thresholds from the spec, passed to the diagnostics engine. */
  diagnosticsConfig: Record<string, unknown>;
  /** A model module's hooks (docs/model-modules.md). */
  hooks?: RunHooks;
}
