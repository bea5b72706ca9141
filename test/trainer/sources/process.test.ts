// Model sources through the real trainer process and CLI (needs the built
// dist/: node scripts/build.mjs --only trainer,cli): a module that blocks the
// child forever is killed by the parent, nothing is left running, and every
// example trains from the command line.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TrainerEvent } from '../../../src/shared/protocol';
import { MODULE_TIMEOUT_ENV } from '../../../src/node/userCodePhases';
import { TrainerProcess, USER_CODE_KILL_MARGIN_MS } from '../../../src/client/trainerProcess';
import { runCli } from '../../cli/helpers';
import { EXAMPLES, lineOf, moduleWith, writeFiles } from './helpers';
import { isAlive } from '../../debug/client';

async function runToExit(
  file: string,
  env: Record<string, string> = {},
): Promise<{ events: TrainerEvent[]; exit: { code: number | null; signal: string | null }; ms: number; pid: number }> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env); // the child inherits the environment at fork
  const started = Date.now();
  const trainer = new TrainerProcess({ modelFile: file, backend: 'wasm' });
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  const events: TrainerEvent[] = [];
  trainer.on('event', (e: TrainerEvent) => events.push(e));
  const exit = await trainer.exitPromise;
  return { events, exit, ms: Date.now() - started, pid: trainer.pid! };
}

const errorOf = (events: TrainerEvent[]) => events.find((e): e is Extract<TrainerEvent, { type: 'error' }> => e.type === 'error');

describe('model sources in the trainer process', () => {
  it('a synchronous endless loop in model() is killed by the parent after the time limit, with a clear error', async () => {
    const dir = writeFiles({ 'loop.model.ts': moduleWith('  for (;;) {}', 'export const timeoutSeconds = 0.5;') });
    const { events, exit, ms, pid } = await runToExit(path.join(dir, 'loop.model.ts'));
    assert.equal(exit.signal, 'SIGKILL');
    assert.ok(ms >= 500 + USER_CODE_KILL_MARGIN_MS - 100 && ms < 20_000, `took ${ms} ms`);
    const error = errorOf(events);
    assert.equal(error?.error.file, path.join(dir, 'loop.model.ts'));
    assert.match(
      error!.error.message,
      /model\(\) of loop\.model\.ts did not finish within 0\.5 s and blocks the trainer \(a synchronous endless loop\?\), so the trainer process was killed/,
    );
    assert.equal(isAlive(pid), false, 'no process left');
  });

  it('an endless loop in top-level code is bounded by NEURAL_DEBUGGER_MODULE_TIMEOUT', async () => {
    const dir = writeFiles({ 'top.model.ts': `${moduleWith('  return null;')}\nwhile (Date.now() > 0) {}\n` });
    const { events, exit, pid } = await runToExit(path.join(dir, 'top.model.ts'), { [MODULE_TIMEOUT_ENV]: '0.4' });
    assert.equal(exit.signal, 'SIGKILL');
    assert.match(errorOf(events)!.error.message, /the top-level code of top\.model\.ts did not finish within 0\.4 s/);
    assert.equal(isAlive(pid), false);
  });

  it('a model() that never resolves ends the child itself (exit 2) at the limit', async () => {
    const dir = writeFiles({
      'wait.model.ts': moduleWith('  return new Promise(() => setInterval(() => undefined, 1000));', 'export const timeoutSeconds = 0.5;'),
    });
    const { events, exit, ms, pid } = await runToExit(path.join(dir, 'wait.model.ts'));
    assert.deepEqual(exit, { code: 2, signal: null });
    assert.ok(ms < 500 + USER_CODE_KILL_MARGIN_MS, `the child's own timeout came first (${ms} ms)`);
    assert.match(errorOf(events)!.error.message, /model\(\) of wait\.model\.ts did not finish within 0\.5 s \(a promise that never settles/);
    assert.equal(isAlive(pid), false);
  });
});

describe('model sources from the CLI', () => {
  it('a module with an error prints FILE:LINE:COL: error: … and exits 2', async () => {
    const text = moduleWith(`  const layer = tf.layers.dense({ units: 2 });\n  return layer.apply(undefined as never); // applies nothing`);
    const dir = writeFiles({ 'err.model.ts': text });
    const result = await runCli(['train', 'err.model.ts', '--backend', 'wasm'], { cwd: dir, timeoutMs: 60_000 });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, new RegExp(`^err\\.model\\.ts:${lineOf(text, '// applies nothing')}:\\d+: error: model\\(\\) of err\\.model\\.ts threw `, 'm'));
  });

  it('examples/custom.model.ts trains', async () => {
    const result = await runCli(['train', path.join(EXAMPLES, 'custom.model.ts'), '--epochs', '1', '--backend', 'wasm'], { timeoutMs: 120_000 });
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      /custom\.model\.ts: 9 layers \+ input, 2,484 parameters; data\(\) of custom\.model\.ts: 1200 train \/ 300 validation \/ 300 test samples/,
    );
    assert.match(result.stderr, /test accuracy \d+\.\d+%\nfinished after 38 steps/);
  });

  it('examples/keras-mlp trains', async () => {
    const result = await runCli(['train', path.join(EXAMPLES, 'keras-mlp', 'keras-mlp.nn.json'), '--epochs', '2', '--backend', 'wasm'], { timeoutMs: 120_000 });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /keras-mlp\.nn\.json: 3 layers \+ input, 1,218 parameters/);
    assert.match(result.stderr, /finished after 50 steps/);
  });

  it('examples/mnist-finetune trains from the mnist-mlp checkpoint its createdBy command makes, and says how to make it when missing', async () => {
    const dir = writeFiles({});
    const spec = path.join(dir, 'mnist-finetune.nn.json');
    fs.copyFileSync(path.join(EXAMPLES, 'mnist-finetune.nn.json'), spec);
    const missing = await runCli(['train', spec, '--backend', 'wasm'], { timeoutMs: 60_000 });
    assert.equal(missing.code, 2);
    assert.match(
      missing.stderr,
      /weights not found: .*checkpoints\/mnist-mlp\/epoch-1 does not exist; create them with: neural-debugger train examples\/mnist-mlp\.nn\.json --epochs 1 --checkpoint-dir examples\/checkpoints\/mnist-mlp/,
    );

    const base = await runCli(
      ['train', path.join(EXAMPLES, 'mnist-mlp.nn.json'), '--epochs', '1', '--checkpoint-dir', path.join(dir, 'checkpoints', 'mnist-mlp'), '--backend', 'wasm'],
      { timeoutMs: 240_000 },
    );
    assert.equal(base.code, 0, base.stderr);
    const result = await runCli(['train', spec, '--backend', 'wasm'], { timeoutMs: 120_000 });
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      /info: loaded 4 weight\(s\) of dense_1, dense_2 from .*; freshly initialised \(not in the file\): head; not used from the file: dense_3/,
    );
    assert.match(result.stderr, /info: frozen \(not trained, activations still measured\): dense_1, dense_2; trained: head/);
    const accuracy = Number(/test accuracy (\d+\.\d+)%/.exec(result.stderr)?.[1]);
    assert.ok(accuracy > 90, `test accuracy ${accuracy}% (frozen features of a trained network)`);
  });
});
