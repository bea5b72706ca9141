// Faults: the trainer runs out of memory, the disk fills up mid-run, two runs
// at once. Every failure is reported clearly, the trace stays valid to the last
// step, earlier checkpoints stay intact, and the next run starts cleanly.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadCheckpointModel } from '../../src/trainer/checkpoint';
import { endReason, readTrace } from '../../src/node/traceReader';
import { runCli } from '../cli/helpers';
import { tempDir } from '../trainer/run/harness';

const SPIRAL = path.resolve(__dirname, '..', '..', 'examples', 'spiral-mlp.nn.json');

describe('faults', () => {
  it('the trainer runs out of memory: a clear message, a valid trace up to the last step, then a clean new run', async () => {
    const trace = path.join(tempDir(), 'oom.jsonl');
    const r = await runCli(['train', SPIRAL, '--trace', trace], {
      env: { NEURAL_DEBUGGER_FAULT: 'oom@30', NODE_OPTIONS: '--max-old-space-size=300' },
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: the trainer process ran out of memory \(SIGABRT\); the trace up to the last step is in /m);
    assert.match(r.stderr, /JavaScript heap out of memory/);
    assert.doesNotMatch(r.stderr, /: 0x[0-9a-f]{6,}/, 'no native stack frames');
    const parsed = await readTrace(trace);
    assert.equal(endReason(parsed), 'killed');
    assert.deepEqual(
      parsed.steps.map((s) => s.stats.step),
      Array.from({ length: 30 }, (_, i) => i + 1),
    );

    const again = await runCli(['train', SPIRAL, '--epochs', '2', '--trace', trace]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(endReason(await readTrace(trace)), 'completed');
  });

  describe('a disk that fills up mid-run', function () {
    let mount = '';
    before(function () {
      mount = tempDir('nd-tmpfs-');
      try {
        // 400 KiB: room for the first checkpoints and a few hundred trace records.
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=400k', 'tmpfs', mount], { stdio: 'ignore' });
      } catch {
        console.log('      (skipped: mounting a small tmpfs needs root; this test runs in CI as root)');
        this.skip();
      }
    });
    after(() => {
      if (mount) {
        try {
          execFileSync('umount', [mount], { stdio: 'ignore' });
        } catch {
          // not mounted
        }
      }
    });

    it('stops with a clear error, the trace valid, the earlier checkpoints intact', async () => {
      const trace = path.join(mount, 'run.jsonl');
      const ckpt = path.join(mount, 'ckpt');
      const r = await runCli(['train', SPIRAL, '--epochs', '30', '--stats-every', '1', '--trace', trace, '--checkpoint-dir', ckpt]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /(run\.jsonl|ckpt.*): error: .*(no space|disk is full|ENOSPC)/i);
      assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/);
      const parsed = await readTrace(trace);
      assert.ok(parsed.steps.length > 0);
      const steps = parsed.steps.map((s) => s.stats.step);
      assert.deepEqual(
        steps,
        Array.from({ length: steps.length }, (_, i) => i + 1),
      );
      // Every checkpoint folder under its final name loads; no temp folder is left.
      await tf.setBackend('cpu');
      const folders = fs.readdirSync(ckpt);
      assert.ok(folders.includes('initial'), folders.join(', '));
      assert.deepEqual(
        folders.filter((f) => f.startsWith('.')),
        [],
      );
      for (const folder of folders) {
        const model = await loadCheckpointModel(path.join(ckpt, folder));
        assert.ok(model.countParams() > 0);
        model.dispose();
      }
    });
  });

  it('two runs at once are isolated and both complete', async () => {
    const dir = tempDir();
    const [a, b] = await Promise.all([
      runCli(['train', SPIRAL, '--epochs', '3', '--seed', '1', '--trace', path.join(dir, 'a.jsonl'), '--checkpoint-dir', path.join(dir, 'ca')]),
      runCli(['train', SPIRAL, '--epochs', '3', '--seed', '2', '--trace', path.join(dir, 'b.jsonl'), '--checkpoint-dir', path.join(dir, 'cb')]),
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const [ta, tb] = await Promise.all([readTrace(path.join(dir, 'a.jsonl')), readTrace(path.join(dir, 'b.jsonl'))]);
    assert.equal(ta.header.settings.seed, 1);
    assert.equal(tb.header.settings.seed, 2);
    assert.equal(endReason(ta), 'completed');
    assert.equal(endReason(tb), 'completed');
    assert.notEqual(ta.steps[0].stats.loss, tb.steps[0].stats.loss);
  });
});
