// The plain half of the `pytorch-probe` benchmark part (bench/pytorchScripts.ts):
// it runs the example scripts whole, one process per run, and takes each run's
// samples/s from the script's own `throughput:` line.
import * as assert from 'node:assert/strict';
import { benchScripts, formatScriptTable, parseThroughput, runScript, type BenchScript, type ScriptVariant } from '../../bench/pytorchScripts';
import { ensureTorchPython } from '../../scripts/python/torchPython';

const TINY: BenchScript[] = [
  { name: 'mnist_mlp', script: 'examples/pytorch/mnist_mlp.py', steps: 4, batch: 8 },
  { name: 'cifar10_cnn', script: 'examples/pytorch/cifar10_cnn.py', steps: 3, batch: 4 },
];

describe('benchmark: PyTorch example scripts (pytorch-probe, plain half)', function () {
  this.timeout(180_000);
  let python: string;
  before(() => (python = ensureTorchPython((line) => console.log(line)).python));

  it("reads the samples/s of a script's throughput line", () => {
    assert.equal(parseThroughput('epoch 1/1: …\nthroughput: 1234.5 samples/s (24 samples in 0.02 s, steps 2-4)\n'), 1234.5);
    assert.equal(parseThroughput('epoch 1/1: …\n'), null);
  });

  it('runs each example plain for the given steps, round by round, with one row per script and variant', async () => {
    const lines: string[] = [];
    const results = await benchScripts({ python, threads: 1, rounds: 2, log: (l) => lines.push(l), scripts: TINY });
    assert.deepEqual(
      results.map((r) => [r.script, r.variant, r.runs.length]),
      [
        ['examples/pytorch/mnist_mlp.py', 'plain', 2],
        ['examples/pytorch/cifar10_cnn.py', 'plain', 2],
      ],
    );
    for (const r of results) {
      assert.ok(r.samplesPerSec > 0 && r.runs.every((v) => v > 0), JSON.stringify(r));
      assert.equal(r.ratioToPlain, undefined);
    }
    assert.equal(lines.filter((l) => / round \d plain: \d+ samples\/s/.test(l)).length, 4, lines.join('\n'));
    assert.match(formatScriptTable(results), /^\| examples\/pytorch\/mnist_mlp\.py \| 4 × 8 \| plain \| \d+ \| \d+, \d+ \| – \|/m);
  });

  it('gives the ratio to plain of another variant, round by round', async () => {
    // A second variant that runs the script the same way: the ratio's plumbing is under test here, not a probe.
    const other: ScriptVariant = { name: 'other', argv: (script, args) => [script, ...args] };
    const results = await benchScripts({
      python,
      threads: 1,
      rounds: 1,
      log: () => {},
      scripts: TINY.slice(0, 1),
      variants: [{ name: 'plain', argv: (s, a) => [s, ...a] }, other],
    });
    const ratio = results[1].ratioToPlain;
    assert.ok(ratio !== undefined && Math.abs(ratio - results[1].samplesPerSec / results[0].samplesPerSec) < 1e-9, JSON.stringify(results));
  });

  it('fails with the script, the variant and the end of its stderr when a run fails', async () => {
    const broken: ScriptVariant = { name: 'broken', argv: (script) => [script, '--epochs', '0'] };
    await assert.rejects(
      runScript(TINY[0], broken, { python, threads: 1 }),
      /mnist_mlp \(broken\): exited with code 2 without a throughput line: .*--epochs must be at least 1, got 0/,
    );
  });
});
