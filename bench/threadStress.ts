// Fork-join rate and liveness of the kernel thread pool
// (src/trainer/backend/native/threadPool.ts): a small product split over the
// pool's threads as often as possible for a while, with 0, 30 or 120 µs of
// busy JS between calls (so the workers go through spinning, and through
// sleeping, between calls). Prints the calls per second; a lost wake-up
// would hang it, so run it under `timeout`.
//
//   NEURAL_DEBUGGER_SPLIT_FLOPS=0 timeout 120 npx tsx bench/threadStress.ts [--threads N] [--seconds S]
// The spin budget is NEURAL_DEBUGGER_SPIN (docs/performance.md, "Threads").

import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { nativeKernels } from '../src/trainer/backend/native/module';
import { initBackend } from '../src/trainer/backend/select';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const n = i < 0 ? fallback : Number(process.argv[i + 1]);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}: expected a positive number`);
  return n;
}

async function main(): Promise<void> {
  const threads = flag('--threads', 2);
  const seconds = flag('--seconds', 5);
  await initBackend('auto', { threads });
  const native = nativeKernels(tf.backend() as BackendWasm);
  if (!native || native.threads < 2) throw new Error('needs the wasm backend with native kernels and --threads ≥ 2');
  if (native.splitCutoff.awake > 0 || native.splitCutoff.asleep > 0)
    console.warn('warning: set NEURAL_DEBUGGER_SPLIT_FLOPS=0, or these products are not split');
  const a = tf.randomUniform([16, 64]);
  const b = tf.randomUniform([64, 32]);
  const started = performance.now();
  const splitBefore = native.splitCalls;
  let calls = 0;
  while (performance.now() - started < seconds * 1000) {
    tf.matMul(a, b).dispose();
    calls++;
    const gapUs = calls % 7 === 0 ? 120 : calls % 3 === 0 ? 30 : 0;
    const until = performance.now() + gapUs / 1000;
    while (performance.now() < until);
  }
  const elapsed = (performance.now() - started) / 1000;
  console.log(
    `${threads} threads, spin ${process.env.NEURAL_DEBUGGER_SPIN ?? 'default'}: ${calls} calls (${native.splitCalls - splitBefore} split, ${native.lostWakeups} lost wake-ups recovered) in ${elapsed.toFixed(1)} s, ${(calls / elapsed / 1000).toFixed(1)}k calls/s`,
  );
  tf.dispose([a, b]);
  process.exit(0);
}

void main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
