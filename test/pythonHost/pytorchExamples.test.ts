// The shipped examples (examples/pytorch/) and the optional API through the
// CLI: validation metrics from a script's no_grad passes, the vanishing
// gradient stop of deep_sigmoid.py, epoch()/log() in a loop without a
// DataLoader (and harmless without the debugger). docs/pytorch.md.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { readTrace, endReason } from '../../src/node/traceReader';
import { ensureTorchPython } from '../../scripts/python/torchPython';
import { runCli, ROOT } from '../cli/helpers';
import { tempDir } from '../trainer/run/harness';

const EXAMPLES = path.join(ROOT, 'examples', 'pytorch');
const PYTORCH_FIXTURES = path.join(ROOT, 'test', 'fixtures', 'pytorch');
const ONE_THREAD = { OMP_NUM_THREADS: '1' };

describe('PyTorch examples and the optional API on the command line', function () {
  this.timeout(180_000);
  let python: string;
  before(() => {
    python = ensureTorchPython().python;
  });

  it("mnist_mlp.py: each epoch's validation pass gives valLoss and accuracy, equal to what the script prints, and is no epoch", async () => {
    const trace = path.join(tempDir(), 'run.jsonl');
    const script = path.join(EXAMPLES, 'mnist_mlp.py');
    const r = await runCli(['train', script, '--python', python, '--trace', trace, '--', '--epochs', '2', '--limit-batches', '4'], { env: ONE_THREAD });
    assert.equal(r.code, 0, r.stderr);
    const run = await readTrace(trace);
    assert.equal(endReason(run), 'completed');
    assert.equal(run.steps.length, 8);
    const printed = [...r.stderr.matchAll(/test loss (\d+\.\d+), test accuracy (\d+\.\d+) %/g)].map((m) => [Number(m[1]), Number(m[2])]);
    assert.equal(printed.length, 2, r.stderr);
    assert.deepEqual(
      run.epochs.map((e) => [e.stats.epoch, e.stats.step]),
      [
        [1, 4],
        [2, 8],
      ],
    );
    run.epochs.forEach(({ stats }, i) => {
      assert.ok(stats.valLoss !== null && Math.abs(stats.valLoss - printed[i][0]) < 6e-5, `epoch ${stats.epoch}: valLoss ${stats.valLoss} vs ${printed[i][0]}`);
      assert.ok(Math.abs(stats.valMetrics.accuracy * 100 - printed[i][1]) < 6e-3, `epoch ${stats.epoch}: accuracy ${stats.valMetrics.accuracy}`);
    });
    // The validation passes' batches are not steps.
    assert.ok(run.steps.every((s) => s.stats.batchesPerEpoch === 4 && s.stats.batch < 4));
  });

  it('deep_sigmoid.py --break-on vanishing-gradient stops on the vanishing gradient (exit 3)', async () => {
    const r = await runCli(['train', path.join(EXAMPLES, 'deep_sigmoid.py'), '--python', python, '--break-on', 'vanishing-gradient'], { env: ONE_THREAD });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /vanishing-gradient \[layers_0, .*Early layers barely learn.*\n.*stopped on vanishing-gradient/);
  });

  it('--break-on overfitting stops at the end of the epoch whose validation loss (model.eval(), an nn loss module) shows it', async () => {
    const r = await runCli(['train', path.join(PYTORCH_FIXTURES, 'overfit_tiny.py'), '--python', python, '--break-on', 'overfitting'], { env: ONE_THREAD });
    assert.equal(r.code, 3, r.stderr);
    // The epoch's last step (4 batches an epoch): the host decided it with the epoch and its validation loss known.
    const stop = /stopped on overfitting at epoch (\d+), batch 4 \(step (\d+)\)/.exec(r.stderr);
    assert.ok(stop && Number(stop[2]) === 4 * Number(stop[1]), r.stderr);
    const printed = new RegExp(`epoch ${stop[1]} val (\\d+\\.\\d+)`).exec(r.stderr);
    const shown = new RegExp(`epoch ${stop[1]}/\\?  loss \\S+  val_loss (\\d+\\.\\d+)`).exec(r.stderr);
    assert.ok(printed && shown && Math.abs(Number(printed[1]) - Number(shown[1])) < 1e-3, r.stderr);
  });

  it('an exception in a validation pass: the epoch that ended before it is still in the trace, with what was measured', async () => {
    const trace = path.join(tempDir(), 'run.jsonl');
    const script = path.join(PYTORCH_FIXTURES, 'overfit_tiny.py');
    const r = await runCli(['train', script, '--python', python, '--trace', trace, '--', '--epochs', '5', '--fail-in-validation', '2'], { env: ONE_THREAD });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /overfit_tiny\.py:\d+:1: error: RuntimeError: validation failed in epoch 2/);
    const run = await readTrace(trace);
    assert.equal(endReason(run), 'error');
    assert.deepEqual(
      run.epochs.map((e) => [e.stats.epoch, e.stats.step, e.stats.valLoss !== null]),
      [
        [1, 4, true],
        [2, 8, true],
      ],
    );
  });

  it('epoch() and log() mark the epochs and give the metrics of a loop without a DataLoader', async () => {
    const trace = path.join(tempDir(), 'run.jsonl');
    const script = path.join(PYTORCH_FIXTURES, 'own_loop.py');
    const r = await runCli(['train', script, '--python', python, '--trace', trace, '--json', '--', '--epochs', '3', '--steps-per-epoch', '4'], {
      env: ONE_THREAD,
    });
    assert.equal(r.code, 0, r.stderr);
    const logged = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; message?: string })
      .filter((e) => e.type === 'log' && e.message?.startsWith('{'))
      .map((e) => JSON.parse(e.message!) as { epoch: number; val_loss: number });
    const run = await readTrace(trace);
    assert.equal(endReason(run), 'completed');
    assert.deepEqual(
      run.epochs.map((e) => [e.stats.epoch, e.stats.step]),
      [
        [1, 4],
        [2, 8],
        [3, 12],
      ],
    );
    assert.deepEqual(
      run.steps.map((s) => s.stats.batch),
      [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3],
    );
    run.epochs.forEach(({ stats }, i) => {
      assert.ok(Math.abs(stats.valLoss! - logged[i].val_loss) <= 1e-6 * logged[i].val_loss, `epoch ${i + 1}: ${stats.valLoss} vs ${logged[i].val_loss}`);
      assert.ok(Math.abs(stats.valMetrics.mae - Math.sqrt(logged[i].val_loss)) <= 1e-6);
      assert.equal(stats.metrics.lr_used, 0.05);
    });
  });

  it('the API is importable and does nothing in a plain run (the python/ folder on PYTHONPATH, no probe)', () => {
    const r = spawnSync(python, [path.join(PYTORCH_FIXTURES, 'own_loop.py'), '--epochs', '2'], {
      encoding: 'utf8',
      env: { ...process.env, ...ONE_THREAD, PYTHONPATH: path.join(ROOT, 'python') },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').length, 2);
    const bad = spawnSync(python, ['-c', 'from neural_debugger_probe import log; log(val_loss="high")'], {
      encoding: 'utf8',
      env: { ...process.env, PYTHONPATH: path.join(ROOT, 'python') },
    });
    assert.match(bad.stderr, /neural_debugger_probe\.log\(val_loss=\.\.\.\): a number or a one-element tensor is needed, got str/);
  });
});
