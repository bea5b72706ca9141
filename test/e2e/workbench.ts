// Driving the VS Code workbench that code-server serves, with playwright-core
// and Debian's Chromium: what a user does (command palette, quick open,
// Problems panel, debug toolbar) and what they see (screenshots, webviews).

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Frame, type Locator, type Page } from 'playwright-core';
import { CHROMIUM_ARGS } from '../../scripts/e2e/setup';

export const RESULTS_DIR = path.resolve(__dirname, '..', '..', 'test-results');
/** The README's screenshots: refreshed from a test run with UPDATE_SCREENSHOTS=1. */
export const README_SCREENSHOTS_DIR = path.resolve(__dirname, '..', '..', 'docs', 'screenshots');

export async function launchBrowser(executablePath: string, profileDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
  });
}

export async function openWorkbench(context: BrowserContext, url: string, folder: string): Promise<Page> {
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${url}/?folder=${encodeURIComponent(folder)}`);
  await page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: 60_000 });
  return page;
}

/**
 * Runs a command from the palette by its full title ("Neural Debugger: Train
 * model"). Retries until the command is listed (extension commands appear
 * only once the extension host is up) and until the click lands (the palette
 * can close between finding the row and clicking it, when a webview that
 * loads takes the focus).
 */
export async function runCommand(page: Page, title: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await findInPalette(page, title, Math.max(1_000, deadline - Date.now()));
    try {
      await row.click({ timeout: 5_000 });
      return;
    } catch (e) {
      if (Date.now() > deadline)
        throw new Error(`could not click "${title}" in the palette within ${timeoutMs / 1000} s; ${await workbenchState(page)}`, { cause: e });
    }
  }
}

/** Texts of the modal dialogs shown ("Cannot reconnect", …); none on a closed page. */
export async function openDialogs(page: Page): Promise<string[]> {
  if (page.isClosed()) return [];
  const texts = await page
    .locator('.monaco-dialog-box')
    .allInnerTexts()
    .catch(() => [] as string[]);
  return texts.map((d) => d.replace(/\s+/g, ' ').trim());
}

/**
 * What may keep the workbench from answering, for error messages: a modal
 * dialog, the notifications shown, the status bar.
 */
export async function workbenchState(page: Page): Promise<string> {
  if (page.isClosed()) return 'the page is closed';
  const texts = (selector: string) =>
    page
      .locator(selector)
      .allInnerTexts()
      .catch(() => [] as string[]);
  const dialogs = await openDialogs(page);
  const toasts = await notificationTexts(page).catch(() => [] as string[]);
  const status = await texts('.part.statusbar .statusbar-item');
  return [
    dialogs.length > 0 ? `a dialog is open: ${JSON.stringify(dialogs)}` : 'no dialog',
    `notifications: ${JSON.stringify(toasts)}`,
    `status bar: ${JSON.stringify(status.filter((t) => t.trim() !== ''))}`,
  ].join('; ');
}

/** The tab labels of each editor group, the active tab of each starred: for failure messages. */
export async function editorGroupTabs(page: Page): Promise<string[][]> {
  return page
    .locator('.editor-group-container')
    .evaluateAll((groups) =>
      groups.map((g) => Array.from(g.querySelectorAll('.tab')).map((t) => `${t.classList.contains('active') ? '*' : ''}${(t.textContent ?? '').trim()}`)),
    )
    .catch(() => []);
}

/** Keys typed while a webview (an iframe) has the focus do not reach the workbench: move it out. */
async function leaveWebview(page: Page): Promise<void> {
  await page.evaluate(() => {
    const active = document.activeElement;
    if (active instanceof HTMLIFrameElement) active.blur();
  });
}

/** Opens the palette with `>query` and returns the row whose label is `title` (still open). */
export async function findInPalette(page: Page, title: string, timeoutMs = 30_000, query = title): Promise<Locator> {
  const deadline = Date.now() + timeoutMs;
  const input = page.locator('.quick-input-widget input.input');
  for (;;) {
    const row = page.locator('.quick-input-list .monaco-list-row').filter({ hasText: title }).first();
    try {
      await leaveWebview(page);
      await page.keyboard.press('Escape');
      await page.keyboard.press('F1');
      // Short timeouts: the palette can close under us (focus moving into a webview that loads).
      await input.waitFor({ state: 'visible', timeout: 5_000 });
      await input.fill(`>${query}`, { timeout: 5_000 });
      await row.waitFor({ state: 'visible', timeout: 2_000 });
      return row;
    } catch (e) {
      if (Date.now() > deadline) {
        const listed = await page.locator('.quick-input-list .monaco-list-row').allInnerTexts();
        throw new Error(
          `command "${title}" did not appear in the palette within ${timeoutMs / 1000} s; ">${query}" lists ${JSON.stringify(listed)}; ${await workbenchState(page)}`,
          { cause: e },
        );
      }
      await page.keyboard.press('Escape');
      await page.waitForTimeout(500);
    }
  }
}

/**
 * Opens a workspace file by name with Quick Open in the first editor group
 * (the training view opens beside it, in the second), and waits for its tab.
 * Retried like `runCommand`: Quick Open can close under us.
 */
export async function openFile(page: Page, fileName: string, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  if ((await page.locator('.editor-group-container').count()) > 1) await runCommand(page, 'View: Focus First Editor Group', 10_000);
  const input = page.locator('.quick-input-widget input.input');
  const row = page.locator('.quick-input-list .monaco-list-row').filter({ hasText: fileName }).first();
  const tab = page.locator(`.editor-group-container.active .tabs-container .tab.active[aria-label^="${fileName}"]`);
  for (;;) {
    try {
      await leaveWebview(page);
      await page.keyboard.press('Escape');
      await page.keyboard.press('F1');
      await input.waitFor({ state: 'visible', timeout: 5_000 });
      await input.fill(fileName, { timeout: 5_000 });
      await row.waitFor({ state: 'visible', timeout: 10_000 });
      await row.click({ timeout: 5_000 });
      await tab.waitFor({ state: 'visible', timeout: 10_000 });
      return;
    } catch (e) {
      if (Date.now() > deadline)
        throw new Error(`could not open ${fileName} with Quick Open within ${timeoutMs / 1000} s; ${await workbenchState(page)}`, { cause: e });
      await page.waitForTimeout(500);
    }
  }
}

/** Text of the notification toasts currently shown. */
export async function notificationTexts(page: Page): Promise<string[]> {
  return page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts();
}

export async function waitForNotification(page: Page, pattern: RegExp, timeoutMs = 20_000): Promise<string> {
  const toast = page.locator('.notifications-toasts .notification-list-item-message').filter({ hasText: pattern }).first();
  await toast.waitFor({ state: 'visible', timeout: timeoutMs });
  return toast.innerText();
}

/**
 * Saves `test-results/<name>.png`. With `readmeName` and UPDATE_SCREENSHOTS=1
 * in the environment it also goes to docs/screenshots/<readmeName>.png, made
 * ~3x smaller by pngquant when that is installed (apt-get install pngquant).
 */
export async function screenshot(page: Page, name: string, readmeName?: string): Promise<string> {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  if (readmeName && process.env.UPDATE_SCREENSHOTS === '1') {
    fs.mkdirSync(README_SCREENSHOTS_DIR, { recursive: true });
    const target = path.join(README_SCREENSHOTS_DIR, `${readmeName}.png`);
    const quantized = spawnSync('pngquant', ['--quality=65-90', '--speed', '1', '--force', '--output', target, file]);
    if (quantized.status !== 0) {
      fs.copyFileSync(file, target);
      console.log(`      ${readmeName}.png copied as is (${quantized.error ? 'pngquant is not installed' : `pngquant exit ${quantized.status}`})`);
    }
  }
  return file;
}

/** Prints how long a phase took, indented under mocha's spec reporter. */
export function logTime(what: string, startedAt: number): void {
  console.log(`      ⏱ ${what}: ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
}

/**
 * The document of one of the extension's webviews, found by an element only
 * it has: `#network-panel` for the training view, `#weights-table` for the
 * gradient inspector. (A webview is two nested iframes, and VS Code may
 * recreate them, e.g. when a side-bar pane is collapsed and expanded again,
 * so they are looked up by content rather than by their attributes.)
 */
export async function webviewFrame(page: Page, marker: string, timeoutMs = 30_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      if (frame === page.mainFrame() || frame.isDetached()) continue;
      if (
        (await frame
          .locator(marker)
          .count()
          .catch(() => 0)) > 0
      )
        return frame;
    }
    if (Date.now() > deadline) throw new Error(`no webview with ${marker} within ${timeoutMs / 1000} s`);
    await page.waitForTimeout(250);
  }
}

export const trainingView = (page: Page, timeoutMs?: number): Promise<Frame> => webviewFrame(page, '#network-panel', timeoutMs);
export const gradientInspector = (page: Page, timeoutMs?: number): Promise<Frame> => webviewFrame(page, '#weights-table', timeoutMs);

/** The extension's status bar item once its text matches (e.g. `/batch 7\/25 .* paused/`). */
export async function waitForStatus(page: Page, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  const item = page.locator('.part.statusbar .statusbar-item').filter({ hasText: pattern }).first();
  try {
    await item.waitFor({ state: 'visible', timeout: timeoutMs });
  } catch (e) {
    const items = await page.locator('.part.statusbar .statusbar-item').allInnerTexts();
    throw new Error(`no status bar item matched ${pattern} within ${timeoutMs / 1000} s; items: ${JSON.stringify(items)}; ${await workbenchState(page)}`, {
      cause: e,
    });
  }
  return item.innerText();
}

/** A button of the floating debug toolbar by its codicon (`debug-continue`, `debug-step-into`, `debug-stop`, …). */
export function debugToolbarButton(page: Page, codicon: string): Locator {
  return page.locator(`.debug-toolbar .action-label.codicon-${codicon}`).first();
}

/**
 * Expands the side bar's panes titled `expand` and collapses the others
 * (a webview view in a pane squeezed to no height is never drawn).
 */
export async function arrangePanes(page: Page, expand: string[]): Promise<void> {
  const visibleHeaders = page.locator('.part.sidebar .pane-header:not(.hidden)');
  // The view the caller just asked for may still be opening.
  await visibleHeaders.locator('h3.title', { hasText: expand[0] }).first().waitFor({ state: 'visible', timeout: 15_000 });
  for (let i = 0; i < (await visibleHeaders.count()); i++) {
    const header = visibleHeaders.nth(i);
    const title = (await header.locator('h3.title').textContent())?.trim() ?? '';
    const expanded = (await header.getAttribute('aria-expanded')) === 'true';
    if (expanded !== expand.includes(title)) await header.locator('h3.title').click();
  }
}

/** Drags the sash at the side bar's right edge so that the side bar is `width` pixels wide. */
export async function resizeSideBar(page: Page, width: number): Promise<void> {
  const bar = await page.locator('.part.sidebar').boundingBox();
  if (!bar) throw new Error('the side bar is not visible');
  const edge = bar.x + bar.width;
  const sashes = page.locator('.monaco-sash.vertical');
  for (let i = 0; i < (await sashes.count()); i++) {
    const box = await sashes.nth(i).boundingBox();
    if (!box || Math.abs(box.x + box.width / 2 - edge) > 4 || box.height < bar.height / 2) continue;
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width / 2, y);
    await page.mouse.down();
    await page.mouse.move(bar.x + width, y, { steps: 5 });
    await page.mouse.up();
    return;
  }
  throw new Error('no sash at the side bar edge');
}

/** Hides the panel (Problems, Debug Console, …) if it is shown. */
export async function hidePanel(page: Page): Promise<void> {
  if (await page.locator('.part.panel').isVisible()) await runCommand(page, 'View: Hide Panel', 10_000);
}

/** Hides the panel, side bar and secondary side bar so that an editor fills the window (for screenshots). */
export async function focusEditorArea(page: Page): Promise<void> {
  await hidePanel(page);
  if (await page.locator('.part.sidebar').isVisible()) await runCommand(page, 'View: Close Primary Side Bar', 10_000);
}

/** Polls `check` until it returns true or the time is up. */
export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
