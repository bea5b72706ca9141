// Checkpoints on disk (tfjs layers format, atomic) and in-memory snapshots for step back.
export {
  checkpointIOHandler,
  loadCheckpointModel,
  loadCheckpointWeights,
  readCheckpointFiles,
  saveCheckpoint,
  MODEL_FILE,
  WEIGHTS_FILE,
  type SaveCheckpointOptions,
} from './checkpoint';
export {
  disposeOptimizerSnapshot,
  disposeSnapshot,
  disposeTrainingState,
  restoreOptimizer,
  restoreSnapshot,
  restoreTrainingState,
  snapshotOptimizer,
  snapshotTrainingState,
  snapshotWeights,
  type OptimizerSnapshot,
  type TrainingSnapshot,
  type WeightSnapshot,
} from './snapshot';
