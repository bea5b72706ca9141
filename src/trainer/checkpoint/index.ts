// Checkpoints on disk (tfjs layers format, atomic) and in-memory snapshots for step back.
export { loadCheckpointModel, loadCheckpointWeights, readCheckpointFiles, saveCheckpoint, MODEL_FILE } from './checkpoint';
export { disposeSnapshot, disposeTrainingState, restoreSnapshot, restoreTrainingState, snapshotTrainingState, snapshotWeights } from './snapshot';
