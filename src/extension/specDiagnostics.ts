// Problems panel for `*.nn.json` specs: checked on open, on change (debounced)
// and on save with checkModelSpec (no TensorFlow.js, cheap in the extension
// host), and once more right before a run starts.

import * as vscode from 'vscode';
import { checkModelSpec } from '../spec';
import { modelFileKind } from './modelFiles';
import { PROBLEM_SOURCE, specProblems, type Problem } from './problems';

const CHANGE_DEBOUNCE_MS = 300;

export function toVscodeDiagnostic(problem: Problem): vscode.Diagnostic {
  const { range: r } = problem;
  const severity =
    problem.severity === 'error'
      ? vscode.DiagnosticSeverity.Error
      : problem.severity === 'warning'
        ? vscode.DiagnosticSeverity.Warning
        : vscode.DiagnosticSeverity.Information;
  const diagnostic = new vscode.Diagnostic(new vscode.Range(r.startLine, r.startCharacter, r.endLine, r.endCharacter), problem.message, severity);
  diagnostic.source = PROBLEM_SOURCE;
  if (problem.code) diagnostic.code = problem.code;
  return diagnostic;
}

export class SpecDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('neural-debugger-spec');
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor() {
    this.subscriptions.push(
      vscode.workspace.onDidOpenTextDocument((doc) => this.checkDocument(doc)),
      vscode.workspace.onDidSaveTextDocument((doc) => this.checkDocument(doc)),
      vscode.workspace.onDidChangeTextDocument((e) => this.scheduleCheck(e.document)),
      vscode.workspace.onDidCloseTextDocument((doc) => {
        // A closed spec's problems stay only if the file still has them on disk; re-check from disk.
        if (isSpec(doc.uri)) void this.checkFile(doc.uri);
      }),
      vscode.workspace.onDidDeleteFiles((e) => e.files.forEach((uri) => this.collection.delete(uri))),
    );
    for (const doc of vscode.workspace.textDocuments) this.checkDocument(doc);
  }

  /** Checks an open document now; returns the number of errors. */
  checkDocument(doc: vscode.TextDocument): number {
    if (!isSpec(doc.uri)) return 0;
    this.cancelScheduled(doc.uri);
    return this.checkText(doc.uri, doc.getText());
  }

  /** Checks a spec from the open document if there is one, else from disk; returns the number of errors. */
  async checkFile(uri: vscode.Uri): Promise<number> {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open) return this.checkDocument(open);
    try {
      const bytes = await vscode.workspace.fs.readFile(uri);
      return this.checkText(uri, new TextDecoder().decode(bytes).replace(/^\uFEFF/, ''));
    } catch {
      this.collection.delete(uri);
      return 0;
    }
  }

  /** The errors currently shown for a file. */
  errorsOf(uri: vscode.Uri): vscode.Diagnostic[] {
    return (this.collection.get(uri) ?? []).filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
  }

  private checkText(uri: vscode.Uri, text: string): number {
    const check = checkModelSpec(text, uri.fsPath);
    const problems = specProblems(text, check);
    this.collection.set(uri, problems.map(toVscodeDiagnostic));
    return check.errors.length;
  }

  private scheduleCheck(doc: vscode.TextDocument): void {
    if (!isSpec(doc.uri)) return;
    this.cancelScheduled(doc.uri);
    const key = doc.uri.toString();
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        if (!doc.isClosed) this.checkDocument(doc);
      }, CHANGE_DEBOUNCE_MS),
    );
  }

  private cancelScheduled(uri: vscode.Uri): void {
    const key = uri.toString();
    const timer = this.timers.get(key);
    if (timer) clearTimeout(timer);
    this.timers.delete(key);
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.subscriptions.forEach((s) => s.dispose());
    this.collection.dispose();
  }
}

function isSpec(uri: vscode.Uri): boolean {
  return (uri.scheme === 'file' || uri.scheme === 'vscode-remote') && modelFileKind(uri.path) === 'json-spec';
}
