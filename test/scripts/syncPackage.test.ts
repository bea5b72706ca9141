// package.json's generated parts (enums, defaults and the diagnostics
// setting) against the TypeScript lists they come from.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyGeneratedParts, staleParts } from '../../scripts/packageContributions';
import { DEFAULT_BREAK_ON, DIAGNOSTIC_KINDS, isDiagnosticKind } from '../../src/shared/diagnosticKinds';
import { DEFAULT_DIAGNOSTICS_CONFIG } from '../../src/shared/diagnosticsConfig';
import { EXCEPTION_FILTERS } from '../../src/debug/diagnosticKinds';

const PACKAGE_FILE = path.resolve(__dirname, '../../package.json');
// The test walks package.json by known paths and edits it: typed as loosely as parsed JSON is.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const readPackage = () => JSON.parse(fs.readFileSync(PACKAGE_FILE, 'utf8')) as Record<string, any>;

describe('package.json generated parts', () => {
  it('are in step with the TypeScript lists (npm run sync-package writes them)', () => {
    assert.deepEqual(staleParts(readPackage()), []);
  });

  it('name each part that drifts: a kind missing from an enum, a threshold missing from the setting', () => {
    const pkg = readPackage();
    pkg.contributes.configuration.properties['neuralDebugger.breakOn'].items.enum.pop();
    delete pkg.contributes.configuration.properties['neuralDebugger.diagnostics'].properties.plateau.oneOf[1].properties.window;
    pkg.contributes.debuggers[0].configurationAttributes.launch.properties.backend.enum.push('gpu');
    assert.deepEqual(staleParts(pkg), [
      'contributes.debuggers[neural].configurationAttributes.launch.properties.backend.enum',
      'contributes.configuration.properties.neuralDebugger.breakOn.items.enum',
      'contributes.configuration.properties.neuralDebugger.diagnostics.properties',
    ]);
    applyGeneratedParts(pkg);
    assert.deepEqual(staleParts(pkg), []);
    assert.deepEqual(pkg, readPackage());
  });

  it('fail with the missing path when package.json lost a section', () => {
    const pkg = readPackage();
    delete pkg.contributes.configuration.properties['neuralDebugger.breakOn'];
    assert.throws(() => staleParts(pkg), /package\.json: contributes\.configuration\.properties: missing 'neuralDebugger\.breakOn'/);
  });
});

describe('diagnostic kinds: one list', () => {
  it('the thresholds configuration has exactly the kinds (plus warmupSteps)', () => {
    assert.deepEqual(
      Object.keys(DEFAULT_DIAGNOSTICS_CONFIG).filter((k) => k !== 'warmupSteps'),
      DIAGNOSTIC_KINDS,
    );
  });

  it('the exception filters are the kinds, on where the kind breaks by default', () => {
    assert.deepEqual(
      EXCEPTION_FILTERS.map((f) => f.filter),
      DIAGNOSTIC_KINDS,
    );
    assert.deepEqual(
      EXCEPTION_FILTERS.filter((f) => f.default).map((f) => f.filter),
      DEFAULT_BREAK_ON,
    );
    assert.deepEqual(DEFAULT_BREAK_ON, ['non-finite']);
  });

  it('isDiagnosticKind accepts the kinds only', () => {
    for (const kind of DIAGNOSTIC_KINDS) assert.ok(isDiagnosticKind(kind));
    for (const value of ['nan', 'toString', '', 3, undefined]) assert.equal(isDiagnosticKind(value), false);
  });
});
