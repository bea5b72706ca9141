// The compact encoding of version 3 traces (docs/trace-format.md, "Compact
// step lines"). Two things make a long run's trace small:
//
// - measured numbers are written to 7 significant digits (TensorFlow.js
//   computes in float32, whose precision is ~7.2 digits: the digits after the
//   7th of a loss or a norm say nothing about the network);
// - a light step (not `detailed`) whose every field but the measured ones is
//   what the previous step predicts (next batch, same rate, no non-finite
//   value, the same layers and weights) is written as one array of its
//   measured numbers, `{"type":"step","dt":…,"s":[…]}`.
//
// Detailed steps, pauses and every other record are written in full (rounded).
// The writer checks that the compact line decodes to exactly the rounded
// record before it uses it, so a step the prediction misses is simply written
// in full. No Node imports (the webview parses traces).

import { encodeJson } from '../json';
import type { ActivationStats, StepStats } from '../stats';
import { encodeTraceRecord, type CompactActivationStats, type CompactStepLine, type TraceRecord, type TraceRecordOf } from './format';

/** Significant digits of the measured numbers in a version 3 trace. */
const TRACE_SIGNIFICANT_DIGITS = 7;

/**
 * `value` with every number that is not an integer rounded to
 * TRACE_SIGNIFICANT_DIGITS (a deep copy; integers, NaN and ±Infinity are kept).
 */
export function roundTraceNumbers<T>(value: T): T {
  if (typeof value === 'number') return roundNumber(value) as T;
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const copy = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) copy[i] = roundTraceNumbers(value[i]);
    return copy as T;
  }
  const copy: Record<string, unknown> = {};
  for (const key in value) if (Object.prototype.hasOwnProperty.call(value, key)) copy[key] = roundTraceNumbers((value as Record<string, unknown>)[key]);
  return copy as T;
}

/** Powers of ten that are exact doubles (10^0 … 10^22). */
const EXACT_POWERS = Array.from({ length: 23 }, (_, i) => 10 ** i);

function roundNumber(x: number): number {
  if (Number.isInteger(x) || !Number.isFinite(x)) return x;
  // Integer arithmetic where the scale is an exact power of ten (|x| from
  // 1e-16 to 1e6: every statistic in practice), ~10x faster than
  // toPrecision; the result is the double nearest the rounded decimal.
  const digits = TRACE_SIGNIFICANT_DIGITS - 1 - Math.floor(Math.log10(Math.abs(x)));
  if (digits >= 0 && digits <= 22) {
    const scale = EXACT_POWERS[digits];
    return Math.round(x * scale) / scale;
  }
  return Number(x.toPrecision(TRACE_SIGNIFICANT_DIGITS));
}

/** The record as a version 3 trace keeps it: the statistics of steps and pauses rounded (roundTraceNumbers), the rest unchanged. */
export function roundedTraceRecord(record: TraceRecord): TraceRecord {
  if (record.type === 'step') return { ...record, stats: roundTraceNumbers(record.stats) };
  if (record.type === 'stopped' && record.stats !== undefined) return { ...record, stats: roundTraceNumbers(record.stats) };
  return record;
}

/** The measured numbers of a compact step line (CompactStepLine in format.ts). */
type CompactStep = CompactStepLine['s'];
/** The measured detail of a compact detailed step. */
type CompactDetail = NonNullable<CompactStepLine['d']>;

function activationStatsOf(a: CompactActivationStats | null): { activationStats?: ActivationStats } {
  if (a === null) return {};
  const [mean, std, min, max, zeroFraction, deadFraction, saturatedFraction, nonFinite] = a;
  return { activationStats: { mean, std, min, max, zeroFraction, deadFraction, saturatedFraction, nonFinite } };
}

/**
 * The step record a compact line stands for: `measured` (and `detail` for a
 * detailed step) filled into what `previous` predicts for the next step.
 * `batchSize` is the run's (header) batch size.
 */
function expandCompactStep(previous: StepStats, measured: CompactStep, batchSize: number, detail?: CompactDetail): StepStats {
  const [step, loss, gradNorm, durationMs, metricValues, layerNorms, weightNorms] = measured;
  const batch = previous.batch + 1 < previous.batchesPerEpoch ? previous.batch + 1 : 0;
  const metricNames = Object.keys(previous.metrics);
  return {
    step,
    epoch: batch === 0 ? previous.epoch + 1 : previous.epoch,
    batch,
    batchesPerEpoch: previous.batchesPerEpoch,
    batchSize,
    loss,
    metrics: Object.fromEntries(metricNames.map((name, i) => [name, metricValues[i]])),
    learningRate: previous.learningRate,
    gradNorm,
    nonFinite: 0,
    detailed: detail !== undefined,
    withHistograms: false,
    layers: previous.layers.map((l, i) => ({
      name: l.name,
      className: l.className,
      activation: l.activation,
      gradNorm: layerNorms[i],
      ...activationStatsOf(detail?.[0][i] ?? null),
    })),
    weights: previous.weights.map((w, i) => ({
      name: w.name,
      layer: w.layer,
      shape: w.shape,
      trainable: w.trainable,
      norm: detail?.[1][i][0] ?? null,
      gradNorm: weightNorms[i],
      updateRatio: detail?.[1][i][1] ?? null,
      gradNonFinite: 0,
      weightNonFinite: 0,
    })),
    durationMs,
    samplesSeen: previous.samplesSeen + batchSize,
  };
}

function measuredOf(stats: StepStats): CompactStep {
  return [
    stats.step,
    stats.loss,
    stats.gradNorm,
    stats.durationMs,
    Object.values(stats.metrics),
    stats.layers.map((l) => l.gradNorm),
    stats.weights.map((w) => w.gradNorm),
  ];
}

function detailOf(stats: StepStats): CompactDetail {
  return [
    stats.layers.map((l) => {
      const a = l.activationStats;
      return a ? [a.mean, a.std, a.min, a.max, a.zeroFraction, a.deadFraction, a.saturatedFraction, a.nonFinite] : null;
    }),
    stats.weights.map((w) => [w.norm, w.updateRatio]),
  ];
}

/** Structural equality of JSON-like values (key order ignored; NaN equals NaN). */
function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || (Number.isNaN(a) && Number.isNaN(b));
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Previous record state both the writer and the reader of a version 3 trace keep. */
export interface CompactState {
  /** The run's batch size (the header's `settings.batchSize`). */
  batchSize: number;
  /** The latest step record, as the reader sees it; null before the first. */
  previousStep: StepStats | null;
  /** Time of the latest record. */
  previousTime: number;
}

/** Stateful writer side: one trace line per record. */
export class CompactTraceEncoder {
  private state: CompactState | null = null;

  /** One trace line, without its newline. */
  encode(record: TraceRecord): string {
    if (record.type === 'header') this.state = { batchSize: record.settings.batchSize, previousStep: null, previousTime: record.time };
    const state = this.state;
    const line = state === null ? encodeTraceRecord(record) : this.encodeInRun(record, state);
    if (state !== null) state.previousTime = record.time;
    return line;
  }

  private encodeInRun(original: TraceRecord, state: CompactState): string {
    const record = roundedTraceRecord(original);
    if (record.type === 'step') {
      const stats = record.stats;
      const previous = state.previousStep;
      state.previousStep = stats;
      if (previous !== null && !stats.withHistograms) {
        const measured = measuredOf(stats);
        const detail = stats.detailed ? detailOf(stats) : undefined;
        if (sameValue(expandCompactStep(previous, measured, state.batchSize, detail), stats)) {
          // `type` first, as on every line; `dt` instead of `time`.
          const line: CompactStepLine = { type: 'step', dt: record.time - state.previousTime, s: measured, ...(detail ? { d: detail } : {}) };
          return encodeJson(line);
        }
      }
    }
    return encodeTraceRecord(record);
  }
}

/**
 * Reader side: the step record of a compact line (`dt` and `s` already
 * checked to be a number and an array), or an error message.
 */
export function decodeCompactStep(line: { dt: number; s: unknown[]; d?: unknown }, state: CompactState): TraceRecordOf<'step'> | string {
  const previous = state.previousStep;
  if (previous === null) return 'a compact step line ("s") before any full step record: the trace is damaged';
  const s = line.s;
  const numbers = (v: unknown, length: number, nullable = true): boolean =>
    Array.isArray(v) && v.length === length && v.every((x) => typeof x === 'number' || (nullable && x === null));
  if (
    s.length !== 7 ||
    !s.slice(0, 4).every((x) => typeof x === 'number') ||
    !numbers(s[4], Object.keys(previous.metrics).length, false) ||
    !numbers(s[5], previous.layers.length) ||
    !numbers(s[6], previous.weights.length)
  ) {
    return 'field "s" of a compact step line must be [step, loss, gradNorm, durationMs, [metrics], [layer gradNorms], [weight gradNorms]] matching the previous step record';
  }
  const d = line.d;
  if (
    d !== undefined &&
    !(
      Array.isArray(d) &&
      d.length === 2 &&
      Array.isArray(d[0]) &&
      d[0].length === previous.layers.length &&
      (d[0] as unknown[]).every((a) => a === null || numbers(a, 8)) &&
      Array.isArray(d[1]) &&
      d[1].length === previous.weights.length &&
      (d[1] as unknown[]).every((w) => numbers(w, 2))
    )
  ) {
    return 'field "d" of a compact step line must be [[layer activation statistics], [[norm, updateRatio] per weight]] matching the previous step record';
  }
  const stats = expandCompactStep(previous, s as CompactStep, state.batchSize, d as CompactDetail | undefined);
  return { type: 'step', time: state.previousTime + line.dt, stats };
}
