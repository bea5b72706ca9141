// Loads the project's own wasm kernels (AssemblyScript sources in ./assembly,
// compiled by scripts/buildNative.mjs into dist/) into the memory of
// tfjs-backend-wasm, so a kernel reads and writes tensors where the backend
// keeps them: a tensor's data is at byte `memoryOffset` of the shared heap.
// The relaxed-SIMD build (fused multiply-add) is used where the engine accepts
// it; V8 11 (Node 20) has relaxed SIMD behind a flag, which is switched on
// here before compiling, newer engines ship it.

import * as fs from 'fs';
import * as path from 'path';
import * as v8 from 'v8';
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { KernelPool, SPIN_CHECKS, type KernelCall } from './threadPool';

export type NativeVariant = 'relaxed-simd' | 'simd';

const FILES: Record<NativeVariant, string> = {
  'relaxed-simd': 'native-kernels-relaxed.wasm',
  simd: 'native-kernels.wasm',
};
/** The same kernels importing a shared memory: used when the heap was made shared for threads (./sharedHeap.ts). */
const SHARED_FILES: Record<NativeVariant, string> = {
  'relaxed-simd': 'native-kernels-relaxed-shared.wasm',
  simd: 'native-kernels-shared.wasm',
};

/**
 * Work a part of a split kernel call must have at least, in floating-point
 * operations of a matrix product (memory-bound kernels count
 * FLOPS_PER_BYTE_MOVED per byte they read and write). Below it the call
 * stays on the calling thread, since starting the workers costs more than it
 * saves. What a start costs depends on whether they are awake: a worker that
 * has just finished a part spins for a moment (threadPool.ts), and then a
 * split starts at once; one asleep takes in the order of 100 µs to wake on
 * this project's VM (inferred from the benchmark, not timed directly). So
 * the cut-off is low while the workers are awake and high while they sleep:
 * a step's first large product wakes them, and the smaller calls right after
 * it split too. Measured in the training loop
 * (`npm run bench -- --only split-cutoff`, docs/performance.md, "Threads"):
 * one flat cut-off of 400k made the Transformer at batch 32 and the MLP at
 * batch 1 12–18 % slower on two threads than on one; one of 1.6M took the
 * MLP at batch 64 from 1.23× to 0.99×.
 */
export const SPLIT_CUTOFF = { awake: 400_000, asleep: 6_400_000 };

/** Most blocks a statistics reduction is cut into (heapStats.ts). */
export const STATS_MAX_BLOCKS = 64;

/**
 * What a byte a memory-bound kernel (the backward sweep, pooling; not Adam,
 * see adam.ts) reads or writes counts for in the cut-off: the gemm does ~45 floating-point
 * operations in the time such a sweep moves ~10 bytes (bench --kernels).
 */
export const FLOPS_PER_BYTE_MOVED = 4;

/**
 * The value of environment variable `name` as a number ≥ 0 (an integer when
 * `integer`), `fallback` when unset or empty; throws naming it otherwise.
 */
function nonNegativeFromEnv(name: string, fallback: number, integer: boolean): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    throw new Error(`${name} must be ${integer ? 'an integer' : 'a number'} ≥ 0, got '${text}'`);
  }
  return n;
}

/** Cut-offs of a split, awake and asleep: see SPLIT_CUTOFF. */
export interface SplitCutoff {
  awake: number;
  asleep: number;
}

/**
 * The cut-off in use: NEURAL_DEBUGGER_SPLIT_FLOPS=N makes both N (0 splits
 * every call that has more than one output block: the thread tests use it so
 * that small example networks run every split path).
 */
function splitCutoff(): SplitCutoff {
  if (!process.env.NEURAL_DEBUGGER_SPLIT_FLOPS) return { ...SPLIT_CUTOFF };
  const n = nonNegativeFromEnv('NEURAL_DEBUGGER_SPLIT_FLOPS', 0, false);
  return { awake: n, asleep: n };
}

/** The parts of tfjs-backend-wasm's emscripten module the kernels use. */
interface EmscriptenModule {
  asm: { memory: WebAssembly.Memory };
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  HEAPF32: Float32Array;
}

type NativeFunction = (...args: number[]) => number | void;

export class NativeKernels {
  private readonly module: EmscriptenModule;
  /** How often each kernel was looked up for a call (tests check the native path really ran). */
  private readonly calls = new Map<string, number>();

  /** Worker threads sharing the heap (null: everything runs on the calling thread). */
  private pool: KernelPool | null = null;
  private cutoff = splitCutoff();
  /**
   * Checks a kernel thread spins before it sleeps: NEURAL_DEBUGGER_SPIN=N,
   * else SPIN_CHECKS (threadPool.ts); read with the cut-off, so a bad value
   * turns the kernels off with its message.
   */
  readonly spinChecks = nonNegativeFromEnv('NEURAL_DEBUGGER_SPIN', SPIN_CHECKS, true);
  /** Kernel calls split over more than one thread so far (tests check the split paths ran). */
  splitCalls = 0;

  /**
   * Heap memory for the per-block results of the statistics reductions
   * (heapStats.ts): STATS_MAX_BLOCKS blocks of 4 float64. Allocated here,
   * once, because an allocation may grow the heap, and on an unshared heap
   * that detaches the views of it the statistics are reading.
   */
  readonly statsResults: number;

  constructor(
    readonly backend: BackendWasm,
    readonly variant: NativeVariant,
    private readonly exports: Record<string, unknown>,
    /** The compiled kernels: workers instantiate the same module. */
    readonly compiled: WebAssembly.Module,
  ) {
    this.module = backend.wasm as unknown as EmscriptenModule;
    this.statsResults = this.malloc(STATS_MAX_BLOCKS * 4 * 8);
  }

  /** Runs one call on this thread, uncounted (the pool's part for the calling thread). */
  invoke(call: KernelCall): void {
    (this.exports[call.name] as NativeFunction)(...call.args);
  }

  /** At most this many threads per call (the benchmark compares thread counts in one process). */
  private threadLimit = Infinity;

  /** Threads a kernel call may be split over (1 without a pool). */
  get threads(): number {
    return Math.min(this.pool?.size ?? 1, this.threadLimit);
  }

  /** Splits calls over at most `threads` of the pool's threads from now on. */
  limitThreads(threads: number): void {
    this.threadLimit = Math.max(1, threads);
  }

  /** The split cut-offs in floating-point operations per part (the benchmark measures several in one process). */
  get splitCutoff(): SplitCutoff {
    return { ...this.cutoff };
  }

  set splitCutoff(cutoff: SplitCutoff) {
    for (const flops of [cutoff.awake, cutoff.asleep]) {
      if (!Number.isFinite(flops) || flops < 0) throw new RangeError(`split cut-off must be a number ≥ 0, got ${flops}`);
    }
    this.cutoff = { ...cutoff };
  }

  /** Parts a worker had not picked up after 5 ms, so it was notified again (KernelPool.lostWakeups; 0 without a pool). */
  get lostWakeups(): number {
    return this.pool?.lostWakeups ?? 0;
  }

  /** Whether the pool's workers are spinning, so a split starts at once (false without a pool). */
  get workersAwake(): boolean {
    return this.pool?.awake ?? false;
  }

  /** Uses `pool` for split calls from now on (null: none; the previous pool is closed). */
  setPool(pool: KernelPool | null): void {
    if (this.pool && this.pool !== pool) this.pool.close();
    this.pool = pool;
  }

  /**
   * How many parts to split a call of `flops` operations over `units`
   * independent output blocks into: at most the threads, at most the units,
   * and no part under the cut-off (SPLIT_CUTOFF: lower while the workers
   * are awake).
   */
  partsFor(flops: number, units: number): number {
    const threads = this.threads;
    if (threads === 1 || units < 2) return 1;
    const minimum = this.workersAwake ? this.cutoff.awake : this.cutoff.asleep;
    const byWork = minimum > 0 ? Math.floor(flops / minimum) : Infinity;
    return Math.max(1, Math.min(threads, units, byWork));
  }

  /**
   * Runs kernel `name` once per argument list, the lists on different threads
   * when there is a pool (the first on this one). Each list must write memory
   * no other list reads or writes.
   */
  runParts(name: string, argLists: number[][]): void {
    const f = this.fn(name);
    if (argLists.length === 1 || !this.pool) {
      for (const args of argLists) f(...args);
      return;
    }
    this.splitCalls++;
    this.pool.run(argLists.map((args): KernelCall => ({ name, args })));
  }

  /** An exported kernel function; throws naming it when this build lacks it. */
  fn(name: string): NativeFunction {
    const f = this.exports[name];
    if (typeof f !== 'function') throw new Error(`native kernel '${name}' is not in ${FILES[this.variant]}; rebuild with npm run build`);
    this.calls.set(name, (this.calls.get(name) ?? 0) + 1);
    return f as NativeFunction;
  }

  /** Calls of kernel `name` so far (each `fn(name)` lookup counts as one). */
  callCount(name: string): number {
    return this.calls.get(name) ?? 0;
  }

  /** Byte address of a tensor's data in the shared heap. */
  address(info: tf.TensorInfo): number {
    return this.backend.dataIdMap.get(info.dataId)!.memoryOffset;
  }

  /** Scratch memory of `bytes` bytes (16-byte aligned, as malloc guarantees); free it with `free`. */
  malloc(bytes: number): number {
    const p = this.module._malloc(bytes);
    if (p === 0) throw new Error(`wasm heap exhausted allocating ${bytes} bytes of kernel scratch`);
    return p;
  }

  free(pointer: number): void {
    this.module._free(pointer);
  }

  /** Scratch blocks of the given float counts from the heap, freed together (also when `body` throws). */
  withScratch<T>(floats: number[], body: (pointers: number[]) => T): T {
    const pointers: number[] = [];
    try {
      for (const n of floats) pointers.push(this.malloc(Math.max(16, n * 4)));
      return body(pointers);
    } finally {
      for (const p of pointers) this.free(p);
    }
  }

  /** The heap as floats (re-read on every call: the heap's buffer changes when it grows). */
  heapF32(): Float32Array {
    return this.module.HEAPF32;
  }
}

const loaded = new WeakMap<BackendWasm, NativeKernels | null>();
let lastError: string | null = null;
/** The most recently loaded kernels with their memory (for views of the heap, see `heapKernels`). */
let latest: { kernels: NativeKernels; memory: WebAssembly.Memory } | null = null;

/** The loaded kernels when `values` is a float32 view of their heap (what hostValues returns on wasm), else null. */
export function heapKernels(values: Float32Array): NativeKernels | null {
  return latest !== null && values.buffer === latest.memory.buffer ? latest.kernels : null;
}

/** Where the compiled kernels are: next to the bundle (dist/), or the repository's dist/ when run from source. */
function nativeKernelDir(): string | null {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, FILES.simd))) return dir;
    if (fs.existsSync(path.join(dir, 'dist', FILES.simd))) return path.join(dir, 'dist');
    dir = path.dirname(dir);
  }
  return null;
}

function enableRelaxedSimd(): void {
  // Only called when the engine rejects relaxed SIMD: engines that ship it
  // (Node 22+) no longer know the flag and would print "unrecognized flag".
  try {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    /* not V8: the plain SIMD build is used */
  }
}

/**
 * The native kernels instantiated in `backend`'s memory, or null when they
 * cannot be loaded (`nativeKernelsError()` says why): callers then fall back
 * to compositions of stock kernels.
 */
export function nativeKernels(backend: BackendWasm): NativeKernels | null {
  if (loaded.has(backend)) return loaded.get(backend)!;
  let result: NativeKernels | null = null;
  try {
    result = instantiate(backend);
    lastError = null;
  } catch (e) {
    lastError = e instanceof Error ? e.message : String(e);
  }
  loaded.set(backend, result);
  return result;
}

export function nativeKernelsError(): string | null {
  return lastError;
}

/** The kernels of `backend`, for a kernel (`kernelName`) that only exists when they loaded. */
export function requireNativeKernels(backend: unknown, kernelName: string): NativeKernels {
  const kernels = nativeKernels(backend as BackendWasm);
  if (!kernels) throw new Error(`${kernelName}: the native wasm kernels are not loaded`);
  return kernels;
}

function instantiate(backend: BackendWasm): NativeKernels {
  // For before/after measurements and for ruling the native kernels out when
  // hunting a numerical difference (docs/backends.md).
  if (process.env.NEURAL_DEBUGGER_NATIVE_KERNELS === 'off') throw new Error('switched off by NEURAL_DEBUGGER_NATIVE_KERNELS=off');
  const dir = nativeKernelDir();
  if (!dir) throw new Error(`${FILES.simd} not found near ${__dirname}; run npm run build`);
  const memory = (backend.wasm as unknown as EmscriptenModule).asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) throw new Error('tfjs-backend-wasm does not expose its memory');
  const imports = {
    env: {
      memory,
      abort(message: number, file: number, line: number, column: number): never {
        throw new Error(`native kernel aborted at line ${line}:${column}`);
      },
    },
  };
  const files = memory.buffer instanceof SharedArrayBuffer ? SHARED_FILES : FILES;
  for (const variant of ['relaxed-simd', 'simd'] as const) {
    const bytes = fs.readFileSync(path.join(dir, files[variant]));
    if (variant === 'relaxed-simd' && !WebAssembly.validate(bytes)) enableRelaxedSimd();
    if (!WebAssembly.validate(bytes)) continue;
    const compiled = new WebAssembly.Module(bytes);
    const instance = new WebAssembly.Instance(compiled, imports);
    const kernels = new NativeKernels(backend, variant, instance.exports as Record<string, unknown>, compiled);
    latest = { kernels, memory };
    return kernels;
  }
  throw new Error('this engine accepts neither wasm SIMD build of the native kernels');
}

/**
 * Starts `threads − 1` kernel workers for the kernels of `backend` (whose heap
 * must be shared: ./sharedHeap.ts) and returns the pool size now in use; 1
 * when `threads` ≤ 1 or the kernels are not loaded.
 */
export async function startKernelThreads(backend: BackendWasm, threads: number): Promise<number> {
  const kernels = nativeKernels(backend);
  if (!kernels) return 1;
  if (threads <= 1) {
    kernels.setPool(null);
    return 1;
  }
  const memory = (backend.wasm as unknown as EmscriptenModule).asm.memory;
  if (!heapIsShared(backend)) throw new Error('the wasm heap is not shared: kernel threads need the backend started with a shared heap');
  const pool = await KernelPool.start(threads, memory, kernels.compiled, (call) => kernels.invoke(call), kernels.spinChecks);
  kernels.setPool(pool);
  return pool.size;
}

/** Whether `backend`'s heap is a shared memory (./sharedHeap.ts), so kernel workers can use it. */
export function heapIsShared(backend: BackendWasm): boolean {
  return (backend.wasm as unknown as EmscriptenModule).asm.memory.buffer instanceof SharedArrayBuffer;
}
