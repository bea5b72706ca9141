// Chooses the TensorFlow.js backend the trainer runs on: node (native
// libtensorflow) → wasm (XNNPACK, with the training kernels it lacks added by
// ./wasmKernels) → cpu (pure JS). The report says which one runs and why each
// better one did not load; docs/backends.md explains the order.

import * as tf from '@tensorflow/tfjs';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { BACKEND_CHOICES, type BackendChoice, type BackendName, type BackendReport } from '../../shared/stats';
import { UserError } from '../../shared/errors';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { registerMissingWasmKernels } from './wasmKernels';
import { heapIsShared, nativeKernels, nativeKernelsError, startKernelThreads } from './native/module';
import { withSharedWasmHeap } from './native/sharedHeap';

export interface BackendOptions {
  /**
   * Folder holding tfjs-backend-wasm's `.wasm` binaries. Defaults to the
   * installed package's `dist/` (the trainer bundle keeps `@tensorflow/*`
   * external, so `require.resolve` finds it at run time).
   */
  wasmDir?: string;
  /**
   * Threads the native wasm kernels split their calls over (default 1: the
   * calling thread only). Above 1 the wasm heap is made shared while the
   * backend starts (native/sharedHeap.ts), which only works on the first
   * start of wasm in a process.
   */
  threads?: number;
}

const BACKEND_ORDER: readonly BackendName[] = ['node', 'wasm', 'cpu'];
/** The name each backend registers itself under in tfjs. */
const TFJS_NAME: Record<BackendName, string> = { node: 'tensorflow', wasm: 'wasm', cpu: 'cpu' };
const WASM_BINARY = 'tfjs-backend-wasm-simd.wasm';

type Attempt = { ok: true; addedKernels: string[]; nativeKernels?: string; kernelThreads?: number } | { ok: false; reason: string };

export async function initBackend(choice: BackendChoice, options: BackendOptions = {}): Promise<BackendReport> {
  if (!BACKEND_CHOICES.includes(choice)) {
    throw new UserError({
      field: 'backend',
      message: `unknown backend '${String(choice)}'; use one of ${BACKEND_CHOICES.map((c) => `'${c}'`).join(', ')}`,
    });
  }
  const reasons: string[] = [];
  const candidates = choice === 'auto' ? BACKEND_ORDER : [choice];
  if (choice !== 'auto') {
    for (const better of BACKEND_ORDER.slice(0, BACKEND_ORDER.indexOf(choice))) {
      reasons.push(`${better}: not tried ('${choice}' was requested)`);
    }
  }
  for (const name of candidates) {
    const attempt = await tryBackend(name, options);
    if (attempt.ok) {
      const report: BackendReport = { name, requested: choice, reasons, addedKernels: attempt.addedKernels };
      if (attempt.nativeKernels) report.nativeKernels = attempt.nativeKernels;
      if (attempt.kernelThreads !== undefined) report.kernelThreads = attempt.kernelThreads;
      return report;
    }
    if (choice !== 'auto') {
      throw new UserError({
        field: 'backend',
        message: `the '${name}' backend cannot be used: ${attempt.reason}. Use 'auto' to fall back to the best backend that loads`,
      });
    }
    reasons.push(attempt.reason);
  }
  // The cpu backend is part of @tensorflow/tfjs itself, so this is a broken install, not user input.
  throw new Error(`no TensorFlow.js backend could be started: ${reasons.join('; ')}`);
}

/** A warning for the user when the chosen backend makes training very slow; null otherwise. */
export function backendWarning(report: BackendReport): string | null {
  if (report.name !== 'cpu') return null;
  const why = report.reasons.filter((r) => r.startsWith('wasm')).join('; ');
  return 'cpu backend: convolutions train ~100x slower than wasm; expect minutes per batch for CNNs' + (why ? ` (${why})` : '') + '. See docs/backends.md';
}

function tryBackend(name: BackendName, options: BackendOptions): Promise<Attempt> {
  switch (name) {
    case 'node':
      return tryNode();
    case 'wasm':
      return tryWasm(options.wasmDir ?? defaultWasmDir(), options.threads ?? 1);
    case 'cpu':
      return activate('cpu', []);
  }
}

async function tryNode(): Promise<Attempt> {
  try {
    // Kept a run-time require: tfjs-node is an optional dependency whose
    // native addon is usually missing (its install downloads libtensorflow).
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional, and its failure is a reason to report
    require('@tensorflow/tfjs-node');
  } catch (e) {
    return { ok: false, reason: describeNodeLoadFailure(e) };
  }
  return activate('node', []);
}

export function describeNodeLoadFailure(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'MODULE_NOT_FOUND' && message.includes("'@tensorflow/tfjs-node'")) {
    return 'node: package @tensorflow/tfjs-node is not installed (optional dependency; see docs/backends.md)';
  }
  if (message.includes('tfjs_binding.node')) {
    return 'node: tfjs-node native addon not installed (its install downloads libtensorflow; see docs/backends.md)';
  }
  return `node: tfjs-node failed to load: ${firstLine(message)}`;
}

async function tryWasm(wasmDir: string, threads: number): Promise<Attempt> {
  const firstStart = !tf.findBackend('wasm');
  if (firstStart) {
    // Checked here because a failed wasm start poisons tfjs-backend-wasm's
    // module state for the rest of the process.
    if (!fs.existsSync(path.join(wasmDir, WASM_BINARY))) {
      return { ok: false, reason: `wasm: ${WASM_BINARY} not found in ${wasmDir}` };
    }
    setWasmPaths(wasmDir.endsWith(path.sep) || wasmDir.endsWith('/') ? wasmDir : wasmDir + path.sep);
  }
  const addedKernels = registerMissingWasmKernels();
  const start = () => activate('wasm', addedKernels);
  const attempt = threads > 1 && firstStart ? await withSharedWasmHeap(start) : await start();
  if (!attempt.ok) return attempt;
  // Loaded now rather than at the first kernel call, so the report can say which build runs.
  const backend = tf.backend() as BackendWasm;
  const native = nativeKernels(backend);
  if (!native) return { ...attempt, nativeKernels: `off: ${nativeKernelsError()}` };
  // A heap started unshared (an earlier start of wasm in this process) cannot be split over threads.
  const kernelThreads = await startKernelThreads(backend, heapIsShared(backend) ? threads : 1);
  return { ...attempt, nativeKernels: native.variant, kernelThreads };
}

/** Kernel threads when a run does not say: one per core the process may use. */
export function defaultKernelThreads(): number {
  return os.availableParallelism();
}

function defaultWasmDir(): string {
  return path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
}

async function activate(name: BackendName, addedKernels: string[]): Promise<Attempt> {
  // tfjs reports a failed backend start only through console.warn; keep the
  // first line so the report can say why.
  const warnings: string[] = [];
  const originalWarn = console.warn;
  console.warn = (...args: unknown[]) => {
    warnings.push(args.map(String).join(' '));
  };
  let started: boolean;
  try {
    started = await tf.setBackend(TFJS_NAME[name]);
    if (started) await tf.ready();
  } catch (e) {
    started = false;
    warnings.push(e instanceof Error ? e.message : String(e));
  } finally {
    console.warn = originalWarn;
  }
  if (!started || tf.getBackend() !== TFJS_NAME[name]) {
    const detail = warnings.length > 0 ? firstLine(warnings.join('\n')) : 'backend failed to initialise';
    return { ok: false, reason: `${name}: ${detail}` };
  }
  for (const w of warnings) originalWarn(w);
  return { ok: true, addedKernels };
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? text
  );
}
