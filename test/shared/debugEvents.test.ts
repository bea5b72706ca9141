// package.json repeats the debug type in places TypeScript cannot import
// into: each must say DEBUG_TYPE, or VS Code silently never starts the adapter.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEBUG_TYPE } from '../../src/shared/debugEvents';

interface DebuggerContribution {
  type: string;
  initialConfigurations?: { type: string }[];
  configurationSnippets?: { body: { type: string } }[];
}

const packageText = fs.readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8');
const manifest = JSON.parse(packageText) as { activationEvents: string[]; contributes: { debuggers: DebuggerContribution[] } };

describe('the debug type in package.json', () => {
  it('contributes.debuggers[0].type is DEBUG_TYPE', () => {
    assert.equal(manifest.contributes.debuggers[0].type, DEBUG_TYPE);
  });

  it('the initial configurations and the snippets launch DEBUG_TYPE', () => {
    const debuggerContribution = manifest.contributes.debuggers[0];
    const types = [
      ...(debuggerContribution.initialConfigurations ?? []).map((c) => c.type),
      ...(debuggerContribution.configurationSnippets ?? []).map((s) => s.body.type),
    ];
    assert.ok(types.length > 0, 'package.json has no initial configuration or snippet');
    assert.deepEqual(
      types,
      types.map(() => DEBUG_TYPE),
    );
  });

  it('every onDebug* activation event and every `debugType ==` clause names DEBUG_TYPE', () => {
    const activations = manifest.activationEvents.filter((e) => e.startsWith('onDebug') && e.includes(':')).map((e) => e.slice(e.indexOf(':') + 1));
    const clauses = [...packageText.matchAll(/debugType == '([^']*)'/g)].map((m) => m[1]);
    assert.ok(activations.length > 0 && clauses.length > 0, 'expected onDebug activation events and debugType clauses in package.json');
    assert.deepEqual(
      [...activations, ...clauses],
      [...activations, ...clauses].map(() => DEBUG_TYPE),
    );
  });
});
