// `--break-on KIND` stops the CLI run where a diagnostic of that kind fires,
// with exit code 3; diagnostics are printed as they fire, one line each.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readTrace } from '../../src/node/traceReader';
import { tempDir } from '../trainer/run/harness';
import { runCli } from './helpers';

describe('CLI: diagnostics', () => {
  it('--break-on vanishing-gradient stops deep-sigmoid with exit code 3 and names the layer', async () => {
    const trace = path.join(tempDir(), 'deep.jsonl');
    const r = await runCli(['train', 'examples/deep-sigmoid.nn.json', '--break-on', 'vanishing-gradient', '--trace', trace]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /^warning: vanishing-gradient \[dense_1, /m);
    assert.match(r.stderr, /stopped on vanishing-gradient at epoch \d+, batch \d+ \(step \d+\) — --break-on/);
    const parsed = await readTrace(trace);
    const stop = parsed.stops.at(-1);
    assert.equal(stop?.reason, 'diagnostic');
    assert.equal(parsed.diagnostics[0].diagnostic.kind, 'vanishing-gradient');
    // It stopped at the step where the diagnostic fired, not later.
    assert.equal(stop?.step, parsed.diagnostics[0].diagnostic.step);
    assert.equal(parsed.steps.at(-1)?.stats.step, stop?.step);
  });

  it('prints a diagnostic summary at the end of a run', async () => {
    const r = await runCli(['train', 'examples/dying-relu.nn.json', '--epochs', '3']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^warning: dead-relu \[dense_\d\] at epoch \d+, step \d+: .+ \(deadFraction=/m);
    assert.match(r.stderr, /^diagnostics: .*dead-relu \(/m);
  });

  it("a typo in the spec's diagnostics section is an error at its line", async () => {
    const dir = tempDir();
    const spec = JSON.parse(fs.readFileSync('examples/spiral-mlp.nn.json', 'utf8'));
    spec.diagnostics = { 'dead-relu': { deadFraktion: 0.9 } };
    const file = path.join(dir, 'typo.nn.json');
    fs.writeFileSync(file, JSON.stringify(spec, null, 2));
    const r = await runCli(['train', file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /typo\.nn\.json:\d+:\d+: error: diagnostics\.dead-relu\.deadFraktion: unknown threshold/);
  });
});
