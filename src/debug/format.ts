// How numbers and run events read in the Variables view, hovers and the Debug
// Console. Variables show six significant digits (enough to compare two
// steps); console lines use the CLI's shorter form.

import { isUserError } from '../shared/errors';
import type { TrainerEvent, UserErrorInfo } from '../shared/protocol';
import { describeLayerCount, type EpochStats, type RunSettings, type TrainingDiagnostic } from '../shared/stats';

/** A value as the Variables view and `evaluate` show it. */
export function formatValue(value: number | boolean | null | undefined): string {
  if (value === null || value === undefined) return 'n/a';
  if (typeof value === 'boolean') return String(value);
  if (!Number.isFinite(value) || Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(6)));
}

/** Shorter form for one-line summaries. */
export function formatShort(n: number | null | undefined): string {
  if (n === null || n === undefined) return '-';
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n) && Math.abs(n) < 1e6) return String(n);
  return Math.abs(n) >= 1e4 || (Math.abs(n) < 1e-3 && n !== 0) ? n.toExponential(2) : n.toFixed(4);
}

export function formatShape(shape: readonly (number | null)[] | readonly (number | null)[][]): string {
  const one = (s: readonly (number | null)[]) => `[${s.map((d) => (d === null ? 'batch' : String(d))).join(', ')}]`;
  if (shape.length > 0 && Array.isArray(shape[0])) return (shape as (number | null)[][]).map(one).join(', ');
  return one(shape as (number | null)[]);
}

function epochSummary(e: EpochStats, settings: RunSettings | null): string {
  const metrics = Object.entries(e.metrics).map(([k, v]) => `${k} ${formatShort(v)}`);
  const val = e.valLoss !== null ? [`val_loss ${formatShort(e.valLoss)}`, ...Object.entries(e.valMetrics).map(([k, v]) => `val_${k} ${formatShort(v)}`)] : [];
  return `epoch ${e.epoch}/${settings?.epochs ?? '?'}  loss ${formatShort(e.loss)}  ${[...metrics, ...val].join('  ')}  (${(e.durationMs / 1000).toFixed(1)} s)`;
}

export function formatEvidence(d: TrainingDiagnostic): string {
  return Object.entries(d.evidence)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? formatShort(v) : v}`)
    .join(', ');
}

/** `warning: vanishing-gradient [dense_1, dense_2] at epoch 2, step 31: … (evidence)` */
function diagnosticLine(d: TrainingDiagnostic): string {
  const where = d.layers.length > 0 ? ` [${d.layers.join(', ')}]` : '';
  return `${d.severity}: ${d.kind}${where} at epoch ${d.epoch}, step ${d.step}: ${d.explanation} (${formatEvidence(d)})`;
}

/** The Debug Console line for a trainer event, or null for events that print nothing. */
export function consoleLine(event: TrainerEvent, settings: RunSettings | null): string | null {
  switch (event.type) {
    case 'backend': {
      const r = event.report;
      return `backend: ${r.name}${r.reasons.length > 0 ? ` (${r.reasons.join('; ')})` : ''}`;
    }
    case 'header': {
      const s = event.settings;
      return (
        `${event.topology.name}: ${describeLayerCount(event.topology)}, ${event.topology.totalParams.toLocaleString('en-US')} parameters; ${s.dataDescription}\n` +
        `training ${s.epochs || 'the script’s'} epoch(s), batch ${s.batchSize}, ${s.optimizer} lr ${s.learningRate}, ${s.loss}`
      );
    }
    case 'epoch':
      return epochSummary(event.stats, settings);
    case 'diagnostic':
      return event.diagnostic.state === 'open' ? diagnosticLine(event.diagnostic) : null;
    case 'finished': {
      const test = event.test
        ? `test loss ${formatShort(event.test.loss)}  ${Object.entries(event.test.metrics)
            .map(([k, v]) => `test ${k} ${formatShort(v)}`)
            .join('  ')}\n`
        : '';
      return `${test}${event.reason === 'completed' ? 'finished' : 'stopped'} after ${event.steps} steps`;
    }
    case 'log':
      return `${event.level}: ${event.message}`;
    default:
      return null;
  }
}

/** The message a failed launch or attach answers with: a user error as it is, anything else as an internal error with its stack. */
export function launchError(e: unknown): string {
  if (isUserError(e)) return e.message;
  return `internal error: ${(e as Error)?.stack ?? String(e)}`;
}

/** A user error's place, as strings (DAP message variables): what the extension needs to open it. */
export function userErrorVariables(info: UserErrorInfo): Record<string, string> {
  const variables: Record<string, string> = { message: info.message };
  if (info.file) variables.file = info.file;
  if (info.field) variables.field = info.field;
  if (info.line !== undefined) variables.line = String(info.line);
  return variables;
}
