// What a user sees at a pause (issue 18): the paused line is on screen from
// column 1 even when the editor was scrolled to the right first; the
// exception widget underlines no text as a file link; after Step Back the
// status bar, the Call Stack and the training view's timeline all say the
// restored step.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { processesMatching } from '../../scripts/e2e/codeServer';
import { describeInCodeServer, SPECS } from './fixture';
import {
  arrangePanes,
  debugToolbarButton,
  logTime,
  notificationTexts,
  openDialogs,
  openFile,
  runCommand,
  screenshot,
  trainingView,
  waitForNotification,
  waitForStatus,
  waitUntil,
} from './workbench';

const BATCHES_PER_EPOCH = 25;

/** How far the first editor's text is shifted left of its viewport, in px (its horizontal scroll, however it came about). */
async function editorShift(page: Page): Promise<number> {
  return page.evaluate(() => {
    const editor = document.querySelector('.editor-group-container.active .monaco-editor .overflow-guard');
    const lines = editor?.querySelector('.lines-content');
    if (!editor || !lines) return NaN;
    const gutter = editor.querySelector('.margin')?.getBoundingClientRect().width ?? 0;
    return editor.getBoundingClientRect().left + gutter - lines.getBoundingClientRect().left;
  });
}

/** Scrolls the spec's editor right: the cursor at the end of its long "description" line (line 3). */
async function scrollRight(page: Page): Promise<void> {
  await openFile(page, SPECS.deepSigmoid);
  await runCommand(page, 'Go to Line/Column...');
  await page.keyboard.type('3');
  await page.keyboard.press('Enter');
  await page.keyboard.press('End');
  await waitUntil(async () => (await editorShift(page)) > 100, 10_000, 'the editor to scroll right');
}

describeInCodeServer('e2e: what a user sees at a pause', (workbench) => {
  it('(ux) a pause shows its line from column 1 in an editor scrolled right; Step Back moves the status bar, Call Stack and timeline alike', async function () {
    this.timeout(240_000);
    const started = Date.now();
    const { page, server, trainerScript } = workbench();
    // Break on vanishing gradients through the setting (deep-sigmoid pauses on one in epoch 2).
    const settingsFile = path.join(server.workspace, '.vscode', 'settings.json');
    fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
    const settingsBefore = fs.existsSync(settingsFile) ? fs.readFileSync(settingsFile, 'utf8') : undefined;
    fs.writeFileSync(settingsFile, JSON.stringify({ 'neuralDebugger.breakOn': ['vanishing-gradient'] }, null, 2));
    try {
      await openFile(page, SPECS.deepSigmoid);
      await scrollRight(page);
      await screenshot(page, 'e2e-ux-scrolled-right');

      await runCommand(page, 'Neural Debugger: Train model');
      await debugToolbarButton(page, 'debug-continue').waitFor({ state: 'visible', timeout: 90_000 });
      const paused = await waitForStatus(page, /epoch \d+\/20 · batch \d+\/25 · loss \S+ · wasm · paused/, 30_000);
      // The paused line from column 1: no horizontal shift once the reveal is done.
      await waitUntil(async () => Math.abs(await editorShift(page)) < 2, 10_000, 'the paused line to show from column 1');
      const line = page.locator('.editor-group-container.active .monaco-editor .view-overlays .debug-top-stack-frame-line').first();
      const [lineBox, editorBox] = [await line.boundingBox(), await page.locator('.editor-group-container.active .monaco-editor').first().boundingBox()];
      assert.ok(lineBox && editorBox && lineBox.y >= editorBox.y && lineBox.y + lineBox.height <= editorBox.y + editorBox.height, 'the paused line is in view');
      // The exception widget links nothing that is not a file ("sigmoid/tanh …").
      const widget = page.locator('.monaco-editor .zone-widget').filter({ hasText: 'Exception has occurred' }).first();
      await widget.waitFor({ state: 'visible', timeout: 15_000 });
      const links = await widget.locator('a').allInnerTexts();
      assert.deepEqual(
        links.filter((t) => /tanh|NaN|Inf|Glorot/.test(t)),
        [],
        `links in the exception widget: ${JSON.stringify(links)}`,
      );
      await screenshot(page, 'e2e-ux-paused-column-1');
      await runCommand(page, 'View: Show Run and Debug');
      await arrangePanes(page, ['Variables', 'Call Stack']);
      await page.locator('.call-stack-state-message', { hasText: 'Paused on vanishing-gradient' }).first().waitFor({ state: 'visible', timeout: 15_000 });

      // Step Back: to the start of the paused epoch, i.e. after the last step of the epoch before.
      const m = /epoch (\d+)\/20 · batch (\d+)\/25/.exec(paused)!;
      const epoch = Number(m[1]);
      assert.ok(epoch >= 2, `deep-sigmoid paused in epoch ${epoch}; the check needs an epoch before it`);
      const restored = (epoch - 1) * BATCHES_PER_EPOCH;
      await debugToolbarButton(page, 'debug-step-back').click();
      await waitForStatus(page, new RegExp(`epoch ${epoch - 1}/20 · batch 25/25 · loss \\S+ · wasm · paused`), 30_000);
      await page
        .locator('.debug-call-stack .monaco-list-row')
        .filter({ hasText: `batch 25/25 (step ${restored})` })
        .first()
        .waitFor({ state: 'visible', timeout: 15_000 });
      const view = await trainingView(page);
      await waitUntil(
        async () => ((await view.locator('#current-step').textContent()) ?? '').startsWith(`step ${restored} of ${restored} · epoch ${epoch - 1}/20`),
        15_000,
        `the timeline to say step ${restored} of ${restored}`,
      );
      // The stop is a step now: the diagnostic's exception widget is gone.
      await page.locator('.call-stack-state-message', { hasText: 'Paused on step' }).first().waitFor({ state: 'visible', timeout: 15_000 });
      await widget.waitFor({ state: 'hidden', timeout: 15_000 });
      await screenshot(page, 'e2e-ux-after-step-back');

      // Again with the training view beside the editor: scrolled right, then Step Into pauses one batch on.
      await scrollRight(page);
      await debugToolbarButton(page, 'debug-step-into').click();
      await waitForStatus(page, new RegExp(`epoch ${epoch}/20 · batch 1/25 · loss \\S+ · wasm · paused`), 30_000);
      await waitUntil(async () => Math.abs(await editorShift(page)) < 2, 10_000, 'the paused line to show from column 1 after Step Into');
      await screenshot(page, 'e2e-ux-step-into-column-1');

      await debugToolbarButton(page, 'debug-stop').click();
      await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 });
      await waitUntil(() => processesMatching(trainerScript).length === 0, 15_000, 'the trainer process to end');
    } finally {
      if (settingsBefore === undefined) fs.rmSync(settingsFile, { force: true });
      else fs.writeFileSync(settingsFile, settingsBefore);
    }
    logTime('scenario (ux)', started);
  });

  it('(ux-data) Train model without an editor: the picker marks the example that lacks its data and does not preselect it; training it says why, not launch.json', async function () {
    this.timeout(120_000);
    const started = Date.now();
    const { page } = workbench();
    await runCommand(page, 'View: Close All Editors');
    await runCommand(page, 'Neural Debugger: Train model');
    const rows = page.locator('.quick-input-list .monaco-list-row');
    const cifar = rows.filter({ hasText: 'cifar10-cnn' }).first();
    await cifar.waitFor({ state: 'visible', timeout: 15_000 });
    assert.match(await cifar.innerText(), /needs data: data\/cifar-10-batches-bin \(data\.path\) is missing/);
    const preselected = await rows.locator('xpath=self::*[contains(@class, "focused")]').first().innerText();
    assert.doesNotMatch(preselected, /cifar10|needs data/, `preselected: ${preselected}`);
    await screenshot(page, 'e2e-ux-data-picker');

    await page.locator('.quick-input-widget input.input').fill('cifar10-cnn');
    await page.keyboard.press('Enter');
    const message = await waitForNotification(page, /cannot train cifar10-cnn\.nn\.json: data\.path: folder .*cifar-10-batches-bin does not exist/, 60_000);
    assert.match(message, /download/);
    assert.deepEqual(await openDialogs(page), [], 'no launch-failure dialog');
    const action = page.locator('.notifications-toasts .monaco-button', { hasText: 'Open cifar10-cnn.nn.json' }).first();
    await action.waitFor({ state: 'visible', timeout: 5_000 });
    await waitForStatus(page, /failed: data\.path: folder …\/cifar-10-batches-bin does not exist/, 30_000);
    await waitUntil(
      async () => !(await notificationTexts(page)).some((t) => /preparing Train cifar10-cnn/.test(t)),
      10_000,
      'the preparing notification to close',
    );
    await screenshot(page, 'e2e-ux-data-error');
    await action.click();
    await page
      .locator('.editor-group-container.active .tabs-container .tab.active[aria-label^="cifar10-cnn.nn.json"]')
      .waitFor({ state: 'visible', timeout: 15_000 });
    logTime('scenario (ux-data)', started);
  });
});
