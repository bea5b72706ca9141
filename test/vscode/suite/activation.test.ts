import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { extension, trackSessions } from './helpers';

describe('Activation', () => {
  before(() => trackSessions());

  it('loads the extension under development (this repository) and activates it', async () => {
    const ext = extension();
    // dist/test/vscode/index.js lives three folders below the repository root.
    const repoRoot = path.resolve(__dirname, '..', '..', '..');
    assert.equal(fs.realpathSync(ext.extensionPath), fs.realpathSync(repoRoot), 'the extension was not loaded from the development path');
    await ext.activate();
    assert.equal(ext.isActive, true);
    assert.equal(ext.packageJSON.contributes.debuggers[0].type, 'neural');
  });

  it('registers every command that package.json contributes', async () => {
    const contributed = (extension().packageJSON.contributes.commands as { command: string }[]).map((c) => c.command);
    assert.ok(contributed.length >= 5, `only ${contributed.length} commands in package.json`);
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((c) => !registered.has(c));
    assert.deepEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
  });
});
