// In-memory snapshots of the weights and the optimizer state at the start of
// recent epochs: "step back" restores one exactly, so replaying the epoch
// (same data order, same optimizer moments) gives the same numbers again.

import type * as tf from '@tensorflow/tfjs';
import { disposeTrainingState, restoreTrainingState, snapshotTrainingState } from '../checkpoint';

/** How many epoch starts are kept in memory; older ones are dropped. */
const KEPT_EPOCHS = 5;

interface Snapshot {
  step: number;
  samplesSeen: number;
  state: ReturnType<typeof snapshotTrainingState>;
}

export class EpochSnapshots {
  private readonly byEpoch = new Map<number, Snapshot>();

  constructor(
    private readonly model: tf.LayersModel,
    private readonly optimizer: tf.Optimizer,
  ) {}

  /** Snapshot at the start of `epoch` (before its first batch). */
  take(epoch: number, step: number, samplesSeen: number): void {
    this.drop(epoch);
    this.byEpoch.set(epoch, { step, samplesSeen, state: snapshotTrainingState(this.model, this.optimizer) });
    for (const old of [...this.byEpoch.keys()].filter((e) => e <= epoch - KEPT_EPOCHS)) this.drop(old);
  }

  has(epoch: number): boolean {
    return this.byEpoch.has(epoch);
  }

  /** Restores the snapshot of `epoch`; null when it is not kept. */
  restore(epoch: number): { step: number; samplesSeen: number } | null {
    const snap = this.byEpoch.get(epoch);
    if (!snap) return null;
    restoreTrainingState(this.model, this.optimizer, snap.state);
    // Later epochs' snapshots describe a future that will be recomputed.
    for (const e of [...this.byEpoch.keys()].filter((e) => e > epoch)) this.drop(e);
    return { step: snap.step, samplesSeen: snap.samplesSeen };
  }

  private drop(epoch: number): void {
    const snap = this.byEpoch.get(epoch);
    if (!snap) return;
    disposeTrainingState(snap.state);
    this.byEpoch.delete(epoch);
  }

  dispose(): void {
    for (const epoch of [...this.byEpoch.keys()]) this.drop(epoch);
  }
}
