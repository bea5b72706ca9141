// `train --runs-dir DIR [--keep-runs N]`: the trace goes into a runs folder
// under the name Open run trace lists, and the oldest runs of the model go.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseTrainArgs } from '../../src/cli/args';
import { readTrace } from '../../src/node/traceReader';
import { tempDir } from '../trainer/run/harness';
import { runCli } from './helpers';

describe('cli: train --runs-dir', () => {
  it('writes <model>-<time>.jsonl into the folder and keeps the newest --keep-runs runs of the model, this one included', async function () {
    this.timeout(60_000);
    const runs = path.join(tempDir(), '.neural-debugger', 'runs');
    fs.mkdirSync(runs, { recursive: true });
    const old = ['spiral-mlp-20200101-000001.jsonl', 'spiral-mlp-20200101-000002.jsonl', 'spiral-mlp-20200101-000003.jsonl'];
    for (const name of old) fs.writeFileSync(path.join(runs, name), '{"type":"header"}\n');
    fs.writeFileSync(path.join(runs, 'mnist-mlp-20200101-000001.jsonl'), '{"type":"header"}\n');
    const r = await runCli(['train', 'examples/spiral-mlp.nn.json', '--steps', '3', '--runs-dir', runs, '--keep-runs', '2']);
    assert.equal(r.code, 0, r.stderr);
    const names = fs.readdirSync(runs).sort();
    const written = names.filter((n) => !old.includes(n) && n.startsWith('spiral-mlp-'));
    assert.equal(written.length, 1, names.join(', '));
    assert.match(written[0], /^spiral-mlp-\d{8}-\d{6}\.jsonl$/);
    assert.deepEqual(names, ['mnist-mlp-20200101-000001.jsonl', 'spiral-mlp-20200101-000003.jsonl', written[0]].sort());
    const trace = await readTrace(path.join(runs, written[0]));
    assert.equal(trace.steps.length, 3);
  });

  it('refuses --keep-runs without --runs-dir, and --runs-dir with --trace, naming the flags', () => {
    assert.throws(() => parseTrainArgs(['m.nn.json', '--keep-runs', '3']), /--keep-runs needs --runs-dir/);
    assert.throws(() => parseTrainArgs(['m.nn.json', '--runs-dir', 'r', '--trace', 't.jsonl']), /--runs-dir and --trace both say where the trace goes/);
    assert.throws(() => parseTrainArgs(['m.nn.json', '--runs-dir', 'r', '--keep-runs', '-1']), /--keep-runs expects an integer ≥ 0, got '-1'/);
    assert.deepEqual(parseTrainArgs(['m.nn.json', '--runs-dir', 'r']).runs, { dir: path.resolve('r'), keepPerModel: 20 });
  });
});
