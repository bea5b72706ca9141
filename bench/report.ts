// Results of `npm run bench`: the records of bench/results.json, and the
// markdown table printed on stdout with the previous results beside the new.

import * as fs from 'node:fs';

export type Variant = 'fit' | 'instrumented-default' | 'instrumented-full' | 'pytorch';

export interface BenchResult {
  model: string;
  batch: number;
  variant: Variant;
  /** Backend the variant ran on: tfjs backend name, or `pytorch <version> (<n> threads)`. */
  backend: string;
  /** Median over the runs. */
  samplesPerSec: number;
  /** Samples/s of each run, in run order. */
  runs: number[];
  /** 1-minute load average when each run ended (the machine is shared). */
  loadAvg: number[];
  /** Instrumented variants: median over runs of (this run / the fit run of the same round). */
  ratioToFit?: number;
}

export interface ResultsFile {
  results: BenchResult[];
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Reads a previous results file (the array of records; an object with `results` is accepted too). */
export function readPrevious(file: string): ResultsFile | null {
  if (!fs.existsSync(file)) return null;
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    if (Array.isArray(parsed)) return { results: parsed as BenchResult[] };
    return parsed as ResultsFile;
  } catch {
    return null;
  }
}

/** Writes bench/results.json: the array of records (start-up and soak figures are printed, not stored). */
export function writeResults(file: string, results: BenchResult[]): void {
  fs.writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
}

export function formatRate(samplesPerSec: number): string {
  if (!Number.isFinite(samplesPerSec)) return '–';
  if (samplesPerSec >= 10_000) return `${(samplesPerSec / 1000).toFixed(1)}k`;
  if (samplesPerSec >= 1000) return `${(samplesPerSec / 1000).toFixed(2)}k`;
  return samplesPerSec.toFixed(0);
}

const COLUMNS: Variant[] = ['fit', 'instrumented-default', 'instrumented-full', 'pytorch'];

function cell(result: BenchResult | undefined, previous: BenchResult | undefined, fit: BenchResult | undefined): string {
  if (!result) return previous ? `– (prev ${formatRate(previous.samplesPerSec)})` : '–';
  let text = formatRate(result.samplesPerSec);
  if (result.ratioToFit !== undefined) text += ` (${result.ratioToFit.toFixed(2)}×)`;
  else if (result.variant === 'pytorch' && fit) text += ` (fit ${(fit.samplesPerSec / result.samplesPerSec).toFixed(2)}×)`;
  if (previous) text += ` [prev ${formatRate(previous.samplesPerSec)}]`;
  return text;
}

/** Markdown table: one row per model and batch size, one column per variant. */
export function formatTable(results: BenchResult[], previous: BenchResult[] = []): string {
  const find = (list: BenchResult[], model: string, batch: number, variant: Variant) =>
    list.find((r) => r.model === model && r.batch === batch && r.variant === variant);
  const rows: string[] = [
    '| model | batch | backend | fit | instrumented-default | instrumented-full | pytorch | load avg |',
    '|---|---:|---|---:|---:|---:|---:|---:|',
  ];
  const keys = [...new Map(results.map((r) => [`${r.model}/${r.batch}`, r])).values()];
  for (const { model, batch } of keys) {
    const fit = find(results, model, batch, 'fit');
    const cells = COLUMNS.map((v) => cell(find(results, model, batch, v), find(previous, model, batch, v), fit));
    const loads = results.filter((r) => r.model === model && r.batch === batch).flatMap((r) => r.loadAvg);
    const load = loads.length ? `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}` : '–';
    rows.push(`| ${model} | ${batch} | ${fit?.backend ?? '–'} | ${cells.join(' | ')} | ${load} |`);
  }
  return rows.join('\n');
}
