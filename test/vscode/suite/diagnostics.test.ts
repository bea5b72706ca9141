import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { specVariant, withTimeout } from './helpers';

const SOURCE = 'Neural Debugger';

function specErrors(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === SOURCE && d.severity === vscode.DiagnosticSeverity.Error);
}

async function waitForErrors(uri: vscode.Uri, done: (errors: vscode.Diagnostic[]) => boolean, what: string): Promise<vscode.Diagnostic[]> {
  return withTimeout(
    new Promise<vscode.Diagnostic[]>((resolve) => {
      const check = (): boolean => {
        const errors = specErrors(uri);
        if (!done(errors)) return false;
        sub.dispose();
        resolve(errors);
        return true;
      };
      const sub = vscode.languages.onDidChangeDiagnostics((e) => {
        if (e.uris.some((u) => u.toString() === uri.toString())) check();
      });
      check();
    }),
    15_000,
    what,
  );
}

describe('Problems for a broken spec', () => {
  const file = specVariant('broken-units.nn.json', (t) => t.replace(/("units": )32(, "activation": "relu", "name": "hidden2")/, '$1-4$2'));
  const uri = vscode.Uri.file(file);
  const brokenLine = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes('"units": -4'));

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('shows an error at the line of "units": -4 when the spec is opened', async () => {
    assert.ok(brokenLine > 0);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const errors = await waitForErrors(uri, (e) => e.length > 0, `Problems entries for ${file}`);
    const atLine = errors.filter((d) => d.range.start.line === brokenLine);
    assert.equal(
      atLine.length,
      1,
      `expected one error on line ${brokenLine + 1}, got: ${errors.map((d) => `${d.range.start.line + 1}: ${d.message}`).join(' | ')}`,
    );
    assert.match(atLine[0].message, /units/i);
    // The range covers the offending value, not the whole document.
    assert.equal(atLine[0].range.end.line, brokenLine);
  });

  it('clears the error once the spec is fixed in the editor', async () => {
    const doc = await vscode.workspace.openTextDocument(uri);
    const col = doc.lineAt(brokenLine).text.indexOf('-4');
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, new vscode.Range(brokenLine, col, brokenLine, col + 2), '32');
    assert.equal(await vscode.workspace.applyEdit(edit), true);
    await waitForErrors(uri, (e) => e.length === 0, `the error of ${file} to go after the fix`);
    assert.equal(await doc.save(), true);
  });
});
