// The long-run soak (issue 9): the spiral MLP for 100,000 steps in the real
// trainer child with the default statistics schedule and a trace, sampling
// every 10,000 steps the child's tensor count, its RSS and wasm heap, and the
// parent's message backlog (how long the latest probe message waited in the
// protocol pipe before the parent handled it, and how many step messages that
// delay holds at the current rate). They should stay flat.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TrainerEvent } from '../src/shared/protocol';
import { TrainerProcess } from '../src/client/trainerProcess';
import { repoRoot } from './models';
import { probeReport, processMemoryMb, type ProbeReport } from './trainerProbe';

export interface SoakSample {
  step: number;
  seconds: number;
  stepsPerSec: number;
  numTensors: number | null;
  trainerRssMb: number | null;
  wasmHeapMb: number | null;
  /** Parent-side delay of the latest probe message, ms. */
  backlogMs: number | null;
  /** backlogMs times the current step rate: step messages waiting. */
  backlogMessages: number | null;
  parentHeapMb: number;
}

export interface SoakResult {
  samples: SoakSample[];
  trainerPeakRssMb: number | null;
  traceMb: number;
}

export async function runSoak(steps: number, every: number, log: (line: string) => void): Promise<SoakResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nd-soak-'));
  const traceFile = path.join(dir, 'soak.jsonl');
  // The bench bundle doubles as a probed trainer child (see main.ts).
  const benchScript = path.join(repoRoot(), 'dist', 'bench.js');
  process.env.ND_BENCH_CHILD = 'trainer';
  const trainer = new TrainerProcess({ modelFile: path.join(repoRoot(), 'examples', 'spiral-mlp.nn.json'), steps, epochs: steps, traceFile }, benchScript);
  delete process.env.ND_BENCH_CHILD;
  const samples: SoakSample[] = [];
  const started = performance.now();
  let probe: ProbeReport | null = null;
  let probeDelayMs: number | null = null;
  let lastSample = { step: 0, at: started };
  let failure: string | null = null;
  let peak: number | null = null;
  trainer.on('event', (event: TrainerEvent) => {
    const report = probeReport(event);
    if (report) {
      probe = report;
      probeDelayMs = Date.now() - report.sentAt;
      return;
    }
    if (event.type === 'error') failure = event.error.message;
    if (event.type === 'finished') peak = processMemoryMb(trainer.pid)?.peak ?? null;
    if (event.type !== 'step' || event.stats.step % every !== 0) return;
    const now = performance.now();
    const stepsPerSec = ((event.stats.step - lastSample.step) * 1000) / (now - lastSample.at);
    lastSample = { step: event.stats.step, at: now };
    const p = probe as ProbeReport | null;
    const sample: SoakSample = {
      step: event.stats.step,
      seconds: (now - started) / 1000,
      stepsPerSec,
      numTensors: p?.numTensors ?? null,
      trainerRssMb: processMemoryMb(trainer.pid)?.rss ?? p?.rssMb ?? null,
      wasmHeapMb: p?.wasmHeapMb ?? null,
      backlogMs: probeDelayMs,
      backlogMessages: probeDelayMs === null ? null : Math.round((probeDelayMs * stepsPerSec) / 1000),
      parentHeapMb: process.memoryUsage().heapUsed / 2 ** 20,
    };
    samples.push(sample);
    log(formatSample(sample));
  });
  try {
    const exit = await trainer.exitPromise;
    if (failure || exit.code !== 0) throw new Error(`soak trainer failed (exit ${exit.code}): ${failure ?? trainer.stderr.slice(-500)}`);
    const traceMb = fs.statSync(traceFile).size / 2 ** 20;
    return { samples, trainerPeakRssMb: peak, traceMb };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const fixed = (v: number | null, digits = 1) => (v === null ? '–' : v.toFixed(digits));

export function formatSample(s: SoakSample): string {
  return (
    `soak step ${s.step}: ${s.seconds.toFixed(0)} s, ${s.stepsPerSec.toFixed(0)} steps/s, tensors ${s.numTensors ?? '–'}, ` +
    `trainer RSS ${fixed(s.trainerRssMb)} MB, wasm heap ${fixed(s.wasmHeapMb)} MB, ` +
    `backlog ${fixed(s.backlogMs, 0)} ms (~${s.backlogMessages ?? '–'} messages), parent heap ${fixed(s.parentHeapMb)} MB`
  );
}

/** One line comparing the first and last samples. */
export function soakVerdict(result: SoakResult): string {
  const first = result.samples[0];
  const last = result.samples[result.samples.length - 1];
  if (!first || !last) return 'soak: no samples';
  const growth = (a: number | null, b: number | null) =>
    a === null || b === null ? '–' : `${a.toFixed(1)} → ${b.toFixed(1)} (${b >= a ? '+' : ''}${(((b - a) / a) * 100).toFixed(1)}%)`;
  return (
    `soak ${first.step}→${last.step} steps: tensors ${first.numTensors} → ${last.numTensors}, ` +
    `trainer RSS MB ${growth(first.trainerRssMb, last.trainerRssMb)}, wasm heap MB ${growth(first.wasmHeapMb, last.wasmHeapMb)}, ` +
    `max backlog ${Math.max(...result.samples.map((s) => s.backlogMs ?? 0))} ms, trainer peak RSS ${fixed(result.trainerPeakRssMb)} MB, ` +
    `trace ${result.traceMb.toFixed(0)} MB`
  );
}

/** Markdown table of the soak samples. */
export function formatSoakSummary(result: SoakResult): string {
  return [
    '| step | time s | steps/s | tensors | trainer RSS MB | wasm heap MB | backlog ms (messages) | parent heap MB |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...result.samples.map(
      (s) =>
        `| ${s.step} | ${s.seconds.toFixed(0)} | ${s.stepsPerSec.toFixed(0)} | ${s.numTensors ?? '–'} | ${fixed(s.trainerRssMb)} | ` +
        `${fixed(s.wasmHeapMb)} | ${fixed(s.backlogMs, 0)} (${s.backlogMessages ?? '–'}) | ${fixed(s.parentHeapMb)} |`,
    ),
  ].join('\n');
}
