// Runs bench/pytorch_bench.py when a Python with torch is available (the
// `python3` first on PATH may be a build that does not see Debian's
// python3-torch, so /usr/bin/python3 is tried too); otherwise one skip line.

import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { BenchResult } from './report';
import { repoRoot } from './models';

const PYTHONS = ['python3', '/usr/bin/python3'];

function findTorchPython(): { python: string; version: string } | null {
  for (const python of PYTHONS) {
    const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return { python, version: r.stdout.trim() };
  }
  return null;
}

export interface PytorchOptions {
  models: string[];
  batches: number[];
  runs: number;
  seconds: number;
  threads: number;
  log: (line: string) => void;
}

/** PyTorch results, or null (after logging one line saying why) when it cannot run. */
export function runPytorch(options: PytorchOptions): BenchResult[] | null {
  const found = findTorchPython();
  if (!found) {
    options.log(`pytorch: skipped — no Python with torch (tried ${PYTHONS.join(', ')}; on Debian: apt install python3-torch libopenblas0-pthread)`);
    return null;
  }
  options.log(`pytorch: ${found.python}, torch ${found.version}, ${options.threads} thread(s), OPENBLAS_NUM_THREADS=1`);
  const script = path.join(repoRoot(), 'bench', 'pytorch_bench.py');
  const r = spawnSync(
    found.python,
    [script, '--models', options.models.join(','), '--batches', options.batches.join(','), '--runs', String(options.runs),
      '--seconds', String(options.seconds), '--threads', String(options.threads)],
    { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: String(options.threads) }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const last = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !last.startsWith('{')) {
    options.log(`pytorch: skipped — bench/pytorch_bench.py failed (exit ${r.status})`);
    return null;
  }
  const out = JSON.parse(last) as {
    torch: string;
    threads: number;
    results: { model: string; batch: number; samplesPerSec: number; runs: number[]; loadAvg: number }[];
  };
  return out.results.map((x) => ({
    model: x.model,
    batch: x.batch,
    variant: 'pytorch' as const,
    backend: `pytorch ${out.torch} (${out.threads} thread${out.threads === 1 ? '' : 's'})`,
    samplesPerSec: x.samplesPerSec,
    runs: x.runs,
    loadAvg: x.runs.map(() => x.loadAvg),
  }));
}
