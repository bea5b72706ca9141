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
/** Workers spinning right now (awake: a call split now starts without a wake-up). */
const AWAKE = 4;
/** Workers that have picked up the current generation. */
const TAKEN = 5;
/**
 * Loads of the control word a thread makes before it sleeps (Atomics.wait),
 * ~50 µs: a worker woken from sleep starts in the order of 100 µs late on
 * this project's VM (inferred from the benchmark; a futex wake, likely of a
 * halted virtual CPU), longer than many whole kernel
 * calls, while the calls of one training step come 10–100 µs apart. A worker
 * that keeps spinning between them is "awake" (KernelPool.awake), and the
 * split cut-off is low only then (native/module.ts, SPLIT_CUTOFF). Measured
 * in the training loop (`npm run bench -- --only split-cutoff`, 2 threads):
 * with 2,000 checks the MLP at batch 64 ran at 0.93× of one thread, with
 * 20,000 at 1.19×. The cost: with more threads than free cores a spinning
 * thread holds a core the working one needs (bench/threadStress.ts, 3
 * threads on 2 cores: 3.7k split calls/s against 20.0k without spinning),
 * so leave --threads at or below the free cores. NEURAL_DEBUGGER_SPIN=N
 * replaces it (native/module.ts).
 */
export const SPIN_CHECKS = 20000;

/** How long the calling thread waits for the last part before it notifies the workers again. */
const REWAKE_MS = 5;
/** Float64 slots per worker call: the function's index, the argument count, then the arguments. */
const MAX_ARGS = 30;
const SLOT = MAX_ARGS + 2;

// Plain JS, run with `eval: true`: the trainer bundle has no separate worker file to find.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('worker_threads');
const { memory, module, names, control, args, slot, slotSize, spinChecks } = workerData;
const instance = new WebAssembly.Instance(module, { env: { memory, abort(m, f, line, col) { throw new Error('native kernel aborted at line ' + line + ':' + col); } } });
const fns = names.map((n) => instance.exports[n]);
const ctl = new Int32Array(control);
const a = new Float64Array(args);
const base = slot * slotSize;
let seen = 0;
parentPort.postMessage('ready');
// Counted awake from the end of a part (before the part is reported done, so
// the caller never sees a finished, spinning worker as asleep) until it sleeps.
Atomics.add(ctl, ${AWAKE}, 1);
for (;;) {
  for (let spin = 0; spin < spinChecks && Atomics.load(ctl, ${GENERATION}) === seen; spin++);
  Atomics.sub(ctl, ${AWAKE}, 1);
  // A wake-up without a new generation (the caller's re-notify) waits again.
  while (Atomics.load(ctl, ${GENERATION}) === seen) Atomics.wait(ctl, ${GENERATION}, seen);
  seen = Atomics.load(ctl, ${GENERATION});
  if (Atomics.load(ctl, ${QUIT}) === 1) break;
  Atomics.add(ctl, ${TAKEN}, 1);
  const fn = a[base];
  if (fn >= 0) {
    try { fns[fn](...a.subarray(base + 2, base + 2 + a[base + 1])); } catch (e) { Atomics.store(ctl, ${FAILED}, 1); }
  }
  Atomics.add(ctl, ${AWAKE}, 1);
  if (Atomics.sub(ctl, ${PENDING}, 1) === 1) Atomics.notify(ctl, ${PENDING});
}
`;

/** One part of a split kernel call: an exported function of the kernel module and its arguments. */
export interface KernelCall {
  name: string;
  args: number[];
}

export class KernelPool {
  private readonly control = new Int32Array(new SharedArrayBuffer(6 * 4));
  private readonly args: Float64Array;
  private readonly index = new Map<string, number>();

  private constructor(
    private readonly workers: Worker[],
    names: string[],
    args: Float64Array,
    private readonly runHere: (call: KernelCall) => void,
    private readonly spinChecks: number,
  ) {
    names.forEach((n, i) => this.index.set(n, i));
    this.args = args;
  }

  /**
   * Starts `threads − 1` workers (the calling thread is the first of the
   * `threads`), each with its own instance of `module` on `memory`; resolves
   * when all have instantiated it. Threads spin `spinChecks` checks before
   * they sleep (SPIN_CHECKS by default).
   */
  static async start(
    threads: number,
    memory: WebAssembly.Memory,
    module: WebAssembly.Module,
    runHere: (call: KernelCall) => void,
    spinChecks = SPIN_CHECKS,
  ): Promise<KernelPool> {
    const names = WebAssembly.Module.exports(module)
      .filter((e) => e.kind === 'function')
      .map((e) => e.name);
    const args = new Float64Array(new SharedArrayBuffer(8 * SLOT * Math.max(1, threads - 1)));
    const workers: Worker[] = [];
    const pool = new KernelPool(workers, names, args, runHere, spinChecks);
    const ready: Promise<void>[] = [];
    for (let slot = 0; slot < threads - 1; slot++) {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { memory, module, names, control: pool.control.buffer, args: args.buffer, slot, slotSize: SLOT, spinChecks },
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

  /**
   * Waits that timed out with a worker that had not yet picked up its part,
   * so it was notified again (diagnostics: bench/threadStress.ts prints it).
   */
  lostWakeups = 0;

  /** Threads a call can be split over: the workers and the calling thread. */
  get size(): number {
    return this.workers.length + 1;
  }

  /**
   * Whether every worker is spinning, so a split call now starts at once; a
   * sleeping worker takes in the order of 100 µs to wake on this project's VM
   * (inferred from the benchmark), longer than many whole kernel calls.
   */
  get awake(): boolean {
    return Atomics.load(this.control, AWAKE) >= this.workers.length;
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
    Atomics.store(this.control, TAKEN, 0);
    Atomics.add(this.control, GENERATION, 1);
    Atomics.notify(this.control, GENERATION);
    let failure: unknown = null;
    try {
      this.runHere(calls[0]);
    } catch (e) {
      failure = e;
    }
    for (let spin = 0; spin < this.spinChecks && Atomics.load(this.control, PENDING) !== 0; spin++);
    for (;;) {
      const pending = Atomics.load(this.control, PENDING);
      if (pending === 0) break;
      // Never wait unboundedly: the benchmark hung twice here with both this
      // thread and a worker asleep, the worker on a generation it had not
      // seen (a lost wake-up we could not explain; see docs/backends.md). A
      // wait that times out notifies the workers again, and they check the
      // generation before they run anything.
      if (Atomics.wait(this.control, PENDING, pending, REWAKE_MS) === 'timed-out') {
        if (Atomics.load(this.control, TAKEN) < this.workers.length) this.lostWakeups++;
        Atomics.notify(this.control, GENERATION);
      }
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
