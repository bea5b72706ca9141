// The PyTorch worker of the benchmark (bench/pytorch.ts + bench/pytorch_bench.py --serve):
// its JSON-lines protocol, and that it takes no CPU between slices (what lets the
// benchmark interleave it with tfjs). Skipped where no Python with torch exists;
// bench.test.ts checks the skip line there.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { PytorchWorker } from '../../bench/pytorch';

/** User + system CPU seconds of a process so far (Linux /proc). */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

describe('benchmark PyTorch worker', function () {
  this.timeout(120_000);
  let worker: PytorchWorker | null = null;
  const lines: string[] = [];

  before(async function () {
    worker = await PytorchWorker.start({ threads: 1, log: (line) => lines.push(line) });
    if (!worker) {
      assert.match(lines.join('\n'), /^pytorch: skipped — .+$/);
      this.skip();
    }
  });

  after(async () => {
    await worker?.close();
  });

  it('names torch and its thread count', () => {
    assert.match(worker!.backend, /^pytorch \S+ \(1 thread\)$/);
    assert.match(lines.join('\n'), /OPENBLAS_NUM_THREADS=1, BLAS \S+, interleaved with tfjs/);
  });

  it('gives OpenBLAS as many threads as torch (--torch-threads 2)', async () => {
    const two: string[] = [];
    const worker2 = await PytorchWorker.start({ threads: 2, log: (line) => two.push(line) });
    try {
      assert.ok(worker2, 'a second worker started');
      assert.match(worker2.backend, /^pytorch \S+ \(2 threads\)$/);
      assert.match(two.join('\n'), /2 thread\(s\), OPENBLAS_NUM_THREADS=2, BLAS /);
    } finally {
      await worker2?.close();
    }
  });

  it('trains whole steps for at least the slice, for each network', async () => {
    for (const [model, batch] of [
      ['mlp', 1],
      ['lstm', 3],
      ['cnn', 2],
      ['transformer', 5],
    ] as const) {
      const runner = await worker!.runner(model, batch);
      const t = await runner.slice(50);
      assert.ok(t.seconds >= 0.05, `${model}: ${t.seconds} s`);
      assert.ok(t.samples >= batch && t.samples % batch === 0, `${model}: ${t.samples} samples at batch ${batch}`);
      runner.dispose();
    }
  });

  it('reports a failed command and keeps serving', async () => {
    await assert.rejects(worker!.runner('resnet', 8), /pytorch worker: ValueError: resnet/);
    await assert.rejects(worker!.request({ cmd: 'nope' }), /unknown cmd/);
    const runner = await worker!.runner('mlp', 4);
    assert.ok((await runner.slice(20)).samples > 0);
  });

  it('takes no CPU between slices', async function () {
    if (!fs.existsSync(`/proc/${worker!.pid}/stat`)) this.skip();
    const runner = await worker!.runner('mlp', 32);
    const busyBefore = cpuSeconds(worker!.pid!);
    await runner.slice(500);
    const busy = cpuSeconds(worker!.pid!) - busyBefore;
    const idleBefore = cpuSeconds(worker!.pid!);
    await new Promise((resolve) => setTimeout(resolve, 1000)); // as while tfjs trains its slices
    const idle = cpuSeconds(worker!.pid!) - idleBefore;
    assert.ok(busy >= 0.02, `the slice itself used ${busy} s of CPU (the measurement works)`);
    assert.ok(idle <= 0.02, `idle worker used ${idle} s of CPU in 1 s`);
  });
});
