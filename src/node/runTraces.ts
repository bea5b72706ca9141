// The runs folder (`<workspace>/.neural-debugger/runs`, where the extension
// writes a trace per run): what each run was, read cheaply from the first
// and last lines of its trace (never the whole file), and the retention
// policy that deletes the oldest runs. docs/trace-format.md ("Runs folder").

import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeJson } from '../shared/json';

/** `<model>-<yyyymmdd-hhmmss>.jsonl` (runTracePath): the names of the traces of a runs folder; retention touches no other file. */
const RUN_TRACE_NAME = /^(.+)-(\d{8}-\d{6})\.jsonl$/;

/** `<dir>/<model>-<yyyymmdd-hhmmss>.jsonl` for a run started at `now` (local time), `model` made safe for a file name. */
export function runTracePath(dir: string, model: string, now: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  const name = model.replace(/[^\w.-]+/g, '_') || 'model';
  return path.join(dir, `${name}-${stamp}.jsonl`);
}
/** Longest first line read for a header (a large model's topology). */
const MAX_HEADER_BYTES = 4 << 20;
/** Bytes read from the end at first; doubled (up to MAX_TAIL_BYTES) while no complete line is found. */
const TAIL_BYTES = 64 << 10;
const MAX_TAIL_BYTES = 8 << 20;

type RunOutcome = 'completed' | 'stopped' | 'error' | 'killed' | 'unfinished';

/** One run trace, as the picker lists it. */
export interface RunSummary {
  file: string;
  /** The model's name (the header's topology), or the file name's model part when the header cannot be read. */
  model: string;
  /** The model file the run trained ('' when unknown). */
  modelFile: string;
  /** When the run started (the header's time; the file's time when there is no header). */
  started: Date;
  /** The last step the trace recorded. */
  steps: number;
  /** How the run ended: its end record, or `unfinished` (still running, or killed without a record). */
  outcome: RunOutcome;
  /** Why it failed, for `error` and `killed`. */
  message?: string;
  bytes: number;
  modifiedMs: number;
}

/**
 * Defaults of the `neuralDebugger.runs.*` settings (package.json's, written by
 * `npm run sync-package`): a model's last 20 runs, 1 GiB in all (a trace's
 * size per step: docs/performance.md).
 */
export const DEFAULT_RUNS_SETTINGS = { writeTrace: true, keepPerModel: 20, maxSizeMB: 1024 } as const;

/** Retention of the runs folder; 0 turns a limit off. */
export interface RunRetention {
  /** Keep the newest N traces of each model. */
  keepPerModel: number;
  /** Keep the newest traces up to this many bytes in all. */
  maxTotalBytes: number;
}

interface RunFile {
  file: string;
  /** The model part of the file name. */
  model: string;
  /** The time stamp of the file name (sorts by time). */
  stamp: string;
  bytes: number;
  modifiedMs: number;
}

/** The run traces of `dir` the extension named, newest first (an absent folder has none). */
function runFiles(dir: string): RunFile[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const files: RunFile[] = [];
  for (const name of names) {
    const match = RUN_TRACE_NAME.exec(name);
    if (!match) continue;
    const file = path.join(dir, name);
    try {
      const stat = fs.statSync(file);
      if (stat.isFile()) files.push({ file, model: match[1], stamp: match[2], bytes: stat.size, modifiedMs: stat.mtimeMs });
    } catch {
      // Deleted meanwhile (another window's retention): not a run any more.
    }
  }
  return files.sort((a, b) => b.stamp.localeCompare(a.stamp) || b.modifiedMs - a.modifiedMs);
}

function readAt(fd: number, position: number, length: number): string {
  const buffer = Buffer.alloc(length);
  const n = fs.readSync(fd, buffer, 0, length, position);
  return buffer.subarray(0, n).toString('utf8');
}

function parseLine(line: string): Record<string, unknown> | null {
  try {
    const value = decodeJson(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The first line's record, read in growing blocks up to MAX_HEADER_BYTES. */
function readHead(fd: number, size: number): Record<string, unknown> | null {
  for (let length = TAIL_BYTES; ; length *= 2) {
    const text = readAt(fd, 0, Math.min(length, size));
    const newline = text.indexOf('\n');
    if (newline !== -1) return parseLine(text.slice(0, newline));
    if (length >= size) return parseLine(text);
    if (length >= MAX_HEADER_BYTES) return null;
  }
}

/**
 * Calls `visit` with the records of the file's last complete lines, last
 * first, until it returns true; reads a larger block from the end (up to
 * MAX_TAIL_BYTES) while none did. A line that is not JSON (cut by a kill) is skipped.
 */
function scanTail(fd: number, size: number, visit: (record: Record<string, unknown>) => boolean): void {
  for (let length = TAIL_BYTES; ; length *= 2) {
    const start = Math.max(0, size - length);
    const lines = readAt(fd, start, size - start).split('\n');
    if (start > 0) lines.shift(); // cut by the block's start
    for (let i = lines.length - 1; i >= 0; i--) {
      const record = lines[i].trim() === '' ? null : parseLine(lines[i]);
      if (record !== null && visit(record)) return;
    }
    if (start === 0 || length >= MAX_TAIL_BYTES) return;
  }
}

/** The step a record stands for: a compact step line's first number, a full step's or pause's `step`. */
function stepOfLine(record: Record<string, unknown>): number | null {
  if (Array.isArray(record.s) && typeof record.s[0] === 'number') return record.s[0];
  const stats = record.stats as { step?: unknown } | undefined;
  if (record.type === 'step' && typeof stats?.step === 'number') return stats.step;
  if (record.type === 'stopped' && typeof record.step === 'number') return record.step;
  return null;
}

/** What a run trace says about its run, from its first line and its last lines. */
export function readRunSummary(file: string): RunSummary {
  const stat = fs.statSync(file);
  const named = RUN_TRACE_NAME.exec(path.basename(file));
  const summary: RunSummary = {
    file,
    model: named?.[1] ?? path.basename(file, '.jsonl'),
    modelFile: '',
    started: new Date(stat.mtimeMs),
    steps: 0,
    outcome: 'unfinished',
    bytes: stat.size,
    modifiedMs: stat.mtimeMs,
  };
  const fd = fs.openSync(file, 'r');
  try {
    const header = readHead(fd, stat.size);
    if (header?.type === 'header' || header?.kind === 'header') {
      const topology = header.topology as { name?: unknown } | undefined;
      const settings = header.settings as { modelFile?: unknown } | undefined;
      if (typeof topology?.name === 'string' && topology.name !== '') summary.model = topology.name;
      if (typeof settings?.modelFile === 'string') summary.modelFile = settings.modelFile;
      if (typeof header.time === 'number') summary.started = new Date(header.time);
    }
    scanTail(fd, stat.size, (record) => {
      if (record.type === 'finished' && (record.reason === 'completed' || record.reason === 'stopped')) {
        summary.outcome = record.reason;
        if (typeof record.steps === 'number') summary.steps = record.steps;
        return true;
      }
      if (record.type === 'error' && record.fatal === true) {
        summary.outcome = record.killed === true ? 'killed' : 'error';
        const error = record.error as { message?: unknown } | undefined;
        if (typeof error?.message === 'string') summary.message = error.message;
        return false; // the steps come from the records before it
      }
      const step = stepOfLine(record);
      if (step !== null) summary.steps = step;
      return step !== null;
    });
  } finally {
    fs.closeSync(fd);
  }
  return summary;
}

/** The runs of `dir`, newest first; a trace that cannot be read at all is left out. */
export function listRuns(dir: string): RunSummary[] {
  const runs: RunSummary[] = [];
  for (const f of runFiles(dir)) {
    try {
      runs.push(readRunSummary(f.file));
    } catch {
      // Deleted or unreadable meanwhile: nothing to open.
    }
  }
  return runs;
}

/**
 * Deletes the oldest run traces of `dir` past the retention limits: beyond
 * the newest `keepPerModel` of each model, then beyond `maxTotalBytes` for
 * the folder (newest kept first). `starting` is the trace of the run about
 * to start (runTracePath): it counts as its model's newest, so that the
 * folder holds `keepPerModel` runs of the model with it. Files in `keep`
 * (the runs in progress) are never deleted, though they count towards the
 * size. Only traces named by runTracePath are touched. Returns the deleted files.
 */
export function pruneRuns(dir: string, retention: RunRetention, keep: ReadonlySet<string> = new Set(), starting?: string): string[] {
  const kept = new Set(Array.from(keep, (f) => path.resolve(f)));
  const perModel = new Map<string, number>();
  const startingModel = starting === undefined ? undefined : RUN_TRACE_NAME.exec(path.basename(starting))?.[1];
  if (startingModel !== undefined) perModel.set(startingModel, 1);
  let total = 0;
  // Once a run does not fit, no older one is kept for the size (a small old run does not outlive a larger newer one).
  let full = false;
  const deleted: string[] = [];
  for (const run of runFiles(dir)) {
    const count = (perModel.get(run.model) ?? 0) + 1;
    perModel.set(run.model, count);
    const overCount = retention.keepPerModel > 0 && count > retention.keepPerModel;
    full ||= retention.maxTotalBytes > 0 && total + run.bytes > retention.maxTotalBytes;
    const overSize = full;
    if (kept.has(path.resolve(run.file)) || !(overCount || overSize)) {
      total += run.bytes;
      continue;
    }
    try {
      fs.rmSync(run.file, { force: true });
      deleted.push(run.file);
    } catch {
      // In use or not ours to delete (permissions): kept, and counted.
      total += run.bytes;
    }
  }
  return deleted;
}
