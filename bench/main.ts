// `npm run bench` (dist/bench.js): training throughput of plain tfjs
// model.fit, the instrumented loop (default schedule / every statistic) and
// PyTorch on the same networks, all four trained in turns of half a second so
// that their ratios are measured under the same load; time to the first
// statistics; trainer RSS; the 100k-step soak; then the webview frame-time
// benchmark. Method and results: docs/performance.md.
//
//   node dist/bench.js [--quick] [--runs N] [--seconds S] [--models mlp,cnn,lstm,transformer]
//                      [--batches 32,64] [--variants fit,instrumented-default,instrumented-full] [--only PARTS] [--no-PART] [--soak] [--soak-steps N]
//                      [--torch-threads N] [--python FILE] [--profile] [--kernels] [--stock-kernels] [--out FILE]
// PARTS: throughput,pytorch,pytorch-probe,startup,wire,soak,webview (default all; --quick: all but
// soak and pytorch-probe, 1 run of 2 s); --only pytorch (without throughput) times PyTorch alone;
// pytorch-probe: a PyTorch script plain vs under the probe (bench/pytorchProbe.ts).
// --profile prints a per-kernel profile of one training step and exits;
// --kernels compares our replacement wasm kernels with the stock ones and
// exits; --stock-kernels runs with the stock kernels instead.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { BackendReport } from '../src/shared/stats';
import { nativeKernels, nativeKernelsError } from '../src/trainer/backend/native/module';
import { initBackend } from '../src/trainer/backend/select';
import { compareKernels, useStockKernels } from './kernels';
import { benchModel, MODEL_LABELS, MODEL_NAMES, repoRoot, type ModelName } from './models';
import { formatProfile, profileStep } from './profile';
import { findTorchPython, PytorchWorker } from './pytorch';
import { benchPytorchProbe } from './pytorchProbe';
import { formatTable, median, readPrevious, writeResults, type BenchResult, type Variant } from './report';
import { formatSoakSummary, runSoak, soakVerdict } from './soak';
import { measureStartup } from './startup';
import { startProbedTrainer } from './trainerProbe';
import { formatWire, measureWire, runWireSender } from './wire';
import { batchesPerEpochFor, calibrateStepMs, makeRunner, SLICE_MS, VARIANTS, type Runner, type TfjsVariant } from './variants';

const PARTS = ['throughput', 'pytorch', 'pytorch-probe', 'startup', 'wire', 'soak', 'webview'] as const;
type Part = (typeof PARTS)[number];

interface Options {
  quick: boolean;
  runs: number;
  seconds: number;
  models: ModelName[];
  batches: number[];
  variants: TfjsVariant[];
  parts: Set<Part>;
  torchThreads: number;
  python: string | undefined;
  soakSteps: number;
  profile: boolean;
  kernels: boolean;
  stockKernels: boolean;
  out: string;
}

/** Flags that take a value, and flags that stand alone (`--no-PART` for each part). */
const VALUE_FLAGS = ['--runs', '--seconds', '--models', '--variants', '--batches', '--only', '--torch-threads', '--python', '--soak-steps', '--out'];
const SWITCHES = ['--quick', '--soak', '--profile', '--kernels', '--stock-kernels', ...PARTS.map((p) => `--no-${p}`)];

export const USAGE = `usage: node dist/bench.js (npm run bench -- …)
  [--quick] [--runs N] [--seconds S] [--models mlp,cnn,lstm,transformer] [--batches 32,64]
  [--variants fit,instrumented-default,instrumented-full] [--only ${PARTS.join(',')}] [--no-PART]
  [--soak] [--soak-steps N] [--torch-threads N] [--python FILE] [--profile] [--kernels] [--stock-kernels] [--out FILE]
(method and results: docs/performance.md)`;

/** A bad command line: printed without a stack, exit code 2. */
class UsageError extends Error {}

/** Refuses a flag it does not know or a value flag without its value, naming it. */
function checkFlags(argv: string[]): void {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (VALUE_FLAGS.includes(arg)) {
      if (i + 1 >= argv.length || argv[i + 1].startsWith('--')) throw new UsageError(`${arg} needs a value`);
      i++;
    } else if (!SWITCHES.includes(arg)) {
      throw new UsageError(`unknown argument '${arg}'`);
    }
  }
}

function parseArgs(argv: string[]): Options {
  checkFlags(argv);
  const has = (flag: string) => argv.includes(flag);
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = has('--quick');
  const list = (flag: string, fallback: readonly string[], allowed: readonly string[]): string[] => {
    const items = value(flag)?.split(',') ?? [...fallback];
    for (const item of items) {
      if (!allowed.includes(item)) throw new UsageError(`${flag}: unknown '${item}'; use ${allowed.join(', ')}`);
    }
    return items;
  };
  const models = list('--models', MODEL_NAMES, MODEL_NAMES) as ModelName[];
  const variants = list('--variants', VARIANTS, VARIANTS) as TfjsVariant[];
  const batches = (value('--batches') ?? '32,64').split(',').map(Number);
  if (batches.some((b) => !Number.isInteger(b) || b < 1)) throw new UsageError('--batches: expected positive integers, e.g. 32,64');
  // --quick leaves out the soak and pytorch-probe (it times whole script runs, not slices).
  const parts = new Set(list('--only', quick ? PARTS.filter((p) => p !== 'soak' && p !== 'pytorch-probe') : PARTS, PARTS) as Part[]);
  if (has('--soak')) parts.add('soak');
  for (const part of PARTS) if (has(`--no-${part}`)) parts.delete(part);
  const positive = (flag: string, fallback: number, integer = true): number => {
    const raw = value(flag);
    const n = raw === undefined ? fallback : Number(raw);
    if (!(n > 0) || (integer && !Number.isInteger(n))) throw new UsageError(`${flag}: expected a positive ${integer ? 'whole ' : ''}number, got '${raw}'`);
    return n;
  };
  return {
    quick,
    runs: positive('--runs', quick ? 1 : 3),
    seconds: positive('--seconds', quick ? 2 : 5, false),
    models,
    batches,
    variants,
    parts,
    torchThreads: positive('--torch-threads', 1),
    python: value('--python'),
    soakSteps: positive('--soak-steps', 100_000),
    profile: has('--profile'),
    kernels: has('--kernels'),
    stockKernels: has('--stock-kernels'),
    out: path.resolve(value('--out') ?? path.join(repoRoot(), 'bench', 'results.json')),
  };
}

const log = (line: string) => process.stderr.write(line + '\n');
const load = () => os.loadavg()[0];

/** Which build of our own wasm kernels runs (src/trainer/backend/native), for the output's header. */
function nativeKernelsLine(backend: BackendReport): string {
  if (backend.name !== 'wasm') return `native kernels: not used (backend ${backend.name})`;
  const kernels = nativeKernels(tf.backend() as BackendWasm);
  if (!kernels) return `native kernels: none (${nativeKernelsError() ?? 'not loaded'})`;
  return `native kernels: ${kernels.variant}`;
}

/**
 * Runs every tfjs variant of one model and batch size, and PyTorch when
 * `torch` is given. Each round gives every participant at least `seconds` of
 * training, in slices of SLICE_MS taken in turn (order rotated each round),
 * so that all see the same load; ratios are taken within each round.
 */
async function benchPair(name: ModelName, batch: number, options: Options, backend: BackendReport, torch: PytorchWorker | null): Promise<BenchResult[]> {
  const tfjsVariants = options.parts.has('throughput') ? options.variants : [];
  const runners = new Map<Variant, Runner>();
  try {
    if (tfjsVariants.length) {
      const stepMs = calibrateStepMs(benchModel(name, batch), batch);
      const batchesPerEpoch = batchesPerEpochFor(stepMs);
      const m = benchModel(name, batch * batchesPerEpoch);
      for (const variant of tfjsVariants) runners.set(variant, await makeRunner(variant, m, { batch, batchesPerEpoch }));
    }
    if (torch) runners.set('pytorch', await torch.runner(name, batch));
    const variants = [...runners.keys()];
    if (!variants.length) return [];
    const runs = new Map<Variant, { rate: number; load: number }[]>(variants.map((v) => [v, []]));
    for (let round = 0; round < options.runs; round++) {
      const order = variants.map((_, i) => variants[(i + round) % variants.length]);
      const totals = new Map(variants.map((v) => [v, { samples: 0, seconds: 0 }]));
      while ([...totals.values()].some((t) => t.seconds < options.seconds)) {
        for (const variant of order) {
          const t = await runners.get(variant)!.slice(SLICE_MS);
          const total = totals.get(variant)!;
          total.samples += t.samples;
          total.seconds += t.seconds;
        }
      }
      for (const variant of variants) {
        const t = totals.get(variant)!;
        runs.get(variant)!.push({ rate: t.samples / t.seconds, load: load() });
        log(
          `  ${name} batch ${batch} round ${round + 1} ${variant}: ${(t.samples / t.seconds).toFixed(0)} samples/s (${t.samples} samples in ${t.seconds.toFixed(1)} s, load ${load().toFixed(1)})`,
        );
      }
    }
    const fitRuns = runs.get('fit');
    const torchRuns = runs.get('pytorch');
    const perRound = (list: { rate: number }[], base: { rate: number }[]) => median(list.map((r, i) => r.rate / base[i].rate));
    return variants.map((variant) => {
      const list = runs.get(variant)!;
      const result: BenchResult = {
        model: name,
        batch,
        variant,
        backend: variant === 'pytorch' ? torch!.backend : options.stockKernels ? `${backend.name} (stock kernels)` : backend.name,
        samplesPerSec: median(list.map((r) => r.rate)),
        runs: list.map((r) => Math.round(r.rate)),
        loadAvg: list.map((r) => Math.round(r.load * 100) / 100),
      };
      if (variant !== 'fit' && variant !== 'pytorch' && fitRuns) result.ratioToFit = perRound(list, fitRuns);
      if (variant !== 'pytorch' && torchRuns) result.ratioToPytorch = perRound(list, torchRuns);
      return result;
    });
  } finally {
    for (const runner of runners.values()) runner.dispose();
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const options = parseArgs(argv);
  // Stock means tfjs as shipped: none of our own kernels or fused layers either.
  if (options.stockKernels) process.env.NEURAL_DEBUGGER_NATIVE_KERNELS = 'off';
  const backend = await initBackend('auto');
  if (options.stockKernels) {
    const restored = useStockKernels();
    log(`stock wasm kernels restored: ${restored.join(', ')}`);
  }
  const native = nativeKernelsLine(backend);
  log(
    `backend: ${backend.name}${backend.reasons.length ? ` (${backend.reasons.join('; ')})` : ''}; ${native}; ${os.cpus().length} cores, load ${load().toFixed(1)}`,
  );

  if (options.kernels) {
    console.log(compareKernels());
    return;
  }
  if (options.profile) {
    for (const name of options.models) {
      for (const batch of options.batches) console.log(formatProfile(await profileStep(name, batch)) + '\n');
    }
    return;
  }

  if (options.parts.has('throughput') || options.parts.has('pytorch')) {
    const previous = readPrevious(options.out)?.results ?? [];
    const results: BenchResult[] = [];
    const torch = options.parts.has('pytorch') ? await PytorchWorker.start({ threads: options.torchThreads, python: options.python, log }) : null;
    try {
      for (const name of options.models) {
        log(`${MODEL_LABELS[name]}:`);
        for (const batch of options.batches) results.push(...(await benchPair(name, batch, options, backend, torch)));
      }
    } finally {
      await torch?.close();
    }
    console.log(`## Training throughput, samples/s (median of ${options.runs} run(s) of ≥ ${options.seconds} s; Adam; synthetic data)\n`);
    console.log(
      `Backend: ${backend.name}${options.stockKernels ? ' (stock kernels)' : ''}; ${native}${torch ? `; ${torch.backend}${options.parts.has('throughput') ? ', in turns with tfjs' : ' alone'}` : ''}.\n`,
    );
    console.log(formatTable(results, previous));
    console.log(
      '\n(×: instrumented / fit; pytorch: fit / pytorch and instrumented-default ("ours") / pytorch; all medians of the per-round ratios,' +
        ' each round training every column in turns of 0.5 s. [prev]: the previous results file.)',
    );
    writeResults(options.out, results);
    log(`wrote ${options.out}`);
  }

  if (options.parts.has('pytorch-probe')) {
    const found = findTorchPython(options.python ? [options.python] : ['python3', '/usr/bin/python3']);
    if (!found) log('pytorch-probe: skipped — no Python with torch (try --python FILE)');
    else console.log(`\n${benchPytorchProbe(found.python, options.quick ? 1 : options.runs, log)}`);
  }

  if (options.parts.has('startup')) {
    const startupRuns = [];
    for (let i = 0; i < (options.quick ? 1 : 5); i++) startupRuns.push(await measureStartup());
    const first = startupRuns.map((r) => r.firstStatsMs);
    const peaks = startupRuns.map((r) => r.peakRssMb).filter((v): v is number => v !== null);
    console.log(`\n## Start-up (examples/spiral-mlp.nn.json)\n`);
    console.log(
      `- spawn → first step statistics at the parent: median ${median(first).toFixed(0)} ms (runs: ${first.map((v) => v.toFixed(0)).join(', ')} ms; target ≤ 1500 ms)`,
    );
    console.log(`- milestones of the first run: ${startupRuns[0].milestones.map((m) => `${m.what} ${m.ms.toFixed(0)} ms`).join(', ')}`);
    console.log(`- trainer peak RSS (VmHWM) over a 300-step run: ${peaks.length ? `${median(peaks).toFixed(0)} MB` : 'not available (no /proc)'}`);
  }

  if (options.parts.has('wire')) {
    const runs = options.quick ? 1 : options.runs;
    const seconds = options.quick ? 2 : options.seconds;
    console.log(`\n## Wire framing: JSON lines vs length-prefixed JSON\n`);
    console.log(formatWire(await measureWire(runs, seconds, log), runs));
  }

  if (options.parts.has('soak')) {
    console.log(`\n## Soak: spiral MLP, ${options.soakSteps} steps, default statistics schedule, trace on\n`);
    const soak = await runSoak(options.soakSteps, Math.max(1, Math.round(options.soakSteps / 10)), log);
    console.log(formatSoakSummary(soak));
    console.log(`\n${soakVerdict(soak)}`);
  }

  const webview = path.join(repoRoot(), 'bench', 'webview', 'run.ts');
  if (options.parts.has('webview') && fs.existsSync(webview)) {
    console.log('\n## Webview frame time (bench/webview/run.ts)\n');
    const r = spawnSync('npx', ['tsx', webview, ...(options.quick ? ['--seconds', '5'] : [])], { cwd: repoRoot(), stdio: 'inherit' });
    if (r.status !== 0) log(`webview benchmark failed (exit ${r.status})`);
  } else if (options.parts.has('webview')) {
    log('webview benchmark: skipped (bench/webview/run.ts not found)');
  }
}

if (process.env.ND_BENCH_CHILD === 'trainer') {
  // Forked by the soak as a trainer child: the real trainer plus a memory probe.
  startProbedTrainer();
} else if (process.env.ND_BENCH_CHILD === 'wire-sender') {
  // Forked by the wire benchmark (bench/wire.ts) as the sending side of its pipe.
  runWireSender();
} else {
  main().catch((e: unknown) => {
    if (e instanceof UsageError) {
      log(`bench: ${e.message}\n${USAGE}`);
      process.exit(2);
    }
    log(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  });
}
