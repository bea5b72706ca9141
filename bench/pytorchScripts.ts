// The `pytorch-probe` part of `npm run bench`: the PyTorch examples
// (examples/pytorch/mnist_mlp.py, cifar10_cnn.py) run as whole scripts, one
// process per run, each variant in turn within a round so that the ratios
// between variants are taken under the same machine load. The samples/s of a
// run is what the script itself prints on its `throughput:` line: training
// steps 2…N only, so interpreter start-up, imports, data loading, the first
// step's lazy initialisation and the validation passes are not in it.
//
// Variants: `plain` runs `python SCRIPT ARGS…`. The debugger's probe adds
// its variants to SCRIPT_VARIANTS (`python -m neural_debugger_probe SCRIPT
// ARGS…` with PYTHONPATH=python/); the ratios to `plain` are then printed.

import { spawn } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from './models';
import { median } from './report';

/** One way of running a training script: the interpreter's arguments and extra environment. */
export interface ScriptVariant {
  name: string;
  argv(script: string, scriptArgs: string[]): string[];
  env?: Record<string, string>;
}

export const SCRIPT_VARIANTS: ScriptVariant[] = [{ name: 'plain', argv: (script, scriptArgs) => [script, ...scriptArgs] }];

export interface BenchScript {
  name: string;
  /** Relative to the repository root. */
  script: string;
  /** Training steps per run (one epoch of that many batches; the first is not timed). */
  steps: number;
  batch: number;
}

/** Steps chosen so that one run trains for a few seconds on a loaded 2-core machine. */
export const BENCH_SCRIPTS: BenchScript[] = [
  { name: 'mnist_mlp', script: 'examples/pytorch/mnist_mlp.py', steps: 300, batch: 64 },
  { name: 'cifar10_cnn', script: 'examples/pytorch/cifar10_cnn.py', steps: 60, batch: 64 },
];

export interface ScriptRun {
  samplesPerSec: number;
  /** Wall-clock seconds of the whole process, start-up included. */
  wallSeconds: number;
}

const THROUGHPUT = /^throughput: (\d+(?:\.\d+)?) samples\/s/m;

/** The samples/s of a script's `throughput:` line, or null when it printed none. */
export function parseThroughput(stdout: string): number | null {
  const m = THROUGHPUT.exec(stdout);
  return m ? Number(m[1]) : null;
}

export interface ScriptRunOptions {
  python: string;
  /** Torch's threads (OMP_NUM_THREADS); OpenBLAS stays at 1 as in bench/pytorch.ts. */
  threads: number;
  timeoutMs?: number;
}

/** Runs `script` once under `variant` (epochs 1, `steps` batches) and reads its throughput line. */
export function runScript(script: BenchScript, variant: ScriptVariant, options: ScriptRunOptions): Promise<ScriptRun> {
  const scriptArgs = ['--epochs', '1', '--limit-batches', String(script.steps), '--batch-size', String(script.batch)];
  const argv = variant.argv(path.join(repoRoot(), script.script), scriptArgs);
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(options.python, argv, {
      cwd: repoRoot(),
      env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: String(options.threads), ...variant.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 600_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) => reject(new Error(`${script.name} (${variant.name}): ${options.python}: ${e.message}`)));
    child.on('close', (code, signal) => {
      const rate = parseThroughput(stdout);
      if (code !== 0 || rate === null) {
        const tail = stderr.trim().split('\n').slice(-3).join(' | ');
        reject(
          new Error(`${script.name} (${variant.name}): exited ${signal ?? `with code ${code}`} ${rate === null ? 'without a throughput line' : ''}: ${tail}`),
        );
        return;
      }
      resolve({ samplesPerSec: rate, wallSeconds: Number(process.hrtime.bigint() - started) / 1e9 });
    });
  });
}

export interface ScriptResult {
  script: string;
  variant: string;
  steps: number;
  batch: number;
  /** Median over the rounds. */
  samplesPerSec: number;
  runs: number[];
  wallSeconds: number[];
  /** Variants other than plain: median over rounds of (this run / the plain run of the same round). */
  ratioToPlain?: number;
}

/** `rounds` rounds; in each, every script under every variant once, the variants' order rotated per round. */
export async function benchScripts(
  options: ScriptRunOptions & { rounds: number; log: (line: string) => void; scripts?: BenchScript[]; variants?: ScriptVariant[] },
): Promise<ScriptResult[]> {
  const variants = options.variants ?? SCRIPT_VARIANTS;
  const results: ScriptResult[] = [];
  for (const script of options.scripts ?? BENCH_SCRIPTS) {
    const runs = new Map<string, ScriptRun[]>(variants.map((v) => [v.name, []]));
    for (let round = 0; round < options.rounds; round++) {
      for (let i = 0; i < variants.length; i++) {
        const variant = variants[(i + round) % variants.length];
        const run = await runScript(script, variant, options);
        runs.get(variant.name)!.push(run);
        options.log(
          `  ${script.name} round ${round + 1} ${variant.name}: ${run.samplesPerSec.toFixed(0)} samples/s (${run.wallSeconds.toFixed(1)} s wall, load ${os.loadavg()[0].toFixed(1)})`,
        );
      }
    }
    const plain = runs.get('plain');
    for (const variant of variants) {
      const list = runs.get(variant.name)!;
      const result: ScriptResult = {
        script: script.script,
        variant: variant.name,
        steps: script.steps,
        batch: script.batch,
        samplesPerSec: median(list.map((r) => r.samplesPerSec)),
        runs: list.map((r) => Math.round(r.samplesPerSec)),
        wallSeconds: list.map((r) => Math.round(r.wallSeconds * 10) / 10),
      };
      if (variant.name !== 'plain' && plain) result.ratioToPlain = median(list.map((r, i) => r.samplesPerSec / plain[i].samplesPerSec));
      results.push(result);
    }
  }
  return results;
}

/** The markdown table of the results: one row per script and variant. */
export function formatScriptTable(results: ScriptResult[]): string {
  const rows = ['| script | steps × batch | variant | samples/s (median) | runs | × plain | wall s per run |', '|---|---|---|---|---|---|---|'];
  for (const r of results) {
    rows.push(
      `| ${r.script} | ${r.steps} × ${r.batch} | ${r.variant} | ${r.samplesPerSec.toFixed(0)} | ${r.runs.join(', ')} | ${r.ratioToPlain === undefined ? '–' : `${r.ratioToPlain.toFixed(2)}×`} | ${r.wallSeconds.join(', ')} |`,
    );
  }
  return rows.join('\n');
}
