// What the status bar says about a run, folded from the trainer's events.
// No `vscode` import: unit-tested under mocha.

import { formatUserError, type TrainerEvent, type UserErrorInfo } from '../shared/protocol';
import { applyToPosition, initialPosition, type RunPosition } from '../shared/runPosition';

type RunState = 'preparing' | 'running' | 'paused' | 'finished' | 'failed';

export interface TrainingStatus {
  state: RunState;
  /** Step, epoch, batch, loss: the same fold the views and Variables read (src/shared/runPosition.ts). */
  position: RunPosition;
  backend: string | null;
  /** The last progress message while preparing. */
  progress: string | null;
  /** Why the run failed (its fatal error); null unless state is 'failed'. */
  failure: UserErrorInfo | null;
}

export function initialStatus(): TrainingStatus {
  return { state: 'preparing', position: initialPosition(), backend: null, progress: null, failure: null };
}

/** The status after one trainer event (a new object; the input is not changed). */
export function applyTrainerEvent(status: TrainingStatus, event: TrainerEvent): TrainingStatus {
  const position = applyToPosition(status.position, event);
  if (position !== status.position) status = { ...status, position };
  switch (event.type) {
    case 'progress':
      return { ...status, progress: event.message };
    case 'backend':
      return { ...status, backend: event.report.name };
    case 'header':
      return { ...status, state: 'running', backend: event.backend.name, progress: null };
    case 'step':
      return status.state === 'paused' ? status : { ...status, state: 'running' };
    case 'stopped':
      return { ...status, state: 'paused' };
    case 'resumed':
      return { ...status, state: 'running' };
    case 'finished':
      return { ...status, state: 'finished' };
    case 'error':
      return event.fatal ? { ...status, state: 'failed', failure: event.error, progress: null } : status;
    default:
      return status;
  }
}

/** `epoch 3/30 · batch 12/25 · loss 0.4213 · wasm · running` */
export function formatStatusText(status: TrainingStatus): string {
  if (status.state === 'failed' && status.failure) return `failed: ${failureSummary(status.failure)}`;
  const { epoch, epochs, batch, batchesPerEpoch, loss } = status.position;
  if (status.state === 'preparing' || epoch === 0) {
    const parts = [status.state === 'paused' ? 'before the first batch' : 'preparing'];
    if (status.backend) parts.push(status.backend);
    if (status.state !== 'preparing') parts.push(status.state);
    return parts.join(' · ');
  }
  const parts = [`epoch ${epoch}/${epochs ?? '?'}`, `batch ${batch}/${batchesPerEpoch ?? '?'}`, `loss ${formatLoss(loss)}`];
  if (status.backend) parts.push(status.backend);
  parts.push(status.state);
  return parts.join(' · ');
}

const SUMMARY_CHARS = 60;

/**
 * A fatal error in a few words for the status bar: the field (`data.path`)
 * and the message up to its first clause, the folder or file named by its
 * base name; the whole error is the tooltip (formatStatusTooltip).
 */
export function failureSummary(error: UserErrorInfo): string {
  const clause = error.message.split(/;\s|\.\s/)[0].replace(/(?:[A-Za-z]:)?[\\/][^\s,;:]*[\\/]([^\s\\/,;:]+)/g, '…/$1');
  const text = error.field ? `${error.field}: ${clause}` : clause;
  return text.length > SUMMARY_CHARS ? `${text.slice(0, SUMMARY_CHARS - 1)}…` : text;
}

/** The status bar item's tooltip: the session, then the whole error, the last progress message or the status text. */
export function formatStatusTooltip(sessionName: string, status: TrainingStatus): string {
  const what = status.state === 'failed' && status.failure ? formatUserError(status.failure) : (status.progress ?? formatStatusText(status));
  return `${sessionName}: ${what}\nClick to show the training view`;
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
