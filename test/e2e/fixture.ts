// One code-server + Chromium shared by the extension.*.test.ts files: the
// setup (tools, VSIX, server, workbench) costs ~15 s, a scenario ~10 s. A
// file's `after` releases it; it is stopped unless the next file takes it
// back within a moment (mocha runs the files one after another, sorted by
// name), and at the latest when mocha ends.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { startCodeServer, type CodeServerRun } from '../../scripts/e2e/codeServer';
import { CACHE_DIR, E2eUnavailable, ensureE2eTools, type E2eTools } from '../../scripts/e2e/setup';
import { packageExtension } from '../../scripts/e2e/vsix';
import { launchBrowser, logTime, openDialogs, openWorkbench, screenshot, workbenchState } from './workbench';

/** Workspace copies of spiral-mlp made by `prepareWorkspace`. */
export const SPECS = {
  /** spiral-mlp as shipped: 30 epochs, ~750 steps, finishes in seconds. */
  short: 'spiral-mlp.nn.json',
  /** spiral-mlp with MEDIUM_EPOCHS epochs (named spiral-medium): 25,000 steps, ~10 s on an idle machine — long enough to watch, short enough to finish. */
  medium: 'spiral-medium.nn.json',
  /** spiral-mlp with 3000 epochs (named spiral-long): long enough to act on mid-run (~2,500 steps a second on an idle machine). */
  long: 'spiral-long.nn.json',
  /** spiral-mlp with `"units": -4`. */
  broken: 'broken-units.nn.json',
  deepSigmoid: 'deep-sigmoid.nn.json',
} as const;

/** Epochs of SPECS.medium, 25 steps each. The trainer makes ~2,500 steps a second on an idle machine, so fewer would be over before a loaded workbench draws them. */
export const MEDIUM_EPOCHS = 1000;
export const MEDIUM_STEPS = MEDIUM_EPOCHS * 25;

export interface Workbench {
  server: CodeServerRun;
  browser: BrowserContext;
  /** The open workbench page (replaced by `reopen`). */
  page: Page;
  /** The installed extension's dist/trainer.js: what the process checks look for. */
  trainerScript: string;
  /** Opens a new page on the workspace (after the old one was closed or reloaded away). */
  reopen(): Promise<Page>;
}

let shared: Promise<Workbench> | undefined;
let unavailable: string | undefined;
let stopTimer: NodeJS.Timeout | undefined;
let stopping: Promise<void> | undefined;
let vsixFile: string | undefined;

/**
 * `describe` for scenarios in the shared workbench: acquires it before the
 * first test (skipping with one line when the tools cannot be installed),
 * screenshots and prints the logs of a failed test, releases it after.
 */
export function describeInCodeServer(title: string, body: (workbench: () => Workbench) => void): void {
  describe(title, function () {
    let workbench: Workbench | undefined;
    before(async function () {
      this.timeout(20 * 60_000);
      if (unavailable === undefined) {
        try {
          workbench = await acquire();
        } catch (e) {
          if (!(e instanceof E2eUnavailable)) throw e;
          unavailable = e.message.split('\n')[0];
          console.log(`      e2e skipped: ${unavailable}`);
        }
      }
      if (unavailable !== undefined) this.skip();
    });
    after(() => {
      if (workbench) release();
    });
    afterEach(async function () {
      if (this.currentTest?.state !== 'failed' || !workbench) return;
      const name = `e2e-failed-${this.currentTest.title.replace(/\W+/g, '-').slice(0, 60)}`;
      await screenshot(workbench.page, name).catch(() => undefined);
      const state = await workbenchState(workbench.page);
      console.log(
        `      workbench: ${state}\n      code-server log (tail):\n${workbench.server.log().slice(-2000)}\n      extension host log:\n${workbench.server.extensionHostLog()}`,
      );
      // A modal dialog ("Cannot reconnect", …) would fail every later test: start them on a new page.
      if (workbench.page.isClosed() || (await openDialogs(workbench.page)).length > 0) {
        await workbench.reopen().catch((e: Error) => console.log(`      could not reopen the workbench: ${e.message}`));
      }
      // A run the failed test left behind would break the next ones.
      const toolbar = workbench.page.locator('.debug-toolbar');
      if (await toolbar.isVisible().catch(() => false)) {
        await toolbar
          .locator('.codicon-debug-stop')
          .first()
          .click()
          .catch(() => undefined);
        await toolbar.waitFor({ state: 'hidden', timeout: 20_000 }).catch(() => undefined);
      }
    });
    body(() => {
      assert.ok(workbench, 'the workbench is not running');
      return workbench;
    });
  });
}

async function acquire(): Promise<Workbench> {
  if (stopTimer) clearTimeout(stopTimer);
  stopTimer = undefined;
  if (stopping) await stopping;
  shared ??= start().catch((e: unknown) => {
    shared = undefined;
    throw e;
  });
  return shared;
}

function release(): void {
  if (stopTimer) clearTimeout(stopTimer);
  stopTimer = setTimeout(() => {
    stopTimer = undefined;
    stopping = stopShared().finally(() => (stopping = undefined));
  }, 1_000);
}

async function stopShared(): Promise<void> {
  const running = shared;
  shared = undefined;
  if (!running) return;
  const workbench = await running.catch(() => undefined);
  await workbench?.browser.close().catch(() => undefined);
  await workbench?.server.stop();
}

// A root hook (this module is loaded at top level by the test files): waits
// for the last stop, so mocha ends with every process it started gone.
after(async function () {
  this.timeout(60_000);
  if (stopTimer) {
    clearTimeout(stopTimer);
    stopTimer = undefined;
    stopping = stopShared();
  }
  await stopping;
});

async function start(): Promise<Workbench> {
  let started = Date.now();
  const tools: E2eTools = ensureE2eTools((line) => console.log(`      ${line}`));
  logTime('e2e tools (cached after the first run)', started);
  started = Date.now();
  if (!vsixFile) {
    vsixFile = packageExtension(path.join(CACHE_DIR, 'neural-debugger.vsix'));
    logTime(`build + package VSIX (${(fs.statSync(vsixFile).size / 1024 / 1024).toFixed(1)} MB)`, started);
    started = Date.now();
  }
  const server = await startCodeServer(tools, vsixFile, { prepare: prepareWorkspace });
  let browser: BrowserContext | undefined;
  try {
    browser = await launchBrowser(tools.chromium, path.join(server.runDir, 'chromium-profile'));
    const context = browser;
    const workbench: Workbench = {
      server,
      browser: context,
      page: await openWorkbench(context, server.url, server.workspace),
      trainerScript: path.join(server.installedExtension, 'dist', 'trainer.js'),
      reopen: async () => {
        if (!workbench.page.isClosed()) await workbench.page.close();
        workbench.page = await openWorkbench(context, server.url, server.workspace);
        return workbench.page;
      },
    };
    logTime('install VSIX, start code-server, workbench drawn', started);
    return workbench;
  } catch (e) {
    await browser?.close().catch(() => undefined);
    await server.stop();
    throw e;
  }
}

/** The workspace is a copy of examples/ plus the variants in SPECS. */
function prepareWorkspace(workspace: string): void {
  const spiral = fs.readFileSync(path.join(workspace, SPECS.short), 'utf8');
  const longer = spiral.replace('"epochs": 30,', '"epochs": 3000,').replace('"name": "spiral-mlp"', '"name": "spiral-long"');
  assert.notEqual(longer, spiral, 'spiral-mlp.nn.json no longer has "epochs": 30');
  fs.writeFileSync(path.join(workspace, SPECS.long), longer);
  const medium = spiral.replace('"epochs": 30,', `"epochs": ${MEDIUM_EPOCHS},`).replace('"name": "spiral-mlp"', '"name": "spiral-medium"');
  fs.writeFileSync(path.join(workspace, SPECS.medium), medium);
  const broken = spiral.replace(/("units": )32(, "activation": "relu", "name": "hidden2")/, '$1-4$2');
  assert.notEqual(broken, spiral, 'spiral-mlp.nn.json no longer has the hidden2 layer this test breaks');
  fs.writeFileSync(path.join(workspace, SPECS.broken), broken);
}

/** Trace files (JSON Lines) of runs of `specFile` in the workspace, oldest first. */
export function tracesOf(workspace: string, specFile: string): string[] {
  const runsDir = path.join(workspace, '.neural-debugger', 'runs');
  const prefix = `${specFile.replace(/\.nn\.json$/, '')}-`;
  if (!fs.existsSync(runsDir)) return [];
  return fs
    .readdirSync(runsDir)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.jsonl'))
    .sort()
    .map((f) => path.join(runsDir, f));
}

/** The last record of a trace (`{ kind: 'end', reason }` once the run ended cleanly). */
/** The last record of a trace (format 2: an event plus its time; a finished run ends with `finished`). */
export function lastTraceRecord(file: string): { type: string; reason?: string; steps?: number } {
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as { type: string; reason?: string; steps?: number };
}
