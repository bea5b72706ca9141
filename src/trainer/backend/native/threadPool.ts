// A pool of worker_threads running our native kernels on tfjs-backend-wasm's
// heap, made shared by ./sharedHeap.ts: every worker instantiates the same
// `-shared` kernel build on the same WebAssembly.Memory, so a kernel call is
// split into calls on parts of the output that write disjoint memory. A
// fork-join is synchronous (tfjs kernels are): the calling thread writes one
// call per worker into a shared argument block, bumps a generation counter
// and wakes the workers (Atomics.notify), runs the first part itself, then
// sleeps (Atomics.wait, allowed on Node's main thread) until the last worker
// counts the pending parts down to zero. Workers that have no part this time
// wake, count down and sleep again.

import { Worker } from 'worker_threads';

/** Int32 slots of the control block. */
const GENERATION = 0;
const PENDING = 1;
const FAILED = 2;
const QUIT = 3;
/** Float64 slots per worker call: the function's index, the argument count, then the arguments. */
const MAX_ARGS = 30;
const SLOT = MAX_ARGS + 2;

// Plain JS, run with `eval: true`: the trainer bundle has no separate worker file to find.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('worker_threads');
const { memory, module, names, control, args, slot, slotSize } = workerData;
const instance = new WebAssembly.Instance(module, { env: { memory, abort(m, f, line, col) { throw new Error('native kernel aborted at line ' + line + ':' + col); } } });
const fns = names.map((n) => instance.exports[n]);
const ctl = new Int32Array(control);
const a = new Float64Array(args);
const base = slot * slotSize;
let seen = 0;
parentPort.postMessage('ready');
for (;;) {
  Atomics.wait(ctl, ${GENERATION}, seen);
  seen = Atomics.load(ctl, ${GENERATION});
  if (Atomics.load(ctl, ${QUIT}) === 1) break;
  const fn = a[base];
  if (fn >= 0) {
    try { fns[fn](...a.subarray(base + 2, base + 2 + a[base + 1])); } catch (e) { Atomics.store(ctl, ${FAILED}, 1); }
  }
  if (Atomics.sub(ctl, ${PENDING}, 1) === 1) Atomics.notify(ctl, ${PENDING});
}
`;

/** One part of a split kernel call: an exported function of the kernel module and its arguments. */
export interface KernelCall {
  name: string;
  args: number[];
}

export class KernelPool {
  private readonly control = new Int32Array(new SharedArrayBuffer(4 * 4));
  private readonly args: Float64Array;
  private readonly index = new Map<string, number>();

  private constructor(
    private readonly workers: Worker[],
    names: string[],
    args: Float64Array,
    private readonly runHere: (call: KernelCall) => void,
  ) {
    names.forEach((n, i) => this.index.set(n, i));
    this.args = args;
  }

  /**
   * Starts `threads − 1` workers (the calling thread is the first of the
   * `threads`), each with its own instance of `module` on `memory`; resolves
   * when all have instantiated it.
   */
  static async start(threads: number, memory: WebAssembly.Memory, module: WebAssembly.Module, runHere: (call: KernelCall) => void): Promise<KernelPool> {
    const names = WebAssembly.Module.exports(module)
      .filter((e) => e.kind === 'function')
      .map((e) => e.name);
    const args = new Float64Array(new SharedArrayBuffer(8 * SLOT * Math.max(1, threads - 1)));
    const workers: Worker[] = [];
    const pool = new KernelPool(workers, names, args, runHere);
    const ready: Promise<void>[] = [];
    for (let slot = 0; slot < threads - 1; slot++) {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { memory, module, names, control: pool.control.buffer, args: args.buffer, slot, slotSize: SLOT },
      });
      workers.push(worker);
      ready.push(
        new Promise((resolve, reject) => {
          worker.once('message', () => resolve());
          worker.once('error', reject);
        }),
      );
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      pool.close();
      throw e;
    }
    // Idle workers sleep in Atomics.wait; they must not keep the process alive.
    for (const w of workers) w.unref();
    return pool;
  }

  /** Threads a call can be split over: the workers and the calling thread. */
  get size(): number {
    return this.workers.length + 1;
  }

  /** Runs calls[0] here and calls[1…] on workers, returning when all are done. At most `size` calls. */
  run(calls: KernelCall[]): void {
    if (calls.length > this.size) throw new Error(`${calls.length} kernel calls for a pool of ${this.size} threads`);
    if (calls.length === 1) {
      this.runHere(calls[0]);
      return;
    }
    for (let w = 0; w < this.workers.length; w++) {
      const call = calls[w + 1];
      const base = w * SLOT;
      if (!call) {
        this.args[base] = -1;
        continue;
      }
      if (call.args.length > MAX_ARGS) throw new Error(`kernel ${call.name}: ${call.args.length} arguments, the pool passes at most ${MAX_ARGS}`);
      const fn = this.index.get(call.name);
      if (fn === undefined) throw new Error(`native kernel '${call.name}' is not in the shared kernel build; rebuild with npm run build`);
      this.args[base] = fn;
      this.args[base + 1] = call.args.length;
      this.args.set(call.args, base + 2);
    }
    Atomics.store(this.control, FAILED, 0);
    Atomics.store(this.control, PENDING, this.workers.length);
    Atomics.add(this.control, GENERATION, 1);
    Atomics.notify(this.control, GENERATION);
    let failure: unknown = null;
    try {
      this.runHere(calls[0]);
    } catch (e) {
      failure = e;
    }
    for (;;) {
      const pending = Atomics.load(this.control, PENDING);
      if (pending === 0) break;
      Atomics.wait(this.control, PENDING, pending);
    }
    if (failure !== null) throw failure;
    if (Atomics.load(this.control, FAILED) === 1) throw new Error(`a kernel worker failed running ${calls.map((c) => c.name).join(', ')}`);
  }

  /** Stops the workers. */
  close(): void {
    Atomics.store(this.control, QUIT, 1);
    Atomics.add(this.control, GENERATION, 1);
    Atomics.notify(this.control, GENERATION);
    for (const w of this.workers) void w.terminate();
  }
}

/** [start, end) of part `part` of `parts` contiguous parts of `total` items (the first parts one larger). */
export function partRange(total: number, parts: number, part: number): [number, number] {
  const base = Math.floor(total / parts);
  const extra = total % parts;
  const start = part * base + Math.min(part, extra);
  return [start, start + base + (part < extra ? 1 : 0)];
}
