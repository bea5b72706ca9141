// What the status bar says about a run, folded from the trainer's events.
// No `vscode` import: unit-tested under mocha.

import type { TrainerEvent } from '../shared/protocol';

type RunState = 'preparing' | 'running' | 'paused' | 'finished' | 'failed';

export interface TrainingStatus {
  state: RunState;
  /** 1-based epoch of the last step; 0 before the first step. */
  epoch: number;
  epochs: number | null;
  /** 1-based batch within the epoch of the last step; 0 before the first step. */
  batch: number;
  batchesPerEpoch: number | null;
  loss: number | null;
  backend: string | null;
  /** The last progress message while preparing. */
  progress: string | null;
}

export function initialStatus(): TrainingStatus {
  return { state: 'preparing', epoch: 0, epochs: null, batch: 0, batchesPerEpoch: null, loss: null, backend: null, progress: null };
}

/** The status after one trainer event (a new object; the input is not changed). */
export function applyTrainerEvent(status: TrainingStatus, event: TrainerEvent): TrainingStatus {
  switch (event.type) {
    case 'progress':
      return { ...status, progress: event.message };
    case 'backend':
      return { ...status, backend: event.report.name };
    case 'header':
      return { ...status, state: 'running', epochs: event.settings.epochs || null, backend: event.backend.name, progress: null };
    case 'step':
      return {
        ...status,
        state: status.state === 'paused' ? 'paused' : 'running',
        epoch: event.stats.epoch,
        batch: event.stats.batch + 1,
        batchesPerEpoch: event.stats.batchesPerEpoch,
        loss: event.stats.loss,
      };
    case 'stopped':
      return { ...status, state: 'paused' };
    case 'restored':
      // Stepped back to the start of `event.epoch`: no batch of it done yet.
      return { ...status, epoch: event.epoch, batch: 0 };
    case 'resumed':
      return { ...status, state: 'running' };
    case 'finished':
      return { ...status, state: 'finished' };
    case 'error':
      return event.fatal ? { ...status, state: 'failed' } : status;
    default:
      return status;
  }
}

/** `epoch 3/30 · batch 12/25 · loss 0.4213 · wasm · running` */
export function formatStatusText(status: TrainingStatus): string {
  if (status.state === 'preparing' || status.epoch === 0) {
    const parts = ['preparing'];
    if (status.backend) parts.push(status.backend);
    if (status.state !== 'preparing') parts.push(status.state);
    return parts.join(' · ');
  }
  const parts = [`epoch ${status.epoch}/${status.epochs ?? '?'}`, `batch ${status.batch}/${status.batchesPerEpoch ?? '?'}`, `loss ${formatLoss(status.loss)}`];
  if (status.backend) parts.push(status.backend);
  parts.push(status.state);
  return parts.join(' · ');
}

/** Four significant digits, exponent form for very small or large values, NaN/±∞ spelled out. */
export function formatLoss(loss: number | null): string {
  if (loss === null) return '–';
  if (Number.isNaN(loss)) return 'NaN';
  if (!Number.isFinite(loss)) return loss > 0 ? '∞' : '-∞';
  const magnitude = Math.abs(loss);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e5)) return loss.toExponential(3);
  return Number(loss.toPrecision(4)).toString();
}

/**
 * Calls `fn` at most once per `intervalMs`: the first call runs at once,
 * later ones within the interval are folded into one trailing call.
 */
export function throttle(fn: () => void, intervalMs: number): { (): void; flush(): void; cancel(): void } {
  let last = -Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = () => {
    timer = undefined;
    last = Date.now();
    fn();
  };
  const throttled = () => {
    if (timer) return;
    const wait = last + intervalMs - Date.now();
    if (wait <= 0) run();
    else timer = setTimeout(run, wait);
  };
  throttled.flush = () => {
    if (timer) clearTimeout(timer);
    run();
  };
  throttled.cancel = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
  return throttled;
}
