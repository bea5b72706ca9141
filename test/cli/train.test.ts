// The CLI as a user runs it: help, bad input (exit 2, FILE:LINE:COL, no stack
// trace), a real training run with trace and checkpoints, every example on wasm.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { endReason, readTrace } from '../../src/node/traceReader';
import { tempDir } from '../trainer/run/harness';
import { ROOT, runCli } from './helpers';

function assertNoStack(text: string): void {
  assert.doesNotMatch(text, /\n\s+at .+:\d+:\d+/, `stack trace in output:\n${text}`);
}

describe('CLI: neural-debugger train', () => {
  it('prints help with exit 0, and usage with exit 2 for a bad option', async () => {
    const help = await runCli(['train', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--checkpoint-dir DIR/);
    const bad = await runCli(['train', 'examples/spiral-mlp.nn.json', '--epochs', 'many']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--epochs expects an integer/);
    assertNoStack(bad.stderr);
  });

  it('reports a malformed spec as FILE:LINE:COL with exit code 2 and no process started', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'broken.nn.json');
    fs.writeFileSync(file, '{\n  "name": "x",\n  "model": { "layers": [ { "type": "dense", "units": -4 } ] }\n}\n');
    const r = await runCli(['train', file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: error: `, 'm'));
    assertNoStack(r.stderr);
    const missing = await runCli(['train', path.join(dir, 'nope.nn.json')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.nn\.json: error: /);
  });

  it('reports a data error from the trainer child with the field path and exit code 2', async () => {
    const r = await runCli(['train', 'examples/cifar10-cnn.nn.json', '--steps', '1']);
    if (fs.existsSync(path.join(ROOT, 'examples', 'data', 'cifar-10-batches-bin', 'data_batch_1.bin'))) return;
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cifar10-cnn\.nn\.json: error: data\.path: /);
    assert.match(r.stderr, /cifar/i);
    assertNoStack(r.stderr);
  });

  it('trains the spiral example, writing a valid trace and loadable checkpoints', async () => {
    const dir = tempDir();
    const trace = path.join(dir, 'run.jsonl');
    const ckpt = path.join(dir, 'ckpt');
    const r = await runCli(['train', 'examples/spiral-mlp.nn.json', '--epochs', '4', '--trace', trace, '--checkpoint-dir', ckpt, '--seed', '3']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /backend: wasm/);
    assert.match(r.stderr, /epoch 4\/4 /);
    assert.match(r.stderr, /test accuracy \d+\.\d+%/);
    const parsed = await readTrace(trace);
    assert.equal(parsed.truncated, false);
    assert.equal(parsed.header.backend.name, 'wasm');
    assert.equal(parsed.epochs.length, 4);
    assert.equal(parsed.steps.length, parsed.epochs[3].stats.step);
    assert.equal(endReason(parsed), 'completed');
    for (const name of ['initial', 'epoch-1', 'epoch-4']) {
      assert.ok(fs.existsSync(path.join(ckpt, name, 'model.json')), `${name}/model.json`);
      assert.ok(fs.existsSync(path.join(ckpt, name, 'weights.bin')), `${name}/weights.bin`);
    }
  });

  it('trains every example a few steps on wasm without a kernel error', async function () {
    // cifar10-cnn needs the CIFAR-10 files; mnist-finetune needs the mnist-mlp
    // checkpoint (test/trainer/sources/process.test.ts makes one and trains it).
    const needsFiles = ['cifar10-cnn.nn.json', 'mnist-finetune.nn.json'];
    const examples = fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.nn.json') && !needsFiles.includes(f));
    assert.ok(examples.length >= 9);
    for (const example of examples) {
      const r = await runCli(['train', `examples/${example}`, '--steps', '3', '--backend', 'wasm']);
      assert.equal(r.code, 0, `${example}:\n${r.stderr}`);
      assert.doesNotMatch(r.stderr, /not registered/);
      assert.match(r.stderr, /finished after 3 steps|stopped after 3 steps/, example);
    }
  });
});
