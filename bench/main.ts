// `npm run bench` (dist/bench.js): training throughput of plain tfjs
// model.fit, the instrumented loop (default schedule / every statistic) and
// PyTorch on the same networks, all four trained in turns of half a second so
// that their ratios are measured under the same load; time to the first
// statistics; trainer RSS; the 100k-step soak; then the webview frame-time
// benchmark. Method and results: docs/performance.md.
//
//   node dist/bench.js [--quick] [--runs N] [--seconds S] [--models mlp,cnn,lstm,transformer]
//                      [--batches 32,64] [--variants fit,instrumented-default,instrumented-full] [--only PARTS] [--no-PART] [--soak] [--soak-steps N]
//                      [--threads 1,2] [--torch-threads 1,2] [--python FILE] [--profile] [--kernels] [--stock-kernels] [--out FILE]
// PARTS: throughput,pytorch,pytorch-probe,startup,wire,soak,webview,pause-ratios,split-cutoff,editor-latency
// (default all but split-cutoff and editor-latency; --quick: also not soak and pytorch-probe, 1 run of 2 s);
// --only pytorch (without throughput) times PyTorch alone; pytorch-probe: a PyTorch script plain vs under
// the probe (bench/pytorchProbe.ts); split-cutoff: the thread split's cut-off candidates
// (bench/splitCutoff.ts, needs --threads 1,2); editor-latency: typing latency in code-server while a
// run trains on 1 and all kernel threads (bench/editorLatency.ts, needs the e2e tools).
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
import { DEFAULT_PYTHONS, findTorchPython, PytorchWorker } from './pytorch';
import { benchPytorchProbe } from './pytorchProbe';
import { formatScaling, formatTable, median, readPrevious, writeResults, type BenchResult, type Variant } from './report';
import { formatSoakSummary, runSoak, soakVerdict } from './soak';
import { measureStartup } from './startup';
import { startProbedTrainer } from './trainerProbe';
import { formatWire, measureWire, runWireSender } from './wire';
import { formatPauseRatios, measurePauseRatios } from './pauseRatios';
import { formatSplitCutoff, measureSplitCutoff } from './splitCutoff';
import { batchesPerEpochFor, calibrateStepMs, makeRunner, SLICE_MS, VARIANTS, type Runner, type TfjsVariant } from './variants';

const PARTS = ['throughput', 'pytorch', 'pytorch-probe', 'startup', 'wire', 'soak', 'webview', 'pause-ratios', 'split-cutoff', 'editor-latency'] as const;
/** Parts run only when --only names them: they measure how a constant was chosen, not the product. */
const OPT_IN_PARTS: readonly Part[] = ['split-cutoff', 'editor-latency'];
type Part = (typeof PARTS)[number];

interface Options {
  quick: boolean;
  runs: number;
  seconds: number;
  models: ModelName[];
  batches: number[];
  variants: TfjsVariant[];
  parts: Set<Part>;
  /** Kernel thread counts of our variants, interleaved in the same rounds. */
  threads: number[];
  /** PyTorch thread counts, one worker each, in the same rounds. */
  torchThreads: number[];
  python: string | undefined;
  soakSteps: number;
  profile: boolean;
  kernels: boolean;
  stockKernels: boolean;
  out: string;
}

/** Flags that take a value, and flags that stand alone (`--no-PART` for each part). */
const VALUE_FLAGS = [
  '--runs',
  '--seconds',
  '--models',
  '--variants',
  '--batches',
  '--only',
  '--threads',
  '--torch-threads',
  '--python',
  '--soak-steps',
  '--out',
];
const SWITCHES = ['--quick', '--soak', '--profile', '--kernels', '--stock-kernels', ...PARTS.map((p) => `--no-${p}`)];

export const USAGE = `usage: node dist/bench.js (npm run bench -- …)
  [--quick] [--runs N] [--seconds S] [--models mlp,cnn,lstm,transformer] [--batches 32,64]
  [--variants fit,instrumented-default,instrumented-full] [--only ${PARTS.join(',')}] [--no-PART]
  [--soak] [--soak-steps N] [--threads 1,2] [--torch-threads 1,2] [--python FILE] [--profile] [--kernels] [--stock-kernels] [--out FILE]
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
  const counts = (flag: string, fallback: string): number[] => {
    const items = (value(flag) ?? fallback).split(',').map(Number);
    if (items.some((b) => !Number.isInteger(b) || b < 1)) throw new UsageError(`${flag}: expected positive integers, e.g. ${fallback}`);
    return [...new Set(items)];
  };
  const batches = counts('--batches', '32,64');
  // --quick leaves out the two parts that take minutes whatever the flags: the soak and the whole-script runs.
  const defaults = PARTS.filter((p) => !OPT_IN_PARTS.includes(p) && !(quick && (p === 'soak' || p === 'pytorch-probe')));
  const parts = new Set(list('--only', defaults, PARTS) as Part[]);
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
    threads: counts('--threads', '1'),
    torchThreads: counts('--torch-threads', '1'),
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

/** One column of a round: a tfjs variant on a number of kernel threads, or PyTorch on a number of threads. */
interface Participant {
  variant: Variant;
  /** Kernel threads (tfjs variants). */
  threads?: number;
  /** torch.set_num_threads (PyTorch). */
  torchThreads?: number;
}

const participantKey = (p: Participant): string => (p.variant === 'pytorch' ? `pytorch@${p.torchThreads}` : `${p.variant}@${p.threads}`);

/** The participant's name in the progress lines: with its thread count only when several are compared. */
function label(p: Participant, options: Options): string {
  if (p.variant === 'pytorch') return options.torchThreads.length > 1 ? `pytorch@${p.torchThreads}` : 'pytorch';
  return options.threads.length > 1 ? `${p.variant}@${p.threads}` : p.variant;
}

/**
 * Runs every tfjs variant of one model and batch size on every kernel thread
 * count, and PyTorch on every thread count it was started with. Each round
 * gives every participant at least `seconds` of training, in slices of
 * SLICE_MS taken in turn (order rotated each round), so that all see the
 * same load; ratios are taken within each round: to `fit` on the same thread
 * count, to the faster PyTorch of the round, and to the same variant on one
 * thread (`speedupOverOneThread`).
 */
async function benchPair(name: ModelName, batch: number, options: Options, backend: BackendReport, torches: PytorchWorker[]): Promise<BenchResult[]> {
  const tfjsVariants = options.parts.has('throughput') ? options.variants : [];
  const runners = new Map<string, { participant: Participant; runner: Runner }>();
  /** One tfjs runner per variant, shared by its thread counts: disposed once. */
  const owned: Runner[] = [];
  const native = backend.name === 'wasm' ? nativeKernels(tf.backend() as BackendWasm) : null;
  try {
    if (tfjsVariants.length) {
      const stepMs = calibrateStepMs(benchModel(name, batch), batch);
      const batchesPerEpoch = batchesPerEpochFor(stepMs);
      const m = benchModel(name, batch * batchesPerEpoch);
      for (const variant of tfjsVariants) {
        const runner = await makeRunner(variant, m, { batch, batchesPerEpoch });
        owned.push(runner);
        for (const threads of options.threads) {
          const participant: Participant = { variant, threads };
          const onThreads: Runner = {
            slice: (ms) => {
              native?.limitThreads(threads);
              return runner.slice(ms);
            },
            dispose: () => undefined,
          };
          runners.set(participantKey(participant), { participant, runner: onThreads });
        }
      }
    }
    for (const torch of torches) {
      const participant: Participant = { variant: 'pytorch', torchThreads: torch.threads };
      runners.set(participantKey(participant), { participant, runner: await torch.runner(name, batch) });
    }
    const keys = [...runners.keys()];
    if (!keys.length) return [];
    const runs = new Map<string, { rate: number; load: number }[]>(keys.map((k) => [k, []]));
    for (let round = 0; round < options.runs; round++) {
      const order = keys.map((_, i) => keys[(i + round) % keys.length]);
      const totals = new Map(keys.map((k) => [k, { samples: 0, seconds: 0 }]));
      while ([...totals.values()].some((t) => t.seconds < options.seconds)) {
        for (const key of order) {
          const t = await runners.get(key)!.runner.slice(SLICE_MS);
          const total = totals.get(key)!;
          total.samples += t.samples;
          total.seconds += t.seconds;
        }
      }
      for (const key of keys) {
        const t = totals.get(key)!;
        runs.get(key)!.push({ rate: t.samples / t.seconds, load: load() });
        log(
          `  ${name} batch ${batch} round ${round + 1} ${label(runners.get(key)!.participant, options)}: ${(t.samples / t.seconds).toFixed(0)} samples/s (${t.samples} samples in ${t.seconds.toFixed(1)} s, load ${load().toFixed(1)})`,
        );
      }
    }
    native?.limitThreads(Infinity);
    const torchKeys = keys.filter((k) => k.startsWith('pytorch@'));
    // The faster PyTorch of each round: the issue's target compares with the better of its thread counts.
    const bestTorch = torchKeys.length
      ? Array.from({ length: options.runs }, (_, i) => ({ rate: Math.max(...torchKeys.map((k) => runs.get(k)![i].rate)) }))
      : null;
    const perRound = (list: { rate: number }[], base: { rate: number }[]) => median(list.map((r, i) => r.rate / base[i].rate));
    return keys.map((key) => {
      const { participant } = runners.get(key)!;
      const { variant, threads, torchThreads } = participant;
      const list = runs.get(key)!;
      const torch = torches.find((t) => t.threads === torchThreads);
      const result: BenchResult = {
        model: name,
        batch,
        variant,
        backend: variant === 'pytorch' ? torch!.backend : options.stockKernels ? `${backend.name} (stock kernels)` : backend.name,
        samplesPerSec: median(list.map((r) => r.rate)),
        runs: list.map((r) => Math.round(r.rate)),
        loadAvg: list.map((r) => Math.round(r.load * 100) / 100),
      };
      if (variant === 'pytorch') {
        result.torchThreads = torchThreads;
        return result;
      }
      result.threads = threads;
      const fitRuns = runs.get(`fit@${threads}`);
      const oneThread = runs.get(`${variant}@1`);
      if (variant !== 'fit' && fitRuns) result.ratioToFit = perRound(list, fitRuns);
      if (bestTorch) result.ratioToPytorch = perRound(list, bestTorch);
      if (threads !== 1 && oneThread) result.speedupOverOneThread = perRound(list, oneThread);
      return result;
    });
  } finally {
    for (const { runner } of runners.values()) runner.dispose();
    for (const runner of owned) runner.dispose();
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
  const backend = await initBackend('auto', { threads: Math.max(...options.threads) });
  if (options.stockKernels) {
    const restored = useStockKernels();
    log(`stock wasm kernels restored: ${restored.join(', ')}`);
  }
  const native = nativeKernelsLine(backend);
  log(
    `backend: ${backend.name}${backend.reasons.length ? ` (${backend.reasons.join('; ')})` : ''}; ${native}; kernel threads ${backend.kernelThreads ?? 1}; ${os.cpus().length} cores, load ${load().toFixed(1)}`,
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
    const torches: PytorchWorker[] = [];
    try {
      if (options.parts.has('pytorch')) {
        for (const threads of options.torchThreads) {
          const torch = await PytorchWorker.start({ threads, python: options.python, log });
          if (!torch) break;
          torches.push(torch);
        }
      }
      for (const name of options.models) {
        log(`${MODEL_LABELS[name]}:`);
        for (const batch of options.batches) results.push(...(await benchPair(name, batch, options, backend, torches)));
      }
    } finally {
      for (const torch of torches) await torch.close();
    }
    const torch = torches[0] ?? null;
    console.log(`## Training throughput, samples/s (median of ${options.runs} run(s) of ≥ ${options.seconds} s; Adam; synthetic data)\n`);
    console.log(
      `Backend: ${backend.name}${options.stockKernels ? ' (stock kernels)' : ''}; ${native}${torch ? `; ${torch.backend}${options.parts.has('throughput') ? ', in turns with tfjs' : ' alone'}` : ''}.\n`,
    );
    // The main table: the first thread counts given (PyTorch ratios are to the faster PyTorch of each round).
    const first = (r: BenchResult) =>
      (r.threads ?? options.threads[0]) === options.threads[0] && (r.torchThreads ?? options.torchThreads[0]) === options.torchThreads[0];
    console.log(formatTable(results.filter(first), previous.filter(first)));
    console.log(
      '\n(×: instrumented / fit; pytorch: fit / pytorch and instrumented-default ("ours") / pytorch; all medians of the per-round ratios,' +
        ' each round training every column in turns of 0.5 s. [prev]: the previous results file.)',
    );
    if (options.threads.length > 1 || options.torchThreads.length > 1) {
      console.log(
        `\n## Thread scaling, samples/s (kernel threads ${options.threads.join(', ')}; PyTorch threads ${options.torchThreads.join(', ')}; same rounds)\n`,
      );
      console.log(formatScaling(results, options.threads, options.torchThreads));
    }
    writeResults(options.out, results);
    log(`wrote ${options.out}`);
  }

  if (options.parts.has('pytorch-probe')) {
    const found = findTorchPython(options.python ? [options.python] : DEFAULT_PYTHONS);
    if (!found) log('pytorch-probe: skipped — no Python with torch (try --python FILE; on Debian: apt install python3-torch)');
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

  if (options.parts.has('split-cutoff')) {
    const native = backend.name === 'wasm' ? nativeKernels(tf.backend() as BackendWasm) : null;
    if (!native || native.threads < 2) {
      log('split-cutoff: skipped — it needs the wasm backend with native kernels and --threads 1,2');
    } else {
      console.log(`\n## Thread split cut-off: two threads at each candidate cut-off vs one thread\n`);
      const results = [];
      for (const name of options.models)
        for (const batch of options.batches) results.push(await measureSplitCutoff(name, batch, options.runs, options.seconds, log));
      console.log(formatSplitCutoff(results, options.runs));
    }
  }

  if (options.parts.has('pause-ratios')) {
    const rounds = options.quick ? 5 : 40;
    console.log(`\n## Update ratios at every pause: the kept copy of the weights\n`);
    const results = [];
    for (const name of options.models.filter((n) => n === 'mlp' || n === 'cnn')) results.push(await measurePauseRatios(name, rounds));
    console.log(formatPauseRatios(results, rounds));
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

  const editorLatency = path.join(repoRoot(), 'bench', 'editorLatency.ts');
  if (options.parts.has('editor-latency') && fs.existsSync(editorLatency)) {
    console.log('\n## Editor latency while training (bench/editorLatency.ts)\n');
    const r = spawnSync('npx', ['tsx', editorLatency], { cwd: repoRoot(), stdio: 'inherit' });
    if (r.status !== 0) log(`editor latency benchmark failed (exit ${r.status})`);
  } else if (options.parts.has('editor-latency')) {
    log('editor latency benchmark: skipped (bench/editorLatency.ts not found)');
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
