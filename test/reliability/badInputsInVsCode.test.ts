// The bad-input corpus seen from VS Code: each spec-level error appears in the
// Problems panel at the same line and column as in the CLI (the extension runs
// checkModelSpec), and launching any corpus case in the debugger fails with
// the same message, leaving no trainer process behind.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { specProblems } from '../../src/extension/problems';
import { checkModelSpec } from '../../src/spec';
import { isAlive, NeuralClient } from '../debug/client';
import { CASES } from './badInputs.cases';

const BAD = path.resolve(__dirname, '..', 'fixtures', 'bad');

/** Corpus cases that are a spec file run with `--steps` only (no other CLI flag changes the outcome). */
const specCases = Object.entries(CASES).filter(([, c]) => c.args.length === 3 && c.args[1] === '--steps' && c.args[0].endsWith('.nn.json'));

describe('bad-input corpus in VS Code', () => {
  it('covers most of the corpus', () => {
    assert.ok(specCases.length >= 25, `${specCases.length} spec cases`);
  });

  describe("Problems panel (the extension's spec check)", () => {
    for (const [name, c] of specCases) {
      const file = path.join(BAD, c.args[0]);
      if (!fs.existsSync(file) || fs.statSync(file).isDirectory()) continue;
      const text = fs.readFileSync(file, 'utf8');
      const check = checkModelSpec(text, file);
      // Only errors the spec check can see (the rest need the data: they come from the trainer at launch).
      const positioned = new RegExp(c.error.source.replace(/^\^[^:]*:/, '^[^:]*:')).source.includes(':\\d+:\\d+');
      if (check.errors.length === 0 || !positioned) continue;
      it(name, () => {
        const problems = specProblems(text, check);
        assert.ok(problems.length >= 1);
        const [first] = check.errors;
        // The CLI prints FILE:LINE:COL from the same check: the Problems entry is on that line and column (0-based there).
        const match = problems.find((p) => p.severity === 'error' && p.range.startLine === first.line! - 1);
        assert.ok(match, `no error on line ${first.line}: ${JSON.stringify(problems.map((p) => [p.range, p.message]))}`);
        assert.equal(match.range.startCharacter, first.column! - 1);
      });
    }
  });

  describe('debugger launch', function () {
    this.timeout(600_000);
    it("fails the launch with the CLI's message for every spec case, and no trainer is left", async () => {
      const failures: string[] = [];
      for (const [name, c] of specCases) {
        const client = await NeuralClient.start();
        try {
          await client.launch({ program: path.join(BAD, c.args[0]), backend: 'wasm', steps: 2, cwd: BAD });
          failures.push(`${name}: the launch succeeded`);
        } catch (e) {
          // The adapter names files by absolute path: compare what follows "error: ".
          // A missing file gets the debugger's own hint about "program" and "cwd".
          const wanted = name === 'missing spec file' ? 'error: no such model file; "program"' : c.error.source.slice(c.error.source.indexOf('error: '));
          const message = (e as Error).message;
          if (!new RegExp(wanted).test(message)) failures.push(`${name}: ${message}`);
        } finally {
          const started = client.events.find((ev) => ev.event === 'process');
          await client.stop();
          const pid = started?.body?.systemProcessId as number | undefined;
          if (pid !== undefined) {
            for (let i = 0; i < 50 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
            if (isAlive(pid)) failures.push(`${name}: trainer ${pid} still running`);
          }
        }
      }
      assert.deepEqual(failures, []);
    });
  });
});
