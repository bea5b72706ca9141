import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  DEBUG_TYPE,
  exampleSpec,
  lastTraceRecord,
  nextSessionStart,
  scratchDir,
  stopAllNeuralSessions,
  waitForEvent,
  waitForTermination,
  withTimeout,
} from './helpers';

/** Traces written into the workspace by the tests (removed by the commands suite's `after`). */
export const workspaceTraces: string[] = [];

describe('Training as a debug session', () => {
  afterEach(() => stopAllNeuralSessions());

  it('Train model on spiral-mlp.nn.json starts a neural session that trains to the end', async function () {
    this.timeout(180_000);
    const spec = exampleSpec('spiral-mlp.nn.json');
    const started = nextSessionStart();
    const ok = await vscode.commands.executeCommand<boolean>('neuralDebugger.trainModel', vscode.Uri.file(spec));
    assert.equal(ok, true, 'Train model did not start a debug session');
    const session = await withTimeout(started, 30_000, 'the neural session to start');
    assert.equal(session.type, DEBUG_TYPE);
    assert.equal(session.configuration.program, vscode.Uri.file(spec).fsPath);
    const trace = session.configuration.trace as string;
    workspaceTraces.push(trace);
    await waitForTermination(session, 150_000);
    const end = lastTraceRecord(trace);
    assert.equal(end.type, 'finished');
    assert.equal(end.reason, 'completed');
    // 800 training samples (1000, 20% held out) in batches of 32: 25 steps an epoch, 30 epochs.
    assert.equal(end.steps, 750);
  });

  it('a launch configuration with steps: 5 (vscode.debug.startDebugging) trains 5 steps and ends', async function () {
    this.timeout(60_000);
    const trace = path.join(scratchDir(), 'steps5.jsonl');
    const started = nextSessionStart();
    const ok = await vscode.debug.startDebugging(vscode.workspace.workspaceFolders?.[0], {
      type: DEBUG_TYPE,
      request: 'launch',
      name: 'in-host: 5 steps',
      program: '${workspaceFolder}/spiral-mlp.nn.json',
      steps: 5,
      trace,
    });
    assert.equal(ok, true);
    const session = await withTimeout(started, 30_000, 'the neural session to start');
    // The adapter streams the trainer's events to the views as a custom DAP event.
    await waitForEvent(session, 'neuralDebugger.trainer', 30_000);
    await waitForTermination(session, 45_000);
    assert.ok(fs.existsSync(trace), `no trace at ${trace}`);
    const end = lastTraceRecord(trace);
    assert.equal(end.type, 'finished');
    assert.equal(end.steps, 5);
  });
});
