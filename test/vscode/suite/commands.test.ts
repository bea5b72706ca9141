import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DEBUG_TYPE, nextSessionStart, scratchDir, specVariant, stopAllNeuralSessions, waitForEvent, waitForTermination, withTimeout } from './helpers';
import { workspaceTraces } from './training.test';

function webviewTabs(viewTypePart: string): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.includes(viewTypePart));
}

describe('Commands in a sensible state', () => {
  let lastTrace: string | undefined;

  after(async () => {
    await stopAllNeuralSessions();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // The Train model test wrote its trace into the workspace (examples/.neural-debugger/runs).
    for (const trace of workspaceTraces) fs.rmSync(trace, { force: true });
  });

  it('Stop training with no run: answers without a session to stop', async () => {
    assert.equal(vscode.debug.activeDebugSession?.type === DEBUG_TYPE, false);
    await vscode.commands.executeCommand('neuralDebugger.stopTraining');
    assert.equal(vscode.debug.activeDebugSession, undefined);
  });

  it('Stop training ends a running training', async function () {
    this.timeout(90_000);
    const spec = specVariant('spiral-long.nn.json', (t) => t.replace('"epochs": 30,', '"epochs": 3000,'));
    lastTrace = path.join(scratchDir(), 'stopped.jsonl');
    const started = nextSessionStart();
    assert.equal(
      await vscode.debug.startDebugging(undefined, { type: DEBUG_TYPE, request: 'launch', name: 'in-host: long', program: spec, trace: lastTrace }),
      true,
    );
    const session = await withTimeout(started, 30_000, 'the neural session to start');
    await waitForEvent(session, 'neuralDebugger.trainer', 30_000, (b: { events: { type: string }[] }) => b.events.some((e) => e.type === 'step'));
    await vscode.commands.executeCommand('neuralDebugger.stopTraining');
    await waitForTermination(session, 30_000);
  });

  it('Open run trace replays a trace in the training view, not as text', async () => {
    assert.ok(lastTrace && fs.existsSync(lastTrace), 'the previous test left no trace');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // With a trace given (as the explorer passes it) there is no picker to answer.
    assert.equal(await vscode.commands.executeCommand<boolean>('neuralDebugger.openTrace', vscode.Uri.file(lastTrace)), true);
    const deadline = Date.now() + 10_000;
    while (webviewTabs('neuralDebugger.trainingView').length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(webviewTabs('neuralDebugger.trainingView').length, 1);
    assert.equal(vscode.window.activeTextEditor, undefined, 'no text editor on the trace');
  });

  it('Show training view opens the training view panel', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    assert.equal(webviewTabs('neuralDebugger.trainingView').length, 0);
    await vscode.commands.executeCommand('neuralDebugger.showTrainingView');
    const deadline = Date.now() + 10_000;
    while (webviewTabs('neuralDebugger.trainingView').length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const tabs = webviewTabs('neuralDebugger.trainingView');
    assert.equal(
      tabs.length,
      1,
      `tabs: ${vscode.window.tabGroups.all
        .flatMap((g) => g.tabs)
        .map((t) => t.label)
        .join(', ')}`,
    );
  });

  it('Show gradient inspector runs after a run (its view is enabled)', async () => {
    await vscode.commands.executeCommand('neuralDebugger.showGradientInspector');
  });
});
