// The attributes of a `neural` launch configuration (launch.json), one shape
// for the extension (which fills in defaults from the settings) and the debug
// adapter (which checks them and starts the trainer). Most are the trainer's
// own start options under the same names.

import type { TrainOptions } from './protocol';

type SharedWithTrainer =
  | 'epochs'
  | 'steps'
  | 'batchSize'
  | 'backend'
  | 'threads'
  | 'seed'
  | 'shuffle'
  | 'checkpointDir'
  | 'statsEvery'
  | 'histogramsEvery'
  | 'stopOnEntry'
  | 'breakOn'
  | 'diagnostics'
  | 'dataRoot'
  | 'python';

export interface NeuralLaunchAttributes extends Pick<TrainOptions, SharedWithTrainer> {
  /** The model file to train (TrainOptions.modelFile). */
  program?: string;
  /** Folder relative paths resolve against (default: the adapter's working directory). */
  cwd?: string;
  /** Path of the run's trace, JSON Lines (TrainOptions.traceFile). */
  trace?: string;
  /** A PyTorch script's command-line arguments (TrainOptions.scriptArgs). */
  args?: string[];
}

/**
 * The attributes of a `neural` attach configuration: the debugger endpoint of
 * a run started with `neural-debugger train MODEL --listen [HOST:]PORT`.
 */
export interface NeuralAttachAttributes {
  /** Host of the endpoint (default 127.0.0.1: the run's machine itself, or an SSH tunnel's local end). */
  address?: string;
  /** The port the CLI printed. */
  port?: number;
  /** The token the CLI printed. */
  token?: string;
}
