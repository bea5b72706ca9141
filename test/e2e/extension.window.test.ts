// Scenario 5 of the end-to-end suite: a run stopped mid-way leaves no trainer
// process. The debug toolbar's Stop is checked in extension.test.ts (c);
// here the window goes away under a running session: reloaded, then closed.

import * as assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { processesMatching, RECONNECTION_GRACE_SECONDS } from '../../scripts/e2e/codeServer';
import { describeInCodeServer, lastTraceRecord, SPECS, tracesOf, type Workbench } from './fixture';
import { logTime, openFile, runCommand, screenshot, waitForStatus, waitUntil } from './workbench';

/** Starts the 300-epoch spiral and waits until it trains; returns the trainer's pid. */
async function startLongRun(page: Page, trainerScript: string): Promise<number> {
  await openFile(page, SPECS.long);
  await runCommand(page, 'Neural Debugger: Train model');
  await waitForStatus(page, /epoch \d+\/3000 · batch \d+\/25 · loss \S+ · wasm · running/);
  const running = processesMatching(trainerScript);
  assert.equal(running.length, 1, `expected one trainer process, found ${JSON.stringify(running)}`);
  return running[0].pid;
}

/** Waits for the trainer to exit; returns how long that took after `since`. */
async function trainerGone(workbench: Workbench, pid: number, since: number, what: string, timeoutMs = 20_000): Promise<number> {
  await waitUntil(() => !processesMatching(workbench.trainerScript).some((p) => p.pid === pid), timeoutMs, `the trainer (pid ${pid}) to exit after ${what}`);
  const took = Date.now() - since;
  // And nothing started in its place.
  assert.deepEqual(processesMatching(workbench.trainerScript), []);
  return took;
}

describeInCodeServer('e2e: the window goes away mid-run', (workbench) => {
  it('(5) reloading the window mid-run leaves no trainer process', async function () {
    this.timeout(180_000);
    const started = Date.now();
    const wb = workbench();
    const tracesBefore = tracesOf(wb.server.workspace, SPECS.long);
    const pid = await startLongRun(wb.page, wb.trainerScript);
    await runCommand(wb.page, 'Developer: Reload Window');
    const reloaded = Date.now();
    const took = await trainerGone(wb, pid, reloaded, 'the reload');
    console.log(`      trainer gone ${(took / 1000).toFixed(1)} s after Reload Window`);
    // The reloaded workbench is usable and shows no running session.
    await wb.page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: 60_000 });
    await wb.page.waitForTimeout(2_000);
    assert.equal(await wb.page.locator('.debug-toolbar').isVisible(), false, 'a debug toolbar after the reload');
    const statusTexts = await wb.page.locator('.part.statusbar .statusbar-item').allInnerTexts();
    assert.ok(!statusTexts.some((t) => /· running/.test(t)), `the status bar still says running: ${JSON.stringify(statusTexts)}`);
    await screenshot(wb.page, 'e2e-5-after-reload');
    // The run did not complete: its trace ends without a "completed" record.
    const trace = tracesOf(wb.server.workspace, SPECS.long).filter((t) => !tracesBefore.includes(t));
    assert.equal(trace.length, 1, `new traces: ${trace.join(', ')}`);
    assert.notEqual(lastTraceRecord(trace[0]).reason, 'completed');
    logTime('scenario (5, reload)', started);
  });

  it('(5) closing the window mid-run leaves no trainer process', async function () {
    this.timeout(180_000);
    const started = Date.now();
    const wb = workbench();
    const pid = await startLongRun(wb.page, wb.trainerScript);
    // As a user closing the tab: the page's unload handlers run, and the
    // workbench tells code-server it is going (without them, code-server
    // keeps the extension host for a reconnection, 3 hours by default).
    await wb.page.close({ runBeforeUnload: true });
    const closed = Date.now();
    // At once when the workbench said goodbye; at the latest when code-server
    // gives up waiting for it to reconnect.
    const took = await trainerGone(wb, pid, closed, 'the window closed', (RECONNECTION_GRACE_SECONDS + 20) * 1000);
    console.log(`      trainer gone ${(took / 1000).toFixed(1)} s after the window closed`);
    await wb.reopen();
    logTime('scenario (5, close)', started);
  });
});
