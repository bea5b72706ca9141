// In-memory snapshots of the training state for "step back": the model's
// weights and the optimizer's state, restored exactly (bit for bit), so that
// training resumed from a snapshot computes the same updates as the first
// time through.
//
// Snapshot tensors share data with what they copy (tfjs tensors are
// immutable and `Variable.assign` swaps the data a variable points to), so a
// snapshot costs no copy until training moves on.

import * as tf from '@tensorflow/tfjs';

/** Model weights by `LayerVariable.originalName`, non-trainable ones included. */
export type WeightSnapshot = Map<string, tf.Tensor>;

interface SlotCopy {
  originalName: string;
  tensor: tf.Tensor;
}

/**
 * An optimizer's state. tfjs optimizers keep it in `tf.Variable` fields
 * (Adam's `accBeta1`, Adamax's `iteration`), arrays of per-weight slots
 * (`{originalName, variable}`: Adam's moments, RMSProp's mean squares, …) and
 * the `iterations_` counter. The public `getWeights()`/`setWeights()` would
 * not do: Adamax lacks them, and Adam's `setWeights` recomputes `accBeta1` as
 * `pow(beta1, t + 1)`, which is not bit-identical to the running product the
 * updates use, and leaks the replaced slot variables.
 */
interface OptimizerSnapshot {
  className: string;
  iterations: number | undefined;
  variables: Map<string, tf.Tensor>;
  slots: Map<string, (SlotCopy | null)[]>;
}

export interface TrainingSnapshot {
  weights: WeightSnapshot;
  optimizer: OptimizerSnapshot | null;
}

interface Slot {
  originalName: string;
  variable: tf.Variable;
}

function isSlotArray(value: unknown): value is (Slot | null | undefined)[] {
  return (
    Array.isArray(value) && value.every((e) => e == null || (typeof e === 'object' && typeof e.originalName === 'string' && e.variable instanceof tf.Variable))
  );
}

/** Copies every model weight (kept tensors: dispose with `disposeSnapshot`). */
export function snapshotWeights(model: tf.LayersModel): WeightSnapshot {
  const snapshot: WeightSnapshot = new Map();
  for (const w of model.weights) {
    if (snapshot.has(w.originalName)) {
      disposeSnapshot(snapshot);
      throw new Error(`two model weights are named ${w.originalName}; cannot snapshot by name`);
    }
    snapshot.set(w.originalName, tf.keep(w.read().clone()));
  }
  return snapshot;
}

/**
 * Sets every model weight to its value in `snapshot`, exactly (layer
 * constraints are not re-applied). The snapshot stays valid for later restores.
 */
export function restoreSnapshot(model: tf.LayersModel, snapshot: WeightSnapshot): void {
  const missing = model.weights.filter((w) => !snapshot.has(w.originalName)).map((w) => w.originalName);
  if (missing.length > 0) throw new Error(`the snapshot has no value for ${missing.join(', ')}`);
  for (const w of model.weights) {
    (w.read() as tf.Variable).assign(snapshot.get(w.originalName)!);
  }
}

export function disposeSnapshot(snapshot: WeightSnapshot): void {
  for (const t of snapshot.values()) t.dispose();
  snapshot.clear();
}

/** Copies the optimizer's complete state (see `OptimizerSnapshot`). */
function snapshotOptimizer(optimizer: tf.Optimizer): OptimizerSnapshot {
  const fields = optimizer as unknown as Record<string, unknown>;
  const snapshot: OptimizerSnapshot = {
    className: optimizer.getClassName(),
    iterations: typeof fields.iterations_ === 'number' ? fields.iterations_ : undefined,
    variables: new Map(),
    slots: new Map(),
  };
  for (const [key, value] of Object.entries(fields)) {
    if (value instanceof tf.Variable) {
      snapshot.variables.set(key, tf.keep(value.clone()));
    } else if (isSlotArray(value)) {
      snapshot.slots.set(
        key,
        value.map((slot) => (slot ? { originalName: slot.originalName, tensor: tf.keep(slot.variable.clone()) } : null)),
      );
    }
  }
  return snapshot;
}

/**
 * Puts the optimizer back in the state of `snapshot`: variables get their
 * values back, slots created since are disposed and removed, slots that
 * existed are re-created, and the iteration counter is reset.
 */
function restoreOptimizer(optimizer: tf.Optimizer, snapshot: OptimizerSnapshot): void {
  if (optimizer.getClassName() !== snapshot.className) {
    throw new Error(`cannot restore a ${snapshot.className} optimizer snapshot into a ${optimizer.getClassName()} optimizer`);
  }
  const fields = optimizer as unknown as Record<string, unknown>;
  for (const [key, value] of snapshot.variables) {
    (fields[key] as tf.Variable).assign(value);
  }
  for (const [key, saved] of snapshot.slots) {
    const current = fields[key] as (Slot | null | undefined)[];
    for (let i = 0; i < Math.max(current.length, saved.length); i++) {
      const now = current[i];
      const then = i < saved.length ? saved[i] : null;
      if (now && then && tf.util.arraysEqual(now.variable.shape, then.tensor.shape)) {
        now.variable.assign(then.tensor);
        now.originalName = then.originalName;
        continue;
      }
      now?.variable.dispose();
      current[i] = then ? { originalName: then.originalName, variable: tf.variable(then.tensor, false) } : null;
    }
    current.length = saved.length;
  }
  if (snapshot.iterations === undefined) delete fields.iterations_;
  else fields.iterations_ = snapshot.iterations;
}

function disposeOptimizerSnapshot(snapshot: OptimizerSnapshot): void {
  for (const t of snapshot.variables.values()) t.dispose();
  for (const slots of snapshot.slots.values()) for (const slot of slots) slot?.tensor.dispose();
  snapshot.variables.clear();
  snapshot.slots.clear();
}

/** Weights and (when given) optimizer state, for an exact step back. */
export function snapshotTrainingState(model: tf.LayersModel, optimizer: tf.Optimizer | null): TrainingSnapshot {
  return { weights: snapshotWeights(model), optimizer: optimizer ? snapshotOptimizer(optimizer) : null };
}

export function restoreTrainingState(model: tf.LayersModel, optimizer: tf.Optimizer | null, snapshot: TrainingSnapshot): void {
  restoreSnapshot(model, snapshot.weights);
  if (optimizer && snapshot.optimizer) restoreOptimizer(optimizer, snapshot.optimizer);
}

export function disposeTrainingState(snapshot: TrainingSnapshot): void {
  disposeSnapshot(snapshot.weights);
  if (snapshot.optimizer) disposeOptimizerSnapshot(snapshot.optimizer);
}
