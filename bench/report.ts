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
  /** tfjs variants, when PyTorch ran interleaved with them: median over runs of (this run / the faster PyTorch run of the same round). */
  ratioToPytorch?: number;
  /** tfjs variants: the native kernels' thread count. */
  threads?: number;
  /** PyTorch: torch.set_num_threads. */
  torchThreads?: number;
  /** tfjs variants on more than one thread: median over runs of (this run / the same variant on one thread in the same round). */
  speedupOverOneThread?: number;
}

export interface ResultsFile {
  results: BenchResult[];
}

/** The value at percentile p (0–100) of ascending `sorted` (the nearest rank below); NaN when empty. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
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

function cell(result: BenchResult | undefined, previous: BenchResult | undefined, fit: BenchResult | undefined, ours: BenchResult | undefined): string {
  if (!result) return previous ? `– (prev ${formatRate(previous.samplesPerSec)})` : '–';
  let text = formatRate(result.samplesPerSec);
  if (result.ratioToFit !== undefined) text += ` (${result.ratioToFit.toFixed(2)}×)`;
  else if (result.variant === 'pytorch') {
    // Per-round ratios of tfjs to PyTorch, measured in the same rounds (bench/pytorch.ts).
    const ratios = [
      fit?.ratioToPytorch !== undefined ? `fit ${fit.ratioToPytorch.toFixed(2)}×` : null,
      ours?.ratioToPytorch !== undefined ? `ours ${ours.ratioToPytorch.toFixed(2)}×` : null,
    ].filter((r) => r !== null);
    if (ratios.length) text += ` (${ratios.join(', ')})`;
  }
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
    const ours = find(results, model, batch, 'instrumented-default');
    const cells = COLUMNS.map((v) => cell(find(results, model, batch, v), find(previous, model, batch, v), fit, ours));
    const loads = results.filter((r) => r.model === model && r.batch === batch).flatMap((r) => r.loadAvg);
    const load = loads.length ? `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}` : '–';
    const backend = results.find((r) => r.model === model && r.batch === batch && r.variant !== 'pytorch')?.backend ?? '–';
    rows.push(`| ${model} | ${batch} | ${backend} | ${cells.join(' | ')} | ${load} |`);
  }
  return rows.join('\n');
}

/**
 * Markdown table of thread scaling: one row per model, batch size and tfjs
 * variant; samples/s on each kernel thread count (speed-up over one thread),
 * PyTorch on each of its thread counts, and ours on the most threads / the
 * faster PyTorch.
 */
export function formatScaling(results: BenchResult[], threads: number[], torchThreads: number[]): string {
  const header = [
    '| model | batch | variant |',
    ...threads.map((t) => ` ours ${t}T |`),
    ...torchThreads.map((t) => ` pytorch ${t}T |`),
    ` ours ${Math.max(...threads)}T / best pytorch | load avg |`,
  ].join('');
  const rows = [header, `|---|---:|---|${'---:|'.repeat(threads.length + torchThreads.length + 2)}`];
  const groups = [...new Map(results.filter((r) => r.variant !== 'pytorch').map((r) => [`${r.model}/${r.batch}/${r.variant}`, r])).values()];
  for (const { model, batch, variant } of groups) {
    const mine = results.filter((r) => r.model === model && r.batch === batch && r.variant === variant);
    const torch = results.filter((r) => r.model === model && r.batch === batch && r.variant === 'pytorch');
    const ours = threads.map((t) => {
      const r = mine.find((m) => m.threads === t);
      if (!r) return '–';
      return formatRate(r.samplesPerSec) + (r.speedupOverOneThread !== undefined ? ` (${r.speedupOverOneThread.toFixed(2)}×)` : '');
    });
    const theirs = torchThreads.map((t) => {
      const r = torch.find((p) => p.torchThreads === t);
      return r ? formatRate(r.samplesPerSec) : '–';
    });
    const most = mine.find((m) => m.threads === Math.max(...threads));
    const ratio = most?.ratioToPytorch !== undefined ? `${most.ratioToPytorch.toFixed(2)}×` : '–';
    const loads = [...mine, ...torch].flatMap((r) => r.loadAvg);
    const load = loads.length ? `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}` : '–';
    rows.push(`| ${model} | ${batch} | ${variant} | ${[...ours, ...theirs, ratio, load].join(' | ')} |`);
  }
  return rows.join('\n');
}
