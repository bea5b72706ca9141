// Records of a run trace: a JSON Lines file, one trainer event per line plus
// the time it happened, written by the trainer as it goes and read back by
// the CLI report and the webview. Format description: docs/trace-format.md.
// This module has no Node imports so that browser bundles can use it.

import { encodeJson } from '../json';
import type { TrainerEvent, TrainerEventOf } from '../protocol';

/** Value of the header's `format` field: identifies a file as a Neural Debugger trace. */
export const TRACE_FORMAT = 'neural-debugger-trace';
/** The format version this code writes (compact step lines: compact.ts). Versions 1 (per-kind records, see upgrade.ts) and 2 (every step in full) are still read. */
export const TRACE_FORMAT_VERSION = 3;

/**
 * The events a trace keeps: everything a view, `report` or a replay needs.
 * Not traced: `hello`, `progress`, `backend` (the header has it), `reply` and
 * `breakpoints` (answers to one client), `log` below warning level and
 * non-fatal errors (shown live only).
 */
export const TRACED_EVENT_TYPES = [
  'header',
  'step',
  'epoch',
  'diagnostic',
  'stopped',
  'resumed',
  'learningRate',
  'restored',
  'log',
  'finished',
  'error',
] as const;

export type TracedEventType = (typeof TRACED_EVENT_TYPES)[number];

/** A traced event and when it happened (milliseconds since the Unix epoch). */
export type TraceRecordOf<T extends TracedEventType> = TrainerEventOf<T> & { time: number } & (T extends 'header'
    ? { format: typeof TRACE_FORMAT; version: number }
    : unknown);

/** The first line of every trace: the `header` event, which also names the format and its version; `time` is the start of the run. */
export type TraceHeaderRecord = TraceRecordOf<'header'>;

export type TraceRecord = { [T in TracedEventType]: TraceRecordOf<T> }[TracedEventType];

/**
 * A light step as a version 3 trace writes it (compact.ts): `dt` is the time
 * since the previous line's record, `s` the step's measured numbers, in this
 * order: step, loss, global gradient norm, duration (ms), metric values (in
 * the previous step's metric order), each layer's gradient norm, each
 * weight's gradient norm (in the previous step's layer and weight order).
 * Every other field is what the previous step predicts.
 */
export interface CompactStepLine {
  type: 'step';
  dt: number;
  s: [number, number, number, number, number[], (number | null)[], (number | null)[]];
  /**
   * On a detailed step without histograms: each layer's activation
   * statistics (`[mean, std, min, max, zeroFraction, deadFraction,
   * saturatedFraction, nonFinite]`, null where the layer has none) and each
   * weight's `[norm, updateRatio]`, in the previous step's order.
   */
  d?: [(CompactActivationStats | null)[], [number | null, number | null][]];
}

/** A layer's `ActivationStats` without a histogram, as the array of a compact detailed step (`d`). */
export type CompactActivationStats = [number, number, number, number, number, number, number | null, number];

/** One line of a trace file: a record, or a light step written compactly. */
export type TraceLine = TraceRecord | CompactStepLine;

/** Whether `event` belongs in the trace (see TRACED_EVENT_TYPES). */
export function isTracedEvent(event: TrainerEvent): boolean {
  if (event.type === 'log') return event.level === 'warning';
  if (event.type === 'error') return event.fatal;
  return (TRACED_EVENT_TYPES as readonly string[]).includes(event.type);
}

/** The trace record of a traced event (the header gets the format fields). */
export function traceRecordOf(event: TrainerEvent, time: number): TraceRecord {
  if (event.type === 'header') {
    // The format fields first, so that a reader meets them early in the line.
    const { type, ...rest } = event;
    return { type, time, format: TRACE_FORMAT, version: TRACE_FORMAT_VERSION, ...rest };
  }
  return { ...event, time } as TraceRecord;
}

/** The event a record was written from (the record without `time`, the header without its format fields). */
export function eventOfRecord(record: TraceRecord): TrainerEvent {
  if (record.type === 'header') {
    const { time: _time, format: _format, version: _version, ...event } = record;
    return event;
  }
  const { time: _time, ...event } = record;
  return event as TrainerEvent;
}

/**
 * The fatal error a client appends for a trainer that died without saying
 * why (written after the trainer's last step, so `steps` is the last step
 * it recorded).
 */
export function killedRecord(why: string, steps: number, time: number): TraceRecordOf<'error'> {
  return { type: 'error', time, fatal: true, killed: true, error: { message: `${why} (after step ${steps})` } };
}

/** One trace line, without the newline. `type` always comes first, then `time`. */
export function encodeTraceRecord(record: TraceRecord): string {
  // Key order is creation order: `type` first lets a writer recognize a trace
  // by its first bytes; `time` next keeps the lines easy to read.
  const ordered: Record<string, unknown> = { type: record.type, time: record.time };
  Object.assign(ordered, record);
  return encodeJson(ordered);
}
