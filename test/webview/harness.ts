// Drives the built webview (dist/webview.js + dist/webview.css) in headless
// Debian Chromium through playwright-core, with a stub `acquireVsCodeApi`
// that records what the webview posts. Streams come from real training runs.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { TrainerEvent } from '../../src/shared/protocol';
import type { HostToWebviewMessage, WebviewToHostMessage } from '../../src/shared/webviewProtocol';
import { parseTrace } from '../../src/shared/trace/parse';
import { eventOfRecord } from '../../src/shared/trace/format';
import { CHROMIUM_ARGS } from '../../scripts/e2e/setup';

export const ROOT = path.resolve(__dirname, '..', '..');
export const DIST = path.join(ROOT, 'dist');
export const RESULTS = path.join(ROOT, 'test-results');
export const CHROMIUM = '/usr/bin/chromium';

/** Builds the bundles when the webview bundle is missing or older than its sources. */
export function ensureBuilt(): void {
  const bundle = path.join(DIST, 'webview.js');
  const newest = newestMtime(path.join(ROOT, 'webview-ui'));
  if (!fs.existsSync(bundle) || fs.statSync(bundle).mtimeMs < newest || !fs.existsSync(path.join(DIST, 'cli.js'))) {
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  }
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

const traceCache = new Map<string, string>();

/** Trains `examples/<name>.nn.json` for `steps` steps with the real CLI; returns the trace path. */
export function recordTrace(name: string, steps: number): string {
  const key = `${name}:${steps}`;
  const cached = traceCache.get(key);
  if (cached) return cached;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nd-webview-'));
  const trace = path.join(dir, `${name}.jsonl`);
  execFileSync(
    process.execPath,
    [path.join(ROOT, 'bin', 'neural-debugger.js'), 'train', path.join(ROOT, 'examples', `${name}.nn.json`), '--trace', trace, '--steps', String(steps)],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], timeout: 240_000 },
  );
  traceCache.set(key, trace);
  return trace;
}

/** The trace's records as the trainer events a debug session streamed (each record is one, plus its time). */
export function traceEvents(tracePath: string): TrainerEvent[] {
  return parseTrace(fs.readFileSync(tracePath, 'utf8'), tracePath).records.map(eventOfRecord);
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

export type Theme = 'dark' | 'light';

/**
 * A page with the webview as VS Code would load it, minus VS Code: the stub
 * API records posted messages in `window.__posted`; the standalone theme
 * class supplies the colours VS Code's theme would.
 */
export async function openWebview(
  browser: Browser,
  options: { view: 'training' | 'inspector'; theme?: Theme; width?: number; height?: number; state?: unknown; headScript?: string },
): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: options.width ?? 1400, height: options.height ?? 1000 } });
  const logs: string[] = [];
  page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
  (page as Page & { logs?: string[] }).logs = logs;
  const html = `<!DOCTYPE html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="${pathToUrl(path.join(DIST, 'webview.css'))}">
<script>
window.__posted = [];
window.__state = ${JSON.stringify(options.state ?? null)};
window.acquireVsCodeApi = () => ({
  postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
  getState: () => window.__state,
  setState: (s) => { window.__state = s; },
});
${options.headScript ?? ''}
</script></head>
<body class="nd-standalone vscode-${options.theme ?? 'dark'}" data-view="${options.view}"><div id="app"></div>
<script src="${pathToUrl(path.join(DIST, 'webview.js'))}"></script></body></html>`;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nd-page-')), 'index.html');
  fs.writeFileSync(file, html);
  await page.goto(pathToUrl(file));
  return page;
}

export function pageLogs(page: Page): string[] {
  return (page as Page & { logs?: string[] }).logs ?? [];
}

function pathToUrl(p: string): string {
  return `file://${p}`;
}

/** Sends a host message as VS Code does (a window `message` event). */
export async function send(page: Page, message: HostToWebviewMessage | Record<string, unknown>): Promise<void> {
  await page.evaluate((m) => window.postMessage(m, '*'), message as unknown as Record<string, unknown>);
}

/** Waits for the next two animation frames (the webview renders once per frame). */
export async function settle(page: Page): Promise<void> {
  await page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
}

export async function posted(page: Page): Promise<WebviewToHostMessage[]> {
  return page.evaluate(() => (window as unknown as { __posted: WebviewToHostMessage[] }).__posted);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(RESULTS, { recursive: true });
  const file = path.join(RESULTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
