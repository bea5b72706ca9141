// The extension in a real VS Code: code-server 4.139.1 (VS Code 1.139.1)
// driven by headless Chromium. Installs its tools on first use (see
// scripts/e2e/setup.ts), packages and installs the VSIX, and checks what a user
// sees. Skips with one line saying why when the tools cannot be installed.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { processesMatching, startCodeServer, type CodeServerRun } from '../../scripts/e2e/codeServer';
import { CACHE_DIR, E2eUnavailable, ensureE2eTools } from '../../scripts/e2e/setup';
import { packageExtension } from '../../scripts/e2e/vsix';
import { findInPalette, launchBrowser, openFile, openWorkbench, runCommand, screenshot, waitForNotification, waitUntil } from './workbench';

const BROKEN_SPEC = 'broken-units.nn.json';

/** Prints how long a phase took, indented under mocha's spec reporter. */
function logTime(what: string, startedAt: number): void {
  console.log(`      ⏱ ${what}: ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
}

describe('e2e: the extension in code-server', function () {
  let server: CodeServerRun | undefined;
  let browser: BrowserContext | undefined;
  let page: Page;
  let trainerScript: string;

  before(async function () {
    this.timeout(20 * 60_000);
    let started = Date.now();
    let tools;
    try {
      tools = ensureE2eTools((line) => console.log(`      ${line}`));
    } catch (e) {
      if (e instanceof E2eUnavailable) {
        console.log(`      e2e skipped: ${e.message.split('\n')[0]}`);
        this.skip();
      }
      throw e;
    }
    logTime('e2e tools (cached after the first run)', started);
    started = Date.now();
    const vsix = packageExtension(path.join(CACHE_DIR, 'neural-debugger.vsix'));
    logTime(`build + package VSIX (${(fs.statSync(vsix).size / 1024 / 1024).toFixed(1)} MB)`, started);
    started = Date.now();
    server = await startCodeServer(tools, vsix, { prepare: prepareWorkspace });
    trainerScript = path.join(server.installedExtension, 'dist', 'trainer.js');
    browser = await launchBrowser(tools.chromium, path.join(server.runDir, 'chromium-profile'));
    page = await openWorkbench(browser, server.url, server.workspace);
    logTime('install VSIX, start code-server, workbench drawn', started);
  });

  after(async function () {
    this.timeout(60_000);
    await browser?.close();
    await server?.stop();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) {
      await screenshot(page, `e2e-failed-${this.currentTest.title.replace(/\W+/g, '-').slice(0, 60)}`).catch(() => undefined);
      if (server) console.log(`      code-server log (tail):\n${server.log().slice(-2000)}\n      extension host log:\n${server.extensionHostLog()}`);
    }
  });

  it('(a) registers its commands under "Neural Debugger" in the command palette', async function () {
    this.timeout(120_000);
    const started = Date.now();
    const row = await findInPalette(page, 'Neural Debugger: Train model', 60_000, 'Train model');
    assert.match(await row.innerText(), /Neural Debugger: Train model/);
    await screenshot(page, 'e2e-a-command-palette');
    for (const title of ['Neural Debugger: Open run trace', 'Neural Debugger: Show training view', 'Neural Debugger: Show gradient inspector']) {
      await findInPalette(page, title, 10_000);
    }
    // Listed is not registered: run one and see the extension answer.
    await runCommand(page, 'Neural Debugger: Open run trace');
    await waitForNotification(page, /no run traces yet/);
    await page.keyboard.press('Escape');
    logTime('scenario (a)', started);
  });

  it('(b) shows a broken spec in Problems at its line, and Train model starts no trainer', async function () {
    this.timeout(120_000);
    const started = Date.now();
    await openFile(page, BROKEN_SPEC);
    await runCommand(page, 'Focus on Problems', 15_000);
    const problem = page.locator('.markers-panel .monaco-list-row').filter({ hasText: 'expected a positive integer, got -4' }).first();
    await problem.waitFor({ state: 'visible', timeout: 30_000 });
    const text = await problem.innerText();
    const expected = brokenSpecPosition(server!.workspace);
    assert.match(text, new RegExp(`\\[Ln ${expected.line}, Col ${expected.column}\\]`), text);
    await screenshot(page, 'e2e-b-problems-panel');

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

  it('(c) Train model on spiral-mlp shows the debug toolbar; stop ends it and leaves no trainer process', async function () {
    this.timeout(180_000);
    const started = Date.now();
    await page.keyboard.press('Escape');
    await openFile(page, 'spiral-mlp.nn.json');
    await runCommand(page, 'Neural Debugger: Train model');
    const toolbar = page.locator('.debug-toolbar');
    await toolbar.waitFor({ state: 'visible', timeout: 60_000 });
    const status = page.locator('.part.statusbar .statusbar-item').filter({ hasText: /epoch \d+\/300 · batch \d+\/25 · loss \S+ · wasm · running/ });
    await status
      .first()
      .waitFor({ state: 'visible', timeout: 60_000 })
      .catch(async (e: Error) => {
        const items = await page.locator('.part.statusbar .statusbar-item').allInnerTexts();
        throw new Error(`${e.message}\nstatus bar items: ${JSON.stringify(items)}`);
      });
    const running = processesMatching(trainerScript);
    assert.equal(running.length, 1, `expected one trainer process, found ${JSON.stringify(running)}`);
    await screenshot(page, 'e2e-c-training');

    await toolbar.locator('.codicon-debug-stop').first().click();
    await toolbar.waitFor({ state: 'hidden', timeout: 30_000 });
    await waitUntil(() => processesMatching(trainerScript).length === 0, 15_000, 'the trainer process to end');
    await screenshot(page, 'e2e-c-stopped');

    // Stopped mid-run, not finished: the trace says so.
    const runsDir = path.join(server!.workspace, '.neural-debugger', 'runs');
    const traces = fs.readdirSync(runsDir).filter((f) => f.startsWith('spiral-mlp-') && f.endsWith('.jsonl'));
    assert.equal(traces.length, 1, `traces: ${traces.join(', ')}`);
    const lines = fs.readFileSync(path.join(runsDir, traces[0]), 'utf8').trim().split('\n');
    const end = JSON.parse(lines[lines.length - 1]) as { kind: string; reason: string };
    assert.deepEqual({ kind: end.kind, reason: end.reason }, { kind: 'end', reason: 'stopped' });
    logTime('scenario (c)', started);
  });
});

/**
 * The workspace is a copy of examples/. spiral-mlp trains 300 epochs instead
 * of 30 there (30 take ~4 s, too short to stop it mid-run reliably), and a
 * broken copy has `"units": -4`.
 */
function prepareWorkspace(workspace: string): void {
  const spiralFile = path.join(workspace, 'spiral-mlp.nn.json');
  const spiral = fs.readFileSync(spiralFile, 'utf8');
  const longer = spiral.replace('"epochs": 30,', '"epochs": 300,');
  assert.notEqual(longer, spiral, 'spiral-mlp.nn.json no longer has "epochs": 30');
  fs.writeFileSync(spiralFile, longer);
  const broken = spiral.replace(/("units": )32(, "activation": "relu", "name": "hidden2")/, '$1-4$2');
  assert.notEqual(broken, spiral, 'spiral-mlp.nn.json no longer has the hidden2 layer this test breaks');
  fs.writeFileSync(path.join(workspace, BROKEN_SPEC), broken);
}

/** 1-based line and column of the `-4` in the broken spec (what Problems must show). */
function brokenSpecPosition(workspace: string): { line: number; column: number } {
  const lines = fs.readFileSync(path.join(workspace, BROKEN_SPEC), 'utf8').split('\n');
  const index = lines.findIndex((l) => l.includes('"units": -4'));
  return { line: index + 1, column: lines[index].indexOf('-4') + 1 };
}
