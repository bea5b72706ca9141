// The `neural` debug type in the extension host: the adapter runs inline
// (same implementation as the standalone dist/debugAdapter.js), and a
// configuration provider makes F5 on an open model file work without a
// launch.json, applies the settings as defaults and checks the spec before
// any process starts.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { NeuralDebugSession } from '../debug/session';
import { pruneRuns } from '../node/runTraces';
import { DEBUG_TYPE } from '../shared/debugEvents';
import { initialConfigurations, resolveLaunchDefaults, resolveLaunchPaths, type NeuralLaunchConfig, type ResolveContext } from './launchConfig';
import { modelFileKind } from './modelFiles';
import type { SessionMonitor } from './sessionMonitor';
import { pythonExtensionInterpreter } from './pythonInterpreter';
import type { SpecDiagnostics } from './specDiagnostics';

const SHOW_PROBLEM = 'Show problem';

export function registerDebugging(context: vscode.ExtensionContext, specDiagnostics: SpecDiagnostics, monitor: SessionMonitor): vscode.Disposable {
  const provider = new NeuralConfigurationProvider(context, specDiagnostics, monitor);
  return vscode.Disposable.from(
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, {
      createDebugAdapterDescriptor: () => new vscode.DebugAdapterInlineImplementation(new NeuralDebugSession()),
    }),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, provider, vscode.DebugConfigurationProviderTriggerKind.Initial),
  );
}

class NeuralConfigurationProvider implements vscode.DebugConfigurationProvider {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly specDiagnostics: SpecDiagnostics,
    private readonly monitor: SessionMonitor,
  ) {}

  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    return initialConfigurations();
  }

  resolveDebugConfiguration(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): vscode.DebugConfiguration | undefined | null {
    // F5 with no launch.json sends an empty configuration; other debug types' ones never reach here.
    const result = resolveLaunchDefaults(config as Partial<NeuralLaunchConfig>, this.resolveContext(folder));
    if ('noProgram' in result) {
      void vscode.window.showInformationMessage('Neural Debugger: open a *.nn.json model file to train it, or add a "neural" configuration to launch.json.');
      return undefined;
    }
    if ('error' in result) {
      void vscode.window.showErrorMessage(`Neural Debugger: ${result.error}`);
      return undefined;
    }
    return result.config;
  }

  async resolveDebugConfigurationWithSubstitutedVariables(
    folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): Promise<vscode.DebugConfiguration | undefined> {
    const result = resolveLaunchPaths(config as NeuralLaunchConfig, this.resolveContext(folder));
    if ('error' in result) {
      void vscode.window.showErrorMessage(`Neural Debugger: ${result.error}`);
      return undefined;
    }
    if (!('config' in result)) return undefined;
    const resolved = result.config;
    if (result.prune) {
      // The runs in progress keep their traces whatever the retention says.
      const running = new Set(this.monitor.runningSessions().flatMap((s) => (typeof s.configuration.trace === 'string' ? [s.configuration.trace] : [])));
      pruneRuns(result.prune.dir, result.prune.retention, running, resolved.trace);
    }
    if (resolved.request === 'attach') return resolved; // no local model file: the run is elsewhere
    if (modelFileKind(resolved.program as string) === 'pytorch' && !resolved.python) {
      const python = await pythonExtensionInterpreter(folder?.uri);
      if (python) resolved.python = python;
    }
    const program = vscode.Uri.file(resolved.program as string);
    if (modelFileKind(program.fsPath) === 'json-spec') {
      // Unsaved edits are what the user sees: train those.
      const open = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === program.fsPath);
      if (open?.isDirty) await open.save();
      const errors = await this.specDiagnostics.checkFile(program);
      if (errors > 0) {
        void this.showRefusal(program, errors);
        return undefined;
      }
    }
    return resolved;
  }

  /**
   * Why a spec is not trained: the first error, short enough for a
   * notification (the line and the file are what "Show problem" opens), and
   * an action that opens the spec at it.
   */
  private async showRefusal(program: vscode.Uri, errors: number): Promise<void> {
    const first = this.specDiagnostics.errorsOf(program)[0];
    const more = errors > 1 ? ` (${errors - 1} more in Problems)` : '';
    const line = first ? ` line ${first.range.start.line + 1}:` : '';
    const message = `Neural Debugger: cannot train ${path.basename(program.fsPath)}:${line} ${first?.message ?? 'the model spec has errors'}${more}`;
    const picked = await vscode.window.showErrorMessage(message, SHOW_PROBLEM);
    if (picked !== SHOW_PROBLEM) return;
    await vscode.window.showTextDocument(program, { selection: first?.range, preview: false });
    await vscode.commands.executeCommand('workbench.actions.view.problems');
  }

  private resolveContext(folder: vscode.WorkspaceFolder | undefined): ResolveContext {
    const editor = vscode.window.activeTextEditor;
    const activeFile = editor?.document.uri.scheme === 'file' ? editor.document.uri.fsPath : undefined;
    const configuration = vscode.workspace.getConfiguration('neuralDebugger', folder);
    return {
      activeFile,
      workspaceFolder: folder?.uri.scheme === 'file' ? folder.uri.fsPath : vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
      settings: {
        backend: configuration.get('backend'),
        threads: configuration.get('threads'),
        statsEvery: configuration.get('statsEvery'),
        histogramsEvery: configuration.get('histogramsEvery'),
        breakOn: configuration.get('breakOn'),
        diagnostics: configuration.get('diagnostics'),
        runsWriteTrace: configuration.get('runs.writeTrace'),
        runsKeepPerModel: configuration.get('runs.keepPerModel'),
        runsMaxSizeMB: configuration.get('runs.maxSizeMB'),
        python: configuration.get('python'),
      },
      workspaceTrusted: vscode.workspace.isTrusted,
      fallbackRunsDir: path.join(this.context.globalStorageUri.fsPath, 'runs'),
      now: new Date(),
    };
  }
}
