// Commands of the palette: Train model, Stop training, Open run trace.
// (Show training view / gradient inspector are registered by ./views.)

import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseJsonc } from 'jsonc-parser';
import * as vscode from 'vscode';
import { DEBUG_TYPE } from '../shared/debugEvents';
import { missingData, modelDisplayName, modelFileKind, pickerEntries, TRAINABLE_MODEL_GLOB, whyNotTrainable } from './modelFiles';
import { collectRuns, runPickRows, type RunPickRow } from './runPicker';
import type { SessionMonitor } from './sessionMonitor';
import { REPLAY_TRACE_COMMAND } from './views';

const COMMANDS = {
  trainModel: 'neuralDebugger.trainModel',
  stopTraining: 'neuralDebugger.stopTraining',
  openTrace: 'neuralDebugger.openTrace',
} as const;

export function registerCommands(context: vscode.ExtensionContext, monitor: SessionMonitor): vscode.Disposable {
  const traces: string[] = [];
  return vscode.Disposable.from(
    trackRecentModelFiles(context),
    vscode.commands.registerCommand(COMMANDS.trainModel, (uri?: unknown) => trainModel(context, uri)),
    vscode.commands.registerCommand(COMMANDS.stopTraining, () => stopTraining(monitor)),
    vscode.commands.registerCommand(COMMANDS.openTrace, (target?: unknown) => openTrace(context, monitor, traces, target)),
    vscode.debug.onDidStartDebugSession((session) => {
      const trace = session.configuration.trace;
      if (session.type === DEBUG_TYPE && typeof trace === 'string') traces.unshift(trace);
      traces.splice(20);
    }),
  );
}

/** Trains `uri` (explorer / editor title), else the active editor's model file, else a picked one. */
async function trainModel(context: vscode.ExtensionContext, uri: unknown): Promise<boolean> {
  let target = uri instanceof vscode.Uri ? uri : undefined;
  const editorUri = vscode.window.activeTextEditor?.document.uri;
  if (!target && editorUri && modelFileKind(editorUri.path) !== null) target = editorUri;
  target ??= await pickModelFile(context);
  if (!target) return false;
  const notTrainable = whyNotTrainable(target.fsPath, vscode.workspace.isTrusted);
  if (notTrainable) {
    void vscode.window.showErrorMessage(`Neural Debugger: ${notTrainable}`);
    return false;
  }
  const folder = vscode.workspace.getWorkspaceFolder(target) ?? vscode.workspace.workspaceFolders?.[0];
  // The configuration provider checks the spec (Problems panel) before any process starts.
  return vscode.debug.startDebugging(folder, {
    type: DEBUG_TYPE,
    request: 'launch',
    name: `Train ${modelDisplayName(target.fsPath)}`,
    program: target.fsPath,
  });
}

interface ModelPickItem extends vscode.QuickPickItem {
  uri?: vscode.Uri;
}

/** workspaceState key of the recently active model files, most recent first. */
const RECENT_MODELS_KEY = 'neuralDebugger.recentModelFiles';
const RECENT_MODELS_KEPT = 10;

/** Remembers each model file that becomes the active editor, for the picker's first entries. */
function trackRecentModelFiles(context: vscode.ExtensionContext): vscode.Disposable {
  const remember = (editor: vscode.TextEditor | undefined) => {
    const uri = editor?.document.uri;
    if (uri?.scheme !== 'file' || modelFileKind(uri.fsPath) === null) return;
    const recent = context.workspaceState.get<string[]>(RECENT_MODELS_KEY, []).filter((f) => f !== uri.fsPath);
    void context.workspaceState.update(RECENT_MODELS_KEY, [uri.fsPath, ...recent].slice(0, RECENT_MODELS_KEPT));
  };
  remember(vscode.window.activeTextEditor);
  return vscode.window.onDidChangeActiveTextEditor(remember);
}

async function pickModelFile(context: vscode.ExtensionContext): Promise<vscode.Uri | undefined> {
  const found = await vscode.workspace.findFiles(TRAINABLE_MODEL_GLOB, '**/node_modules/**', 200);
  const recent = context.workspaceState.get<string[]>(RECENT_MODELS_KEY, []).filter((f) => fs.existsSync(f));
  const { entries, preselect } = pickerEntries(
    recent,
    found.map((u) => u.fsPath),
    bundledExamples(context),
    (file) => (modelFileKind(file) === 'json-spec' ? missingData(file, readText(file)) : null),
  );
  const items: ModelPickItem[] = [];
  let active: ModelPickItem | undefined;
  entries.forEach((entry, i) => {
    if (entry.section !== entries[i - 1]?.section) items.push({ label: entry.section, kind: vscode.QuickPickItemKind.Separator });
    const uri = vscode.Uri.file(entry.file);
    const where = entry.section === 'Bundled examples' ? 'example' : vscode.workspace.asRelativePath(uri);
    const item: ModelPickItem = {
      label: modelDisplayName(entry.file),
      description: entry.needsData ? `$(warning) ${entry.needsData} · ${where}` : where,
      detail: specDescription(entry.file),
      uri,
    };
    if (i === preselect) active = item;
    items.push(item);
  });
  const pick = vscode.window.createQuickPick<ModelPickItem>();
  pick.title = 'Neural Debugger: Train model';
  pick.placeholder = 'Pick a model file to train (open a *.nn.json file to train it directly)';
  pick.matchOnDescription = true;
  pick.matchOnDetail = true;
  pick.items = items;
  if (active) pick.activeItems = [active];
  return new Promise<vscode.Uri | undefined>((resolve) => {
    pick.onDidAccept(() => {
      resolve(pick.selectedItems[0]?.uri);
      pick.hide();
    });
    pick.onDidHide(() => {
      resolve(undefined);
      pick.dispose();
    });
    pick.show();
  });
}

function bundledExamples(context: vscode.ExtensionContext): string[] {
  const dir = path.join(context.extensionPath, 'examples');
  try {
    return fs
      .readdirSync(dir)
      .filter((n) => modelFileKind(n) === 'json-spec' || modelFileKind(n) === 'module')
      .map((n) => path.join(dir, n));
  } catch {
    return [];
  }
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** A spec's `description`, the picker's second line. */
function specDescription(file: string): string | undefined {
  if (modelFileKind(file) !== 'json-spec') return undefined;
  try {
    const description = (parseJsonc(readText(file)) as { description?: unknown } | undefined)?.description;
    return typeof description === 'string' ? description : undefined;
  } catch {
    return undefined; // a description is a nicety; the file itself is checked when it is trained
  }
}

async function stopTraining(monitor: SessionMonitor): Promise<void> {
  const [session] = monitor.runningSessions();
  if (!session) {
    void vscode.window.showInformationMessage('Neural Debugger: no training is running.');
    return;
  }
  await vscode.debug.stopDebugging(session);
}

/**
 * Open run trace: a trace given as the argument (a URI or a path) is
 * replayed at once; otherwise a picker lists the recorded runs (model, start,
 * steps, outcome), newest first, and the chosen one is replayed in the
 * training view (a run of this window in progress is shown live). Each row's
 * button opens the trace as text instead.
 */
async function openTrace(context: vscode.ExtensionContext, monitor: SessionMonitor, recent: string[], target: unknown): Promise<boolean> {
  const given = target instanceof vscode.Uri ? target.fsPath : typeof target === 'string' ? target : undefined;
  if (given !== undefined) return replayTrace(given);
  const running = new Set(
    monitor
      .runningSessions()
      .map((s) => s.configuration.trace)
      .filter((t): t is string => typeof t === 'string'),
  );
  const dirs = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => path.join(f.uri.fsPath, '.neural-debugger', 'runs'));
  dirs.push(path.join(context.globalStorageUri.fsPath, 'runs'));
  const rows = runPickRows(collectRuns(dirs, [...running, ...recent]), running);
  if (rows.length === 0) {
    void vscode.window.showInformationMessage('Neural Debugger: no run traces yet. Train a model first (Neural Debugger: Train model).');
    return false;
  }
  const picked = await pickRun(rows);
  if (!picked) return false;
  if (picked.asText) {
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(vscode.Uri.file(picked.file)), { preview: false });
    return true;
  }
  return replayTrace(picked.file);
}

const OPEN_AS_TEXT: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('go-to-file'), tooltip: 'Open the trace as text' };

interface RunPickItem extends vscode.QuickPickItem {
  file: string;
}

/** The picker; resolves with the chosen run (and whether its "as text" button was pressed), or undefined when dismissed. */
function pickRun(rows: RunPickRow[]): Promise<{ file: string; asText: boolean } | undefined> {
  const quickPick = vscode.window.createQuickPick<RunPickItem>();
  quickPick.title = 'Neural Debugger: Open run trace';
  quickPick.placeholder = 'Pick a recorded run to replay in the training view';
  quickPick.matchOnDescription = true;
  quickPick.matchOnDetail = true;
  quickPick.items = rows.map((row) => ({ ...row, buttons: [OPEN_AS_TEXT] }));
  return new Promise((resolve) => {
    let result: { file: string; asText: boolean } | undefined;
    quickPick.onDidAccept(() => {
      const item = quickPick.selectedItems[0];
      if (item) result = { file: item.file, asText: false };
      quickPick.hide();
    });
    quickPick.onDidTriggerItemButton((e) => {
      result = { file: e.item.file, asText: true };
      quickPick.hide();
    });
    quickPick.onDidHide(() => {
      quickPick.dispose();
      resolve(result);
    });
    quickPick.show();
  });
}

async function replayTrace(file: string): Promise<boolean> {
  if (!fs.existsSync(file)) {
    void vscode.window.showErrorMessage(`Neural Debugger: the trace ${file} does not exist (yet): a run writes it from its first record.`);
    return false;
  }
  return (await vscode.commands.executeCommand<boolean>(REPLAY_TRACE_COMMAND, file)) === true;
}
