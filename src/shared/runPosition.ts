// Where a run is, folded from the trainer's events: the one definition of the
// current step, epoch, batch, loss and learning rate that the status bar
// (src/extension/trainingStatus.ts), the views' header (webview-ui/store) and
// the debugger's Variables (src/debug/runState.ts) read, so that a step back,
// a learning-rate change or a pause moves all of them alike.

import type { TrainerEvent } from './protocol';

export interface RunPosition {
  /** The last step done (after a step back: the restored one); 0 before the first. */
  step: number;
  /** 1-based epoch of that step; 0 before the first step. */
  epoch: number;
  /** 1-based batch of that step within its epoch, as users read it; 0 before the first step. */
  batch: number;
  batchesPerEpoch: number | null;
  epochs: number | null;
  /** The loss of that step; null when unknown. */
  loss: number | null;
  /** The rate the next update uses (a Set Value applies at once). */
  learningRate: number | null;
  /** Loss of each epoch's last step, by step: what a step back restores to. */
  readonly epochEndLoss: ReadonlyMap<number, number>;
}

export function initialPosition(): RunPosition {
  return { step: 0, epoch: 0, batch: 0, batchesPerEpoch: null, epochs: null, loss: null, learningRate: null, epochEndLoss: new Map() };
}

/** The position after one event (a new object when it moves; the input is not changed). */
export function applyToPosition(p: RunPosition, event: TrainerEvent): RunPosition {
  switch (event.type) {
    case 'header':
      // epochs 0: a PyTorch script's epoch count is not known.
      return { ...initialPosition(), epochs: event.settings.epochs || null, learningRate: event.settings.learningRate };
    case 'step': {
      const s = event.stats;
      const batch = s.batch + 1;
      // One entry per epoch: the map is copied only at an epoch's end.
      const epochEndLoss = batch === s.batchesPerEpoch ? new Map(p.epochEndLoss).set(s.step, s.loss) : p.epochEndLoss;
      return { ...p, step: s.step, epoch: s.epoch, batch, batchesPerEpoch: s.batchesPerEpoch, loss: s.loss, learningRate: s.learningRate, epochEndLoss };
    }
    case 'stopped':
      if (event.stats) return applyToPosition(p, { type: 'step', stats: event.stats });
      return p;
    case 'restored': {
      // The weights are those after `event.step`, the last step of the epoch
      // before `event.epoch` (or none: back to the start of training).
      const later = new Map([...p.epochEndLoss].filter(([step]) => step <= event.step));
      if (event.step === 0) return { ...p, step: 0, epoch: 0, batch: 0, loss: null, epochEndLoss: later };
      return {
        ...p,
        step: event.step,
        epoch: event.epoch - 1,
        batch: p.batchesPerEpoch ?? 0,
        loss: p.epochEndLoss.get(event.step) ?? null,
        epochEndLoss: later,
      };
    }
    case 'learningRate':
      return { ...p, learningRate: event.to };
    default:
      return p;
  }
}
