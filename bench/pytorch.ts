// PyTorch as one more slice runner of the throughput benchmark: a persistent
// `bench/pytorch_bench.py --serve` worker that trains in turns with the tfjs
// variants (see the protocol in that file), so that each round's ratios of
// tfjs to PyTorch are measured under the same machine load. The worker is
// blocked reading stdin while tfjs trains, and this process is awaiting the
// worker's answer while PyTorch trains: never both at once.
//
// Python: `python3` first on PATH may be a build that does not see Debian's
// python3-torch, so /usr/bin/python3 is tried too (or only `--python FILE`).
// Without torch: one line `pytorch: skipped — …`.

import { spawn, type ChildProcessByStdio } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { torchVersionOf } from '../scripts/python/torchPython';
import { repoRoot } from './models';
import type { Runner, Timing } from './variants';

export const DEFAULT_PYTHONS = ['python3', '/usr/bin/python3'];

/** The first of `pythons` that imports torch, with torch's version. */
export function findTorchPython(pythons: string[]): { python: string; version: string } | null {
  for (const python of pythons) {
    const version = torchVersionOf(python);
    if (version) return { python, version };
  }
  return null;
}

export interface PytorchOptions {
  /** torch.set_num_threads (1 by default, like tfjs-wasm in Node). */
  threads: number;
  /** Only this interpreter instead of python3, /usr/bin/python3. */
  python?: string;
  log: (line: string) => void;
}

type Reply = Record<string, unknown>;

/** The `--serve` worker: one request at a time, one JSON line answered per request. */
export class PytorchWorker {
  private readonly waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void }[] = [];
  private exited: string | null = null;
  /** e.g. `pytorch 1.13.0a0 (1 thread)`, the `backend` of the pytorch records. */
  backend = 'pytorch';
  /** torch.get_num_threads() of the worker. */
  threads = 1;

  private constructor(private readonly child: ChildProcessByStdio<Writable, Readable, null>) {
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      const next = this.waiting.shift();
      if (!next) return;
      try {
        next.resolve(JSON.parse(line) as Reply);
      } catch {
        next.reject(new Error(`pytorch worker: unexpected output '${line.slice(0, 200)}'`));
      }
    });
    const gone = (why: string) => {
      this.exited ??= why;
      for (const w of this.waiting.splice(0)) w.reject(new Error(`pytorch worker ${this.exited}`));
    };
    child.on('exit', (code, signal) => gone(`exited (${signal ?? `code ${code}`})`));
    child.on('error', (e) => gone(`failed: ${e.message}`));
    child.stdin.on('error', () => {}); // EPIPE after a crash: reported through 'exit'
  }

  /** A running worker, or null after logging one line saying why PyTorch is skipped. */
  static async start(options: PytorchOptions): Promise<PytorchWorker | null> {
    const pythons = options.python ? [options.python] : DEFAULT_PYTHONS;
    const found = findTorchPython(pythons);
    if (!found) {
      options.log(`pytorch: skipped — no Python with torch (tried ${pythons.join(', ')}; on Debian: apt install python3-torch libopenblas0-pthread)`);
      return null;
    }
    const script = path.join(repoRoot(), 'bench', 'pytorch_bench.py');
    const child = spawn(found.python, [script, '--serve', '--threads', String(options.threads)], {
      env: {
        ...process.env,
        // torch's Linear and LSTM call OpenBLAS's sgemm from one thread; OpenBLAS
        // then splits it over its own threads, so it gets the same count as
        // torch (at 1 with --torch-threads 2, torch's matrix products stayed on
        // one core).
        OPENBLAS_NUM_THREADS: String(options.threads),
        // With --torch-threads 2, OpenMP's helper thread spins ≤ 10 ms after a slice
        // (measured); OMP_WAIT_POLICY=PASSIVE would stop that but cut 2-thread
        // throughput by a third, so the default policy stays.
        OMP_NUM_THREADS: String(options.threads),
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const worker = new PytorchWorker(child);
    try {
      const info = await worker.request({ cmd: 'info' });
      const threads = Number(info.threads);
      worker.backend = `pytorch ${String(info.torch)} (${threads} thread${threads === 1 ? '' : 's'})`;
      worker.threads = threads;
      options.log(
        `pytorch: ${found.python}, torch ${String(info.torch)}, ${threads} thread(s), OPENBLAS_NUM_THREADS=${String(info.openblasThreads)}, BLAS ${String(info.blas ?? 'unknown')}, interleaved with tfjs`,
      );
      // Debian's reference BLAS (…/blas/libblas.so.3) makes torch's Linear and LSTM 4–5× slower than OpenBLAS or MKL.
      if (typeof info.blas === 'string' && /\/blas\/libblas\.so/.test(info.blas)) {
        options.log('pytorch: WARNING: torch uses the reference BLAS, so its numbers are far below a normal install; apt install libopenblas0-pthread');
      }
      return worker;
    } catch (e) {
      worker.kill();
      options.log(`pytorch: skipped — bench/pytorch_bench.py --serve failed (${e instanceof Error ? e.message : String(e)})`);
      return null;
    }
  }

  /** The worker's process id (tests read its CPU time from /proc). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Sends one command and waits for its answer; an `{error}` answer rejects. */
  request(command: Reply): Promise<Reply> {
    if (this.exited) return Promise.reject(new Error(`pytorch worker ${this.exited}`));
    return new Promise<Reply>((resolve, reject) => {
      this.waiting.push({
        resolve: (r) => (typeof r.error === 'string' ? reject(new Error(`pytorch worker: ${r.error}`)) : resolve(r)),
        reject,
      });
      this.child.stdin.write(JSON.stringify(command) + '\n');
    });
  }

  /** Builds and warms up (5 steps) `model` at `batch` in the worker; a runner of its slices. */
  async runner(model: string, batch: number): Promise<Runner> {
    await this.request({ cmd: 'prepare', model, batch });
    return {
      slice: async (ms: number): Promise<Timing> => {
        const r = await this.request({ cmd: 'slice', ms });
        const samples = Number(r.samples);
        const seconds = Number(r.seconds);
        if (!(samples > 0 && seconds > 0)) throw new Error(`pytorch worker: bad slice answer ${JSON.stringify(r)}`);
        return { samples, seconds };
      },
      dispose: () => {}, // the next prepare replaces the network
    };
  }

  /** Asks the worker to quit (kills it if it does not answer within 5 s). */
  async close(): Promise<void> {
    if (this.exited) return;
    const timer = setTimeout(() => this.kill(), 5000);
    try {
      await this.request({ cmd: 'quit' });
    } catch {
      this.kill();
    } finally {
      clearTimeout(timer);
    }
  }

  private kill(): void {
    if (!this.exited) this.child.kill();
  }
}
