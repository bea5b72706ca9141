// Finding a run again: after a run, "Open run trace" lists it (model, start,
// steps, outcome) and replays the chosen one in the training view, whose
// timeline scrubs the recorded steps; not the trace as text.

import * as assert from 'node:assert/strict';
import { describeInCodeServer, lastTraceRecord, SPECS, tracesOf } from './fixture';
import { logTime, openFile, runCommand, screenshot, trainingView, waitUntil } from './workbench';

describeInCodeServer('e2e: Open run trace', (workbench) => {
  it('lists the finished run with its steps and outcome and replays it in the training view, whose timeline scrubs it', async function () {
    this.timeout(240_000);
    const started = Date.now();
    const { page, server } = workbench();
    const before = tracesOf(server.workspace, SPECS.short).length;
    await openFile(page, SPECS.short);
    await runCommand(page, 'Neural Debugger: Train model');
    await waitUntil(
      () => {
        const traces = tracesOf(server.workspace, SPECS.short);
        return traces.length > before && lastTraceRecord(traces.at(-1)!).type === 'finished';
      },
      120_000,
      'the spiral-mlp run to finish',
    );
    await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 });
    await runCommand(page, 'View: Close All Editors');

    await runCommand(page, 'Neural Debugger: Open run trace');
    const rows = page.locator('.quick-input-list .monaco-list-row');
    const newest = rows.filter({ hasText: 'spiral-mlp' }).first();
    await newest.waitFor({ state: 'visible', timeout: 20_000 });
    const text = await newest.innerText();
    assert.match(text, /spiral-mlp/);
    assert.match(text, /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/, `the start time: ${text}`);
    assert.match(text, /750 steps · completed/, `steps and outcome: ${text}`);
    await screenshot(page, 'e2e-runs-picker');
    await newest.click();

    const view = await trainingView(page, 60_000);
    await waitUntil(async () => /finished after 750 steps/.test(await view.locator('#run-status').innerText()), 30_000, 'the replay to show the finished run');
    assert.match(await view.locator('#notes').innerText(), /Replay of spiral-mlp-\d{8}-\d{6}\.jsonl/);
    assert.match((await view.locator('#current-step').innerText()) ?? '', /^step 750 of 750/);
    await view.locator('#timeline-range').evaluate((input: HTMLInputElement) => {
      input.value = '100';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await waitUntil(async () => /^step 100 of 750/.test(await view.locator('#current-step').innerText()), 10_000, 'the timeline to scrub the replay');
    await screenshot(page, 'e2e-runs-replay');
    const editors = await page.locator('.editor-group-container .tabs-container .tab').allInnerTexts();
    assert.ok(!editors.some((t) => /\.jsonl/.test(t)), `no editor on the trace text: ${editors.join(', ')}`);
    // The replay's view sits in the only editor group: leave the workbench as the next scenarios expect it.
    await runCommand(page, 'View: Close All Editor Groups');
    logTime('Open run trace', started);
  });
});
