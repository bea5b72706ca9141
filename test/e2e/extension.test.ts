// The extension in a real VS Code: code-server 4.139.1 (VS Code 1.139.1)
// driven by headless Chromium. Installs its tools on first use (see
// scripts/e2e/setup.ts), packages and installs the VSIX, and checks what a user
// sees. Skips with one line saying why when the tools cannot be installed.
// The other scenarios are in extension.*.test.ts (same code-server, see ./fixture).

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { processesMatching } from '../../scripts/e2e/codeServer';
import { describeInCodeServer, lastTraceRecord, SPECS, tracesOf } from './fixture';
import { debugToolbarButton, findInPalette, logTime, openFile, runCommand, screenshot, waitForNotification, waitForStatus, waitUntil } from './workbench';

describeInCodeServer('e2e: the extension in code-server', (workbench) => {
  it('(a) registers its commands under "Neural Debugger" in the command palette', async function () {
    this.timeout(120_000);
    const started = Date.now();
    const { page } = workbench();
    const row = await findInPalette(page, 'Neural Debugger: Train model', 60_000, 'Train model');
    assert.match(await row.innerText(), /Neural Debugger: Train model/);
    await screenshot(page, 'e2e-a-command-palette');
    for (const title of ['Neural Debugger: Open run trace', 'Neural Debugger: Show training view', 'Neural Debugger: Show gradient inspector']) {
      await findInPalette(page, title, 10_000);
    }
    // Listed is not registered: run one and see the extension answer — the picker of past runs, or
    // (in a workspace with none: the files share one workspace, in name order) that there are none yet.
    await runCommand(page, 'Neural Debugger: Open run trace');
    const picker = page.locator('.quick-input-list .monaco-list-row', { hasText: /steps · / }).first();
    const none = page.locator('.notifications-toasts .notification-list-item-message', { hasText: /no run traces yet/ }).first();
    await picker.or(none).waitFor({ state: 'visible', timeout: 20_000 });
    await page.keyboard.press('Escape');
    logTime('scenario (a)', started);
  });

  it('(b) shows a broken spec in Problems at its line, and Train model starts no trainer', async function () {
    this.timeout(120_000);
    const started = Date.now();
    const { page, server, trainerScript } = workbench();
    await openFile(page, SPECS.broken);
    await runCommand(page, 'Focus on Problems', 15_000);
    const problem = page.locator('.markers-panel .monaco-list-row').filter({ hasText: 'expected a positive integer, got -4' }).first();
    await problem.waitFor({ state: 'visible', timeout: 30_000 });
    const text = await problem.innerText();
    const expected = brokenSpecPosition(server.workspace);
    assert.match(text, new RegExp(`\\[Ln ${expected.line}, Col ${expected.column}\\]`), text);
    await screenshot(page, 'e2e-b-problems-panel', 'problems-broken-spec');

    await runCommand(page, 'Neural Debugger: Train model');
    const message = await waitForNotification(page, /cannot train broken-units\.nn\.json/);
    assert.match(message, /expected a positive integer, got -4/);
    // Give a wrongly started session time to fork its trainer.
    const deadline = Date.now() + 3_000;
    while (Date.now() < deadline) {
      assert.deepEqual(processesMatching(trainerScript), [], 'a trainer process was started for a broken spec');
      await page.waitForTimeout(250);
    }
    assert.equal(await page.locator('.debug-toolbar').isVisible(), false, 'the debug toolbar appeared for a broken spec');
    await screenshot(page, 'e2e-b-train-refused');
    logTime('scenario (b)', started);
  });

  it('(c) Train model on a long run shows the debug toolbar; its Stop button ends it and leaves no trainer process', async function () {
    this.timeout(180_000);
    const started = Date.now();
    const { page, server, trainerScript } = workbench();
    const tracesBefore = tracesOf(server.workspace, SPECS.long);
    await openFile(page, SPECS.long);
    await runCommand(page, 'Neural Debugger: Train model');
    await page.locator('.debug-toolbar').waitFor({ state: 'visible', timeout: 60_000 });
    await waitForStatus(page, /epoch \d+\/3000 · batch \d+\/25 · loss \S+ · wasm · running/);
    const running = processesMatching(trainerScript);
    assert.equal(running.length, 1, `expected one trainer process, found ${JSON.stringify(running)}`);
    await screenshot(page, 'e2e-c-training');

    await debugToolbarButton(page, 'debug-stop').click();
    await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 });
    await waitUntil(() => processesMatching(trainerScript).length === 0, 15_000, 'the trainer process to end');
    await screenshot(page, 'e2e-c-stopped');

    // Stopped mid-run, not finished: the trace says so.
    const traces = tracesOf(server.workspace, SPECS.long).filter((t) => !tracesBefore.includes(t));
    assert.equal(traces.length, 1, `new traces: ${traces.join(', ')}`);
    const end = lastTraceRecord(traces[0]);
    assert.deepEqual({ type: end.type, reason: end.reason }, { type: 'finished', reason: 'stopped' });
    logTime('scenario (c)', started);
  });
});

/** 1-based line and column of the `-4` in the broken spec (what Problems must show). */
function brokenSpecPosition(workspace: string): { line: number; column: number } {
  const lines = fs.readFileSync(path.join(workspace, SPECS.broken), 'utf8').split('\n');
  const index = lines.findIndex((l) => l.includes('"units": -4'));
  return { line: index + 1, column: lines[index].indexOf('-4') + 1 };
}
