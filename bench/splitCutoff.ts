// `npm run bench -- --only split-cutoff`: how the split cut-off
// (MIN_FLOPS_PER_THREAD, src/trainer/backend/native/module.ts) was chosen.
// The trainer's instrumented loop on one kernel thread, and on two threads
// with each candidate cut-off, in interleaved rounds (the machine is shared);
// per model and batch the speed-up of each two-thread column over one thread,
// the median of the per-round ratios. A kernel call is split only when each
// part gets at least the cut-off's floating-point operations. Results:
// docs/performance.md, "Threads".

import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { nativeKernels, SPLIT_CUTOFF, type SplitCutoff } from '../src/trainer/backend/native/module';
import { benchModel, MODEL_LABELS, type ModelName } from './models';
import { median } from './report';
import { batchesPerEpochFor, calibrateStepMs, makeRunner, SLICE_MS } from './variants';

/** Flat cut-offs (the same awake or asleep) and the adaptive one in use. */
export const CANDIDATE_CUTOFFS: { label: string; cutoff: SplitCutoff }[] = [
  { label: 'flat 400k', cutoff: { awake: 400_000, asleep: 400_000 } },
  { label: 'flat 6.4M', cutoff: { awake: 6_400_000, asleep: 6_400_000 } },
  { label: `${SPLIT_CUTOFF.awake / 1e3}k awake, ${SPLIT_CUTOFF.asleep / 1e6}M asleep (in use)`, cutoff: SPLIT_CUTOFF },
];

export interface SplitCutoffResult {
  model: ModelName;
  batch: number;
  oneThread: number;
  /** Per candidate cut-off: two-thread samples/s and speed-up over one thread (median of rounds). */
  twoThreads: { label: string; rate: number; speedup: number }[];
}

export async function measureSplitCutoff(
  name: ModelName,
  batch: number,
  rounds: number,
  seconds: number,
  log: (line: string) => void,
): Promise<SplitCutoffResult> {
  const native = nativeKernels(tf.backend() as BackendWasm);
  if (!native || native.threads < 2) throw new Error('split-cutoff needs the native kernels and a pool of 2 threads (--threads 1,2)');
  const restore = native.splitCutoff;
  const batchesPerEpoch = batchesPerEpochFor(calibrateStepMs(benchModel(name, batch), batch));
  const runner = await makeRunner('instrumented-default', benchModel(name, batch * batchesPerEpoch), { batch, batchesPerEpoch });
  const columns = [{ threads: 1, label: '1T', cutoff: restore }, ...CANDIDATE_CUTOFFS.map((c) => ({ threads: 2, ...c }))];
  const rates = columns.map(() => [] as number[]);
  try {
    for (let round = 0; round < rounds; round++) {
      const totals = columns.map(() => ({ samples: 0, seconds: 0 }));
      while (totals.some((t) => t.seconds < seconds)) {
        for (let k = 0; k < columns.length; k++) {
          const c = (k + round) % columns.length; // rotate the order each round
          native.limitThreads(columns[c].threads);
          native.splitCutoff = columns[c].cutoff;
          const t = await runner.slice(SLICE_MS);
          totals[c].samples += t.samples;
          totals[c].seconds += t.seconds;
        }
      }
      totals.forEach((t, c) => rates[c].push(t.samples / t.seconds));
      log(
        `  ${name} batch ${batch} round ${round + 1}: ${totals.map((t, c) => `${columns[c].threads === 1 ? '1T' : `2T ${columns[c].label}`} ${(t.samples / t.seconds).toFixed(0)}`).join(', ')} samples/s`,
      );
    }
  } finally {
    native.limitThreads(Infinity);
    native.splitCutoff = restore;
    runner.dispose();
  }
  return {
    model: name,
    batch,
    oneThread: median(rates[0]),
    twoThreads: CANDIDATE_CUTOFFS.map(({ label }, i) => ({
      label,
      rate: median(rates[i + 1]),
      speedup: median(rates[i + 1].map((r, round) => r / rates[0][round])),
    })),
  };
}

export function formatSplitCutoff(results: SplitCutoffResult[], rounds: number): string {
  const rate = (n: number) => (n >= 1e4 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0));
  const head = `| model | batch | 1 thread | ${CANDIDATE_CUTOFFS.map((c) => `2 threads, ${c.label}`).join(' | ')} |`;
  const rule = `|---|---:|---:|${CANDIDATE_CUTOFFS.map(() => '---:').join('|')}|`;
  const rows = results.map(
    (r) =>
      `| ${MODEL_LABELS[r.model]} | ${r.batch} | ${rate(r.oneThread)} | ${r.twoThreads.map((t) => `${rate(t.rate)} (${t.speedup.toFixed(2)}×)`).join(' | ')} |`,
  );
  return [
    head,
    rule,
    ...rows,
    '',
    `(samples/s of the instrumented loop, default statistics; median of ${rounds} interleaved round(s); ×: speed-up over one thread, median of the per-round ratios)`,
  ].join('\n');
}
