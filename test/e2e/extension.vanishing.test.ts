// Scenario 2 of the end-to-end suite: examples/deep-sigmoid.nn.json with the
// "Vanishing gradients" exception breakpoint ticked in the Breakpoints view.
// Training pauses on the diagnostic; the user sees it in the debug toolbar,
// Call Stack, Variables, the training view and Problems; Step Into runs one
// batch; Continue runs on.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { processesMatching } from '../../scripts/e2e/codeServer';
import { describeInCodeServer, SPECS } from './fixture';
import {
  arrangePanes,
  debugToolbarButton,
  gradientInspector,
  hidePanel,
  logTime,
  openFile,
  resizeSideBar,
  runCommand,
  screenshot,
  trainingView,
  waitForStatus,
  waitUntil,
} from './workbench';

const FILTER_LABEL = 'Vanishing gradients';
const BATCHES_PER_EPOCH = 25; // 800 training samples, batch 32

/** `epoch 2/20 · batch 6/25 · …` → the global 1-based step 31. */
function globalStep(statusText: string): number {
  const m = /epoch (\d+)\/\d+ · batch (\d+)\/(\d+)/.exec(statusText);
  assert.ok(m, `not a training status: ${statusText}`);
  return (Number(m[1]) - 1) * Number(m[3]) + Number(m[2]);
}

function breakpointRow(page: Page, label: string) {
  return page.locator('.debug-breakpoints .monaco-list-row').filter({ hasText: label }).first();
}

/**
 * The adapter announces its exception filters when a session starts; VS Code
 * then keeps listing them. In a window that has not trained yet, start (and
 * stop) a run so that the Breakpoints view lists them, as a user would.
 */
async function ensureFiltersListed(page: Page, trainerScript: string): Promise<void> {
  await runCommand(page, 'View: Show Run and Debug');
  const row = breakpointRow(page, FILTER_LABEL);
  const breakpointsPane = page.locator('.part.sidebar .pane-header:not(.hidden) h3.title', { hasText: 'Breakpoints' });
  if (
    await breakpointsPane.waitFor({ state: 'visible', timeout: 3_000 }).then(
      () => true,
      () => false,
    )
  ) {
    await arrangePanes(page, ['Breakpoints']);
    if (
      await row.waitFor({ state: 'visible', timeout: 3_000 }).then(
        () => true,
        () => false,
      )
    )
      return;
  }
  await openFile(page, SPECS.long);
  await runCommand(page, 'Neural Debugger: Train model');
  await arrangePanes(page, ['Breakpoints']);
  await row.waitFor({ state: 'visible', timeout: 60_000 });
  await debugToolbarButton(page, 'debug-stop').click();
  await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 });
  await waitUntil(() => processesMatching(trainerScript).length === 0, 15_000, 'the trainer process to end');
}

/** 1-based line of deep-sigmoid's first layer: where Problems puts a diagnostic of dense_1. */
function firstLayerLine(workspace: string): number {
  const lines = fs.readFileSync(path.join(workspace, SPECS.deepSigmoid), 'utf8').split('\n');
  return lines.findIndex((l) => l.includes('"type": "dense"')) + 1;
}

describeInCodeServer('e2e: breaking on a vanishing gradient', (workbench) => {
  it('(2) deep-sigmoid pauses on the vanishing-gradient breakpoint; Step Into runs one batch; Continue runs on', async function () {
    this.timeout(240_000);
    const started = Date.now();
    const { page, server, trainerScript } = workbench();
    await ensureFiltersListed(page, trainerScript);
    const checkbox = breakpointRow(page, FILTER_LABEL).locator('.monaco-checkbox');
    if ((await checkbox.getAttribute('aria-checked')) !== 'true') await checkbox.click();
    await waitUntil(async () => (await checkbox.getAttribute('aria-checked')) === 'true', 5_000, `"${FILTER_LABEL}" to be ticked`);

    const runStarted = Date.now();
    await openFile(page, SPECS.deepSigmoid);
    await runCommand(page, 'Neural Debugger: Train model');
    await arrangePanes(page, ['Variables', 'Call Stack', 'Breakpoints']);
    // Paused: the toolbar offers Continue, the Call Stack says why.
    await debugToolbarButton(page, 'debug-continue').waitFor({ state: 'visible', timeout: 90_000 });
    const pausedStatus = await waitForStatus(page, /epoch \d+\/20 · batch \d+\/25 · loss \S+ · wasm · paused/, 30_000);
    await page.locator('.call-stack-state-message', { hasText: 'Paused on vanishing-gradient' }).first().waitFor({ state: 'visible', timeout: 15_000 });
    logTime('Train model → paused on vanishing-gradient', runStarted);
    assert.equal(processesMatching(trainerScript).length, 1, 'expected one trainer process while paused');
    await page.waitForTimeout(500); // the exception widget slides in
    await screenshot(page, 'e2e-2-paused-on-vanishing-gradient', 'paused-vanishing-gradient');

    // Variables: the Layers scope lists the model's layers with their statistics.
    const variables = page.locator('.debug-variables .monaco-list-row');
    const training = variables.filter({ hasText: /^Training$/ }).first();
    if ((await training.getAttribute('aria-expanded')) === 'true') await training.click();
    await variables
      .filter({ hasText: /^Layers$/ })
      .first()
      .click();
    const layerRow = variables.filter({ hasText: /^dense_1 =/ }).first();
    await layerRow.waitFor({ state: 'visible', timeout: 15_000 });
    assert.match(await layerRow.innerText(), /Dense sigmoid · gradNorm \S+/);
    await variables
      .filter({ hasText: /^dense_2 =/ })
      .first()
      .waitFor({ state: 'visible', timeout: 5_000 });

    // The training view lists the warning; Problems has it at dense_1's line.
    const warning = (await trainingView(page)).locator('#warnings [data-kind="vanishing-gradient"]').first();
    await warning.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match((await warning.getAttribute('aria-label')) ?? '', /layers dense_1, dense_2/);
    await runCommand(page, 'Focus on Problems', 15_000);
    const problem = page.locator('.markers-panel .monaco-list-row').filter({ hasText: 'vanishing-gradient [dense_1' }).first();
    await problem.waitFor({ state: 'visible', timeout: 15_000 });
    assert.match(await problem.innerText(), new RegExp(`\\[Ln ${firstLayerLine(server.workspace)}, Col \\d+\\]`));
    await screenshot(page, 'e2e-2-problems');

    // The gradient inspector at the pause: the early layers' gradients are tiny.
    await runCommand(page, 'Neural Debugger: Show gradient inspector');
    await arrangePanes(page, ['Gradients']);
    await waitUntil(
      async () => (await (await gradientInspector(page)).locator('#weights-table tbody tr').count()) === 26,
      30_000,
      '26 weight tensors (13 dense layers) in the inspector',
    );
    // For the picture: a wide side bar shows all the columns, without the panel all the rows.
    await hidePanel(page);
    const sideBarWidth = (await page.locator('.part.sidebar').boundingBox())?.width ?? 300;
    await resizeSideBar(page, 620);
    await page.waitForTimeout(500);
    await screenshot(page, 'e2e-2-gradient-inspector', 'gradient-inspector');
    await resizeSideBar(page, sideBarWidth);

    // Step Into: exactly one batch, paused again.
    const before = globalStep(pausedStatus);
    await debugToolbarButton(page, 'debug-step-into').click();
    const expected = before + 1;
    const afterStep = await waitForStatus(
      page,
      new RegExp(`epoch ${Math.ceil(expected / BATCHES_PER_EPOCH)}/20 · batch ${((expected - 1) % BATCHES_PER_EPOCH) + 1}/25 · .* · paused`),
      30_000,
    );
    assert.equal(globalStep(afterStep), before + 1);

    // Continue: training runs on past the pause.
    await debugToolbarButton(page, 'debug-continue').click();
    await waitUntil(
      async () => {
        const text = (await page.locator('.part.statusbar .statusbar-item').allInnerTexts()).find((t) => /epoch \d+\/20/.test(t));
        return text !== undefined && globalStep(text) >= before + 10;
      },
      60_000,
      'training to run on after Continue',
    );
    await screenshot(page, 'e2e-2-continued');
    if (await page.locator('.debug-toolbar').isVisible()) await debugToolbarButton(page, 'debug-stop').click();
    await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 });
    await waitUntil(() => processesMatching(trainerScript).length === 0, 15_000, 'the trainer process to end');
    // Leave the window as it was for the scenarios after this one.
    await runCommand(page, 'View: Show Run and Debug');
    await arrangePanes(page, ['Breakpoints']);
    if ((await checkbox.getAttribute('aria-checked')) === 'true') await checkbox.click();
    logTime('scenario (2)', started);
  });
});
