// PyTorch scripts through the CLI (dist/cli.js → dist/pythonHost.js → the
// probe): measurements checked against an independent float64
// recomputation, the script's own errors, a missing interpreter or torch,
// the --steps cap (a diagnostic stop on the shipped example: pytorchExamples.test.ts). The interpreter comes from
// ensureTorchPython(): where none can be had, these tests fail with the reason.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readTrace, endReason } from '../../src/node/traceReader';
import { ensureTorchPython } from '../../scripts/python/torchPython';
import { runCli, ROOT } from '../cli/helpers';
import { tempDir } from '../trainer/run/harness';

export const PYTORCH_FIXTURES = path.join(ROOT, 'test', 'fixtures', 'pytorch');
const TINY = path.join(PYTORCH_FIXTURES, 'tiny_mlp.py');

describe('PyTorch scripts on the command line', function () {
  this.timeout(180_000);
  let python: string;
  before(() => {
    python = ensureTorchPython().python;
  });

  it('per-parameter gradient norms equal a float64 recomputation on the same batch and weights (≤ 1e-6 relative)', async () => {
    const dir = tempDir();
    const trace = path.join(dir, 'run.jsonl');
    const save = path.join(dir, 'steps');
    fs.mkdirSync(save);
    const r = await runCli(['train', TINY, '--python', python, '--trace', trace, '--', '--epochs', '2', '--save', save]);
    assert.equal(r.code, 0, r.stderr);
    const run = await readTrace(trace);
    assert.equal(endReason(run), 'completed');
    assert.equal(run.steps.length, 8);
    assert.deepEqual(
      run.epochs.map((e) => [e.stats.epoch, e.stats.step]),
      [
        [1, 4],
        [2, 8],
      ],
    );
    const check = spawnSync(python, [path.join(PYTORCH_FIXTURES, 'recompute_grads.py'), save], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
    const expected = JSON.parse(check.stdout) as Record<string, { saved: number[]; recomputed: number[] }>;
    for (const { stats } of run.steps) {
      const norms = stats.weights.map((w) => w.gradNorm!);
      const want = expected[String(stats.step)];
      assert.equal(norms.length, want.recomputed.length);
      norms.forEach((n, i) => {
        for (const reference of [want.saved[i], want.recomputed[i]]) {
          assert.ok(Math.abs(n - reference) <= 1e-6 * reference, `step ${stats.step} ${stats.weights[i].name}: ${n} vs ${reference}`);
        }
      });
      const global = Math.sqrt(norms.reduce((a, n) => a + n * n, 0));
      // The trace keeps 7 significant digits (float32 resolution: docs/trace-format.md), so the global norm agrees to ~1e-7.
      assert.ok(Math.abs(stats.gradNorm - global) <= 1e-6 * global, `step ${stats.step}: global ${stats.gradNorm} vs ${global}`);
      // The loss is the tensor backward() was called on.
      assert.ok(stats.loss > 0 && Number.isFinite(stats.loss));
    }
    // The first step is detailed: activation statistics from forward hooks, update ratios.
    const first = run.steps[0].stats;
    assert.equal(first.detailed, true);
    const tanh = first.layers.find((l) => l.className === 'Tanh')!;
    assert.equal(tanh.activationStats!.saturatedFraction !== null, true);
    assert.ok(first.weights.every((w) => w.updateRatio! > 0 && w.norm! > 0));
    assert.deepEqual(
      run.header.topology.layers.map((l) => [l.name, l.outputShape]),
      [
        ['input', [null, 2]],
        ['linear_0', [null, 16]],
        ['tanh_1', [null, 16]],
        ['linear_2', [null, 16]],
        ['relu_3', [null, 16]],
        ['linear_4', [null, 3]],
      ],
    );
    // The script's own print() reached the terminal.
    assert.match(r.stderr, /epoch 2 loss \d/);
  });

  it("an exception in the script: FILE:LINE:COL at the user's line, exit 2, the trace ends with it", async () => {
    const trace = path.join(tempDir(), 'run.jsonl');
    const r = await runCli(['train', TINY, '--python', python, '--trace', trace, '--', '--fail-at', '3']);
    assert.equal(r.code, 2, r.stderr);
    const line =
      fs
        .readFileSync(TINY, 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('raise ValueError(f')) + 1;
    assert.match(r.stderr, new RegExp(`tiny_mlp\\.py:${line}:1: error: ValueError: bad batch at step 3`));
    assert.match(r.stderr, /Traceback \(most recent call last\)/);
    assert.doesNotMatch(r.stderr, /neural_debugger_probe|runpy/, 'the probe stays out of the user traceback');
    const run = await readTrace(trace);
    assert.equal(endReason(run), 'error');
    assert.equal(run.steps.length, 2);
  });

  it('a missing interpreter, or one without torch, is a clear error (exit 2) naming it and what to install', async () => {
    let r = await runCli(['train', TINY, '--python', '/nonexistent/python3']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /the Python interpreter '\/nonexistent\/python3' was not found: install Python 3 with PyTorch/);
    // An interpreter whose `import torch` fails (a stand-in torch package that raises ImportError).
    const fake = tempDir();
    fs.mkdirSync(path.join(fake, 'torch'));
    fs.writeFileSync(path.join(fake, 'torch', '__init__.py'), 'raise ImportError("No module named \'torch\'")\n');
    r = await runCli(['train', TINY, '--python', python], { env: { PYTHONPATH: fake } });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`the Python interpreter \\S+ cannot import torch .*install PyTorch for it`));
    assert.doesNotMatch(r.stderr, /internal error/);
  });

  it("output before the probe's hello (an interpreter warning at start-up) comes after it, as a log line", async () => {
    const site = tempDir();
    fs.writeFileSync(path.join(site, 'sitecustomize.py'), 'import sys\nsys.stderr.write("startup warning from sitecustomize\\n")\n');
    const r = await runCli(['train', TINY, '--python', python, '--json', '--', '--epochs', '1'], { env: { PYTHONPATH: site } });
    assert.equal(r.code, 0, r.stderr);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; trainer?: string; message?: string });
    assert.equal(events[0].type, 'hello');
    assert.match(events[0].trainer!, /^pytorch \d/);
    assert.ok(events.some((e) => e.type === 'log' && e.message === 'startup warning from sitecustomize'));
  });

  it('--steps caps the script; a bad -- use is a usage error', async () => {
    const r = await runCli(['train', TINY, '--python', python, '--steps', '3', '--epochs', '2', '--json', '--', '--epochs', '5']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /epochs: not applied to a PyTorch script/);
    const finished = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; reason?: string; steps?: number })
      .find((e) => e.type === 'finished')!;
    assert.deepEqual([finished.reason, finished.steps], ['completed', 3]);
    const bad = await runCli(['train', path.join(ROOT, 'examples', 'spiral-mlp.nn.json'), '--', '--lr', '1']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /arguments after -- go to a PyTorch script/);
  });
});
