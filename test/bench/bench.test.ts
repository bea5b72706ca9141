// Smoke test of `npm run bench`: quick mode on one model. Checks the shape of
// what it prints and writes, never the speed.
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const BENCH = path.join(ROOT, 'dist', 'bench.js');

describe('benchmark (quick mode)', function () {
  this.timeout(300_000);
  let dir: string;
  let stdout: string;
  let stderr: string;
  let status: number | null;
  const out = () => path.join(dir, 'results.json');

  before(() => {
    if (!fs.existsSync(BENCH) || !fs.existsSync(path.join(ROOT, 'dist', 'trainer.js'))) {
      execFileSync(process.execPath, ['scripts/build.mjs', '--only', 'bench,trainer'], { cwd: ROOT });
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nd-bench-'));
    // A previous results file, to check that its figures are printed beside the new ones.
    fs.writeFileSync(out(), JSON.stringify([{ model: 'mlp', batch: 32, variant: 'fit', backend: 'wasm', samplesPerSec: 1234, runs: [1234] }]));
    const r = spawnSync(
      process.execPath,
      [BENCH, '--quick', '--models', 'mlp', '--batches', '32', '--seconds', '1', '--threads', '1,2', '--no-webview', '--out', out()],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    ({ stdout, stderr, status } = r);
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('exits 0 and prints the throughput table with the previous figures', () => {
    assert.equal(status, 0, stderr);
    assert.match(stdout, /\| model \| batch \| backend \| fit \| instrumented-default \| instrumented-full \| pytorch \| load avg \|/);
    const row = stdout.split('\n').find((l) => l.startsWith('| mlp | 32 |'));
    assert.ok(row, stdout);
    assert.match(row, /\[prev 1\.23k\]/, 'the previous fit figure is shown beside the new one');
    assert.match(row, /\(\d+\.\d\d×\)/, 'instrumented columns carry their ratio to fit');
  });

  it("measures the copy of the weights behind every pause's update ratios (pause-ratios)", () => {
    const row = stdout.split('\n').find((l) => l.startsWith('| MLP 784-128-64-10 | 109,386 | 0.44 MB |'));
    assert.ok(row, stdout);
    const [step, copy, pause] = row
      .split('|')
      .slice(4, 7)
      .map((cell) => Number.parseFloat(cell));
    assert.ok(step > 0 && copy > 0 && pause > 0 && copy < step, row);
  });

  it('writes results.json records for every variant', () => {
    const results = JSON.parse(fs.readFileSync(out(), 'utf8')) as Record<string, unknown>[];
    const variants = results.map((r) => r.variant);
    for (const v of ['fit', 'instrumented-default', 'instrumented-full']) assert.ok(variants.includes(v), `${v} in ${variants}`);
    for (const r of results) {
      assert.equal(r.model, 'mlp');
      assert.equal(r.batch, 32);
      assert.equal(typeof r.backend, 'string');
      assert.ok(typeof r.samplesPerSec === 'number' && r.samplesPerSec > 0, JSON.stringify(r));
      assert.ok(Array.isArray(r.runs) && (r.runs as number[]).length === 1, 'quick mode: one run');
      if (r.variant === 'pytorch') assert.equal(r.torchThreads, 1, JSON.stringify(r));
      else assert.ok(r.threads === 1 || r.threads === 2, `threads on every tfjs row: ${JSON.stringify(r)}`);
      if (r.threads === 2) assert.ok(typeof r.speedupOverOneThread === 'number' && r.speedupOverOneThread > 0, JSON.stringify(r));
    }
    for (const v of ['fit', 'instrumented-default', 'instrumented-full']) {
      assert.deepEqual(
        results.filter((r) => r.variant === v).map((r) => r.threads),
        [1, 2],
        `${v} on 1 and 2 kernel threads`,
      );
    }
  });

  it('prints the thread scaling table and starts the kernels on the most threads asked for', () => {
    assert.match(stderr, /kernel threads 2;/);
    assert.match(stdout, /## Thread scaling, samples\/s \(kernel threads 1, 2; PyTorch threads 1; same rounds\)/);
    assert.match(stdout, /\| mlp \| 32 \| instrumented-default \| [\d.k]+ \| [\d.k]+ \(\d+\.\d\d×\) \|/);
  });

  it('runs PyTorch in turns with tfjs and prints the per-round ratios, or says in one line why not', () => {
    const results = JSON.parse(fs.readFileSync(out(), 'utf8')) as { variant: string; backend: string; ratioToPytorch?: unknown; runs: number[] }[];
    const torch = results.find((r) => r.variant === 'pytorch');
    const row = stdout.split('\n').find((l) => l.startsWith('| mlp | 32 |'))!;
    if (!torch) {
      assert.match(stderr, /^pytorch: skipped — .+$/m);
      assert.equal(stderr.match(/^pytorch: skipped/gm)?.length, 1, 'one skip line');
      assert.ok(results.every((r) => r.ratioToPytorch === undefined));
      return;
    }
    assert.match(torch.backend, /^pytorch \S+ \(1 thread\)$/);
    assert.match(stderr, /^pytorch: .*interleaved with tfjs$/m);
    assert.match(row, /\| [\d.]+k? \(fit \d+\.\d\d×, ours \d+\.\d\d×\) \| [\d.]+–[\d.]+ \|$/, 'the pytorch cell carries fit and instrumented-default ratios');
    for (const r of results.filter((x) => x.variant !== 'pytorch')) {
      assert.ok(typeof r.ratioToPytorch === 'number' && r.ratioToPytorch > 0, `${r.variant}: ratioToPytorch ${String(r.ratioToPytorch)}`);
    }
    // The rounds interleave: PyTorch's round is logged in the same round as the tfjs variants'.
    assert.match(stderr, /round 1 pytorch: \d+ samples\/s/);
  });

  it('states which native kernel build runs', () => {
    assert.match(stderr, /^backend: .*; native kernels: (relaxed-simd|simd|none \(.+\)|not used \(backend \w+\)).*; \d+ cores/m);
    assert.match(stdout, /^Backend: \w+.*; native kernels: /m);
  });

  it('without a Python with torch, skips PyTorch in one line and still exits 0', () => {
    const skipOut = path.join(dir, 'skip.json');
    const r = spawnSync(process.execPath, [BENCH, '--quick', '--only', 'pytorch', '--python', path.join(dir, 'no-python'), '--out', skipOut], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /^pytorch: skipped — no Python with torch \(tried .*no-python; .+\)$/m);
    assert.equal(r.stderr.match(/^pytorch: skipped/gm)?.length, 1, r.stderr);
    assert.deepEqual(JSON.parse(fs.readFileSync(skipOut, 'utf8')), []);
  });

  it('prints its usage for --help, and refuses a bad command line naming the flag, with exit code 2', () => {
    const help = spawnSync(process.execPath, [BENCH, '--help'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^usage: node dist\/bench\.js/);
    for (const [args, message] of [
      [['--bogus'], /unknown argument '--bogus'/],
      [['--runs'], /--runs needs a value/],
      [['--seconds', 'x'], /--seconds: expected a positive number, got 'x'/],
      [['--models', 'mlp,rnn'], /--models: unknown 'rnn'; use mlp, cnn, lstm, transformer/],
      [['--threads', '1,0'], /--threads: expected positive integers, e.g. 1/],
    ] as const) {
      const r = spawnSync(process.execPath, [BENCH, ...args], { cwd: ROOT, encoding: 'utf8' });
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /usage: /);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace for a usage error');
    }
  });

  it('compares the wire framings: CPU time per step event of sender and receiver', () => {
    for (const framing of ['json-lines', 'length-prefixed']) {
      assert.match(stdout, new RegExp(`\\| ${framing} \\| \\d+ \\| \\d+\\.\\d \\| \\d+\\.\\d \\| \\d+\\.\\d % \\|`));
    }
  });

  it('reports the time to the first statistics and the trainer peak RSS', () => {
    assert.match(stdout, /spawn → first step statistics at the parent: median \d+ ms/);
    assert.match(stdout, /trainer peak RSS \(VmHWM\) over a 300-step run: (\d+ MB|not available)/);
  });
});
