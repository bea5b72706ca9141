import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DEBUG_TYPE, lastTraceRecord, nextSessionStart, scratchDir, stopAllNeuralSessions, waitForEvent, waitForTermination, withTimeout } from './helpers';

interface TrainerEvent {
  type: string;
  [key: string]: unknown;
}

describe('Custom requests of the views on a paused session', () => {
  let session: vscode.DebugSession;
  const trace = path.join(scratchDir(), 'paused.jsonl');

  before(async function () {
    this.timeout(60_000);
    const started = nextSessionStart();
    const ok = await vscode.debug.startDebugging(vscode.workspace.workspaceFolders?.[0], {
      type: DEBUG_TYPE,
      request: 'launch',
      name: 'in-host: paused',
      program: '${workspaceFolder}/spiral-mlp.nn.json',
      stopOnEntry: true,
      steps: 20,
      trace,
    });
    assert.equal(ok, true);
    session = await withTimeout(started, 30_000, 'the neural session to start');
    const stopped = (await waitForEvent(session, 'stopped', 45_000)) as { reason: string };
    assert.equal(stopped.reason, 'entry');
  });

  after(() => stopAllNeuralSessions());

  it("neuralDebugger.history returns the run's events, the header first", async () => {
    const body = (await session.customRequest('neuralDebugger.history')) as { events: TrainerEvent[]; droppedSteps: number };
    assert.ok(Array.isArray(body.events), `no events array: ${JSON.stringify(body).slice(0, 200)}`);
    const header = body.events.find((e) => e.type === 'header');
    assert.ok(header, `no header among ${body.events.map((e) => e.type).join(', ')}`);
    assert.ok(
      body.events.indexOf(header) <= body.events.findIndex((e) => e.type === 'stopped' || e.type === 'step') || !body.events.some((e) => e.type === 'step'),
    );
    const topology = JSON.stringify(header.topology);
    for (const layer of ['hidden1', 'hidden2', 'output']) assert.ok(topology.includes(layer), `layer ${layer} missing from the header's topology`);
    // Paused on entry: no training step has run yet.
    assert.equal(body.events.filter((e) => e.type === 'step').length, 0);
  });

  it('neuralDebugger.setBreakOn sets the diagnostics that pause training and answers with them', async () => {
    const body = (await session.customRequest('neuralDebugger.setBreakOn', { kinds: ['vanishing-gradient', 'non-finite'] })) as { kinds: string[] };
    assert.deepEqual([...body.kinds].sort(), ['non-finite', 'vanishing-gradient']);
    const cleared = (await session.customRequest('neuralDebugger.setBreakOn', { kinds: [] })) as { kinds: string[] };
    assert.deepEqual(cleared.kinds, []);
  });

  it('neuralDebugger.setBreakOn refuses an unknown kind', async () => {
    await assert.rejects(
      Promise.resolve(session.customRequest('neuralDebugger.setBreakOn', { kinds: ['no-such-kind'] })),
      /expected \{ kinds: DiagnosticKind\[\] \}/,
    );
  });

  it('the paused session continues and ends after its 20 steps', async function () {
    this.timeout(60_000);
    const threads = (await session.customRequest('threads')) as { threads: { id: number }[] };
    assert.ok(threads.threads.length > 0);
    await session.customRequest('continue', { threadId: threads.threads[0].id });
    await waitForTermination(session, 45_000);
    const end = lastTraceRecord(trace);
    assert.equal(end.type, 'finished');
    assert.equal(end.steps, 20);
  });
});
