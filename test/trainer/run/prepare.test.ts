// Run preparation: settings-level diagnostic thresholds merge over the spec's.
import * as assert from 'node:assert/strict';
import { isUserError } from '../../../src/shared/errors';
import { prepareRun } from '../../../src/trainer/run/prepare';
import { tempDir, writeSpiralSpec } from './harness';

describe('prepareRun', () => {
  it("merges diagnostic thresholds from the options over the spec's, per kind", async () => {
    const file = writeSpiralSpec(tempDir());
    const fs = await import('node:fs');
    const spec = JSON.parse(fs.readFileSync(file, 'utf8'));
    spec.diagnostics = { 'dead-relu': { deadFraction: 0.7, persistence: 5 }, saturation: false };
    fs.writeFileSync(file, JSON.stringify(spec));
    const ctx = await prepareRun({ modelFile: file, backend: 'wasm', diagnostics: { 'dead-relu': { deadFraction: 0.9 }, plateau: false } }, () => undefined);
    assert.deepEqual(ctx.diagnosticsConfig, { 'dead-relu': { deadFraction: 0.9, persistence: 5 }, saturation: false, plateau: false });
    ctx.model.dispose();
  });

  it('a bad threshold in the options is a UserError naming the setting', async () => {
    const file = writeSpiralSpec(tempDir());
    await assert.rejects(
      prepareRun({ modelFile: file, backend: 'wasm', diagnostics: { plateau: { windw: 3 } } }, () => undefined),
      (e: unknown) => {
        assert.ok(isUserError(e));
        assert.match(e.message, /diagnostics\.plateau\.windw: unknown threshold .*\(diagnostics setting\)/);
        return true;
      },
    );
  });
});
