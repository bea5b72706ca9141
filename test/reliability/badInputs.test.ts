// The bad-input corpus (test/fixtures/bad/): every case exits with code 2 and
// one `FILE:LINE:COL: error: …` or `FILE: error: field: …` message, prints no
// stack trace, leaves no process behind and writes nothing half.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../trainer/run/harness';
import { runCli } from '../cli/helpers';
import { CASES } from './badInputs.cases';

const BAD = path.resolve(__dirname, '..', 'fixtures', 'bad');

/** Processes that carry this run's marker in their environment. */
function markedProcesses(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (fs.readFileSync(`/proc/${entry}/environ`, 'utf8').includes(`ND_TEST_MARKER=${marker}`)) pids.push(Number(entry));
    } catch {
      // ended meanwhile, or not ours to read
    }
  }
  return pids;
}

describe('bad-input corpus (test/fixtures/bad)', () => {
  it(`has at least 30 cases`, () => {
    assert.ok(Object.keys(CASES).length >= 30, `${Object.keys(CASES).length} cases`);
  });

  for (const [name, c] of Object.entries(CASES)) {
    it(name, async () => {
      const out = tempDir();
      const marker = `${process.pid}-${name.replace(/\W+/g, '-')}`;
      const args = [c.command ?? 'train', ...c.args.map((a) => (a === 'REPORT_OUT' ? path.join(out, 'report.html') : a))];
      if (c.command !== 'report') {
        if (!args.includes('--trace')) args.push('--trace', path.join(out, 'run.jsonl'));
        args.push('--checkpoint-dir', path.join(out, 'ckpt'));
      }
      const r = await runCli(args, { cwd: BAD, env: { ND_TEST_MARKER: marker } });
      assert.equal(r.code, 2, `exit code ${r.code}\n${r.stderr}`);
      assert.match(r.stderr, new RegExp(c.error.source, 'm'));
      assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+\)?\n/, 'no stack trace');
      assert.doesNotMatch(r.stderr, /^internal error/m);
      assert.deepEqual(markedProcesses(marker), [], 'no process left behind');
      // Nothing half-written: no checkpoint, and a trace is absent or a complete header-only/ended trace.
      assert.equal(fs.existsSync(path.join(out, 'ckpt')) && fs.readdirSync(path.join(out, 'ckpt')).length > 0, false);
      assert.equal(fs.existsSync(path.join(out, 'report.html')), false, 'no report written');
      const trace = path.join(out, 'run.jsonl');
      if (fs.existsSync(trace)) {
        const text = fs.readFileSync(trace, 'utf8');
        assert.ok(text === '' || text.endsWith('\n'), 'trace ends with a complete line');
      }
    });
  }

  it('an unknown top-level field is a warning, and the run goes on', async () => {
    const r = await runCli(['train', 'unknown-top-level-field.nn.json', '--steps', '2'], { cwd: BAD });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^unknown-top-level-field\.nn\.json:\d+:\d+: warning: optimiser: unknown top-level field 'optimiser' is ignored/m);
  });
});
