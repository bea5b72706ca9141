// What "Open run trace" lists: the recorded runs of the runs folders and the
// traces of this window's sessions, newest first, each described from its
// trace's first and last lines (src/node/runTraces.ts). No `vscode` import:
// unit-tested under mocha.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { listRuns, readRunSummary, type RunSummary } from '../node/runTraces';

/** One row of the picker. */
export interface RunPickRow {
  /** The model's name. */
  label: string;
  /** When the run started, local time. */
  description: string;
  /** Steps, outcome and size. */
  detail: string;
  file: string;
}

/** Every run of `dirs` and every existing file of `traces`, once each, newest first. */
export function collectRuns(dirs: readonly string[], traces: readonly string[]): RunSummary[] {
  const byFile = new Map<string, RunSummary>();
  for (const dir of dirs) for (const run of listRuns(dir)) byFile.set(path.resolve(run.file), run);
  for (const trace of traces) {
    const file = path.resolve(trace);
    if (byFile.has(file) || !fs.existsSync(file)) continue;
    try {
      byFile.set(file, readRunSummary(file));
    } catch {
      // Removed or unreadable: nothing to open.
    }
  }
  return [...byFile.values()].sort((a, b) => b.started.getTime() - a.started.getTime());
}

function localTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function outcome(run: RunSummary, running: boolean): string {
  const steps = `${run.steps.toLocaleString('en-US')} step${run.steps === 1 ? '' : 's'}`;
  if (running) return `running · ${steps} so far`;
  switch (run.outcome) {
    case 'completed':
      return `${steps} · completed`;
    case 'stopped':
      return `${steps} · stopped`;
    case 'error':
      return `${steps} · failed: ${run.message ?? 'error'}`;
    case 'killed':
      return `${steps} · killed`;
    case 'unfinished':
      return `${steps} · unfinished (no end record: killed, or running in another window)`;
  }
}

/** The picker's rows; `running` are the traces of this window's runs in progress. */
export function runPickRows(runs: readonly RunSummary[], running: ReadonlySet<string>): RunPickRow[] {
  const live = new Set(Array.from(running, (f) => path.resolve(f)));
  return runs.map((run) => ({
    label: run.model,
    description: localTime(run.started),
    detail: `${outcome(run, live.has(path.resolve(run.file)))} · ${size(run.bytes)} · ${path.basename(run.file)}`,
    file: run.file,
  }));
}
