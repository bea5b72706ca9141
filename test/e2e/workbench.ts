// Driving the VS Code workbench that code-server serves, with playwright-core
// and Debian's Chromium: what a user does (command palette, quick open,
// Problems panel, debug toolbar) and what they see (screenshots).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';

export const RESULTS_DIR = path.resolve(__dirname, '..', '..', 'test-results');

const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchBrowser(executablePath: string, profileDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1400, height: 900 },
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
 * model"). Retries until the command is listed: extension commands appear
 * only once the extension host is up.
 */
export async function runCommand(page: Page, title: string, timeoutMs = 30_000): Promise<void> {
  const row = await findInPalette(page, title, timeoutMs);
  await row.click();
}

/** Opens the palette with `>query` and returns the row whose label is `title` (still open). */
export async function findInPalette(page: Page, title: string, timeoutMs = 30_000, query = title): Promise<Locator> {
  const deadline = Date.now() + timeoutMs;
  const input = page.locator('.quick-input-widget input.input');
  for (;;) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(`>${query}`);
    const row = page.locator('.quick-input-list .monaco-list-row').filter({ hasText: title }).first();
    try {
      await row.waitFor({ state: 'visible', timeout: 2_000 });
      return row;
    } catch (e) {
      if (Date.now() > deadline) {
        const listed = await page.locator('.quick-input-list .monaco-list-row').allInnerTexts();
        throw new Error(`command "${title}" did not appear in the palette within ${timeoutMs / 1000} s; ">${query}" lists ${JSON.stringify(listed)}`, { cause: e });
      }
      await page.keyboard.press('Escape');
      await page.waitForTimeout(500);
    }
  }
}

/** Opens a workspace file by name with Quick Open, and waits for its editor tab. */
export async function openFile(page: Page, fileName: string): Promise<void> {
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(fileName);
  const row = page.locator('.quick-input-list .monaco-list-row').filter({ hasText: fileName }).first();
  await row.waitFor({ state: 'visible', timeout: 15_000 });
  await row.click();
  await page.locator(`.tabs-container .tab.active[aria-label^="${fileName}"]`).waitFor({ state: 'visible', timeout: 15_000 });
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

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Polls `check` until it returns true or the time is up. */
export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
