// Runs the in-host test suite (dist/test/vscode/index.js, see test/vscode/)
// inside code-server's extension host: the same mechanism as
// @vscode/test-electron, offline.
//
// VS Code's web workbench takes extensionDevelopmentPath / extensionTestsPath
// from its workspace provider's `payload` (the `payload` URL query, see
// src/vs/workbench/services/environment/browser/environmentService.ts in
// microsoft/vscode); code-server's workbench reads that query too. Given as
// vscode-remote://<host>/<path> URIs they name folders on the server, so the
// server-side (Node) extension host loads the extension from this repository
// as an extension under development and, once the extensions are activated,
// calls the tests module's run(). When run() settles, the workbench stops the
// extension host and calls window.codeAutomationExit(code), which the runner
// exposes to the page (as @vscode/test-web does). The suite also writes its
// per-test results to NEURAL_DEBUGGER_TEST_RESULT (code-server's environment
// is the extension host's).
//
// `npx tsx scripts/e2e/inHost.ts` runs it on its own (exit code = result).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import type { InHostSuiteResult } from '../../test/vscode/index';
import { freePort, launchCodeServer, prepareRunFolder, type LaunchedCodeServer } from './codeServer';
import { CHROMIUM_ARGS, ensureE2eTools, REPO_ROOT } from './setup';

export const SUITE_ENTRY = path.join(REPO_ROOT, 'dist', 'test', 'vscode', 'index.js');

export interface InHostRun {
  result: InHostSuiteResult;
  /** The exit code the workbench reported (0: run() resolved), or null when only the result file came. */
  exitCode: number | null;
  seconds: { start: number; suite: number };
}

export interface InHostOptions {
  log?: (line: string) => void;
  /** Whole run, code-server start included (default 240 s). */
  timeoutMs?: number;
}

export async function runInHostSuite(options: InHostOptions = {}): Promise<InHostRun> {
  const log = options.log ?? (() => undefined);
  const timeoutMs = options.timeoutMs ?? (Number(process.env.ND_INHOST_TIMEOUT_S) * 1000 || 240_000);
  if (!fs.existsSync(SUITE_ENTRY)) throw new Error(`${SUITE_ENTRY} is missing: run \`npm run build\` first`);
  const tools = ensureE2eTools(log);
  const t0 = Date.now();

  const { runDir, dirs, workspace, env: serverEnv } = prepareRunFolder('nd-inhost-');
  const resultFile = path.join(runDir, 'result.json');
  // code-server's environment is the extension host's: the suite writes its results there.
  const env: NodeJS.ProcessEnv = { ...serverEnv, NEURAL_DEBUGGER_TEST_RESULT: resultFile };

  let server: LaunchedCodeServer | undefined;
  const consoleLines: string[] = [];
  let browser: BrowserContext | undefined;
  try {
    const port = await freePort();
    server = await launchCodeServer(tools, {
      userData: dirs.userData,
      extensions: dirs.extensions,
      configDir: dirs.home,
      port,
      env,
      // A built workbench honours the payload's extension-development keys only
      // with the smoke-test driver enabled (environmentService.ts:
      // `this.payload && (!this.isBuilt || this.enableSmokeTestDriver)`); the
      // VS Code server puts this flag into the workbench's developmentOptions.
      extraArgs: ['--vscode-option', 'enable-smoke-test-driver'],
    });
    log(`code-server up on ${server.url} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    browser = await chromium.launchPersistentContext(path.join(runDir, 'chromium-profile'), {
      executablePath: tools.chromium,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    const page = browser.pages()[0] ?? (await browser.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning' || process.env.ND_INHOST_VERBOSE) consoleLines.push(`[${m.type()}] ${m.text().slice(0, 500)}`);
    });
    let reportExit: (code: number) => void = () => undefined;
    const exited = new Promise<number>((resolve) => (reportExit = resolve));
    await page.exposeFunction('codeAutomationExit', (code: number) => reportExit(code));
    const authority = `127.0.0.1:${port}`;
    const remote = (p: string): string => `vscode-remote://${authority}${p.split(path.sep).join('/')}`;
    const payload = [
      ['extensionDevelopmentPath', remote(REPO_ROOT)],
      ['extensionTestsPath', remote(SUITE_ENTRY)],
      ...(process.env.ND_INHOST_VERBOSE ? [['logLevel', 'trace']] : []),
    ];
    const url = `${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const suiteStart = Date.now();
    await page.goto(url);
    if (process.env.ND_INHOST_VERBOSE) log(`opened ${url}\n  now at ${page.url()}`);

    // Done when the workbench reports the extension host's exit, or the result file appears.
    const deadline = t0 + timeoutMs;
    let exitCode: number | null = null;
    exited.then((code) => (exitCode = code));
    while (exitCode === null && !fs.existsSync(resultFile)) {
      if (Date.now() > deadline) {
        throw new Error(
          `the in-host suite did not finish within ${timeoutMs / 1000} s (no result file, no exit from the extension host)\n` +
            `extension host log:\n${extensionHostLog(dirs.userData)}\nworkbench console (tail):\n${consoleLines.slice(process.env.ND_INHOST_VERBOSE ? -3000 : -30).join('\n')}\ncode-server output:\n${server.log().slice(-3000)}`,
        );
      }
      await delay(200);
    }
    // The result file is written just before run() settles; give the exit a moment to follow.
    const exitDeadline = Date.now() + 10_000;
    while (exitCode === null && Date.now() < exitDeadline) await delay(100);
    const suiteSeconds = (Date.now() - suiteStart) / 1000;
    if (!fs.existsSync(resultFile)) {
      throw new Error(
        `the extension host exited with code ${exitCode} but the suite wrote no result (it did not load or crashed before running)\n` +
          `extension host log:\n${extensionHostLog(dirs.userData)}`,
      );
    }
    const result = JSON.parse(fs.readFileSync(resultFile, 'utf8')) as InHostSuiteResult;
    return { result, exitCode, seconds: { start: (suiteStart - t0) / 1000, suite: suiteSeconds } };
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    if (process.env.ND_INHOST_KEEP) log(`kept ${runDir}`);
    else fs.rmSync(runDir, { recursive: true, force: true, maxRetries: 3 });
  }
}

function extensionHostLog(userData: string): string {
  const logs = path.join(userData, 'logs');
  if (!fs.existsSync(logs)) return '(no logs)';
  return fs
    .readdirSync(logs, { recursive: true, encoding: 'utf8' })
    .filter((f) => /^(exthost|remoteexthost)\.log$/.test(path.basename(f)))
    .map((f) => `${f}:\n${fs.readFileSync(path.join(logs, f), 'utf8').slice(-4000)}`)
    .join('\n');
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Prints one line per in-host test and the totals. */
export function formatResult(run: InHostRun): string {
  const { result } = run;
  const lines = result.tests.map(
    (t) =>
      `  ${t.state === 'passed' ? 'ok  ' : t.state === 'pending' ? 'skip' : 'FAIL'} ${t.fullTitle} (${t.durationMs} ms)${t.error ? `\n${t.error.replace(/^/gm, '        ')}` : ''}`,
  );
  lines.push(
    `${result.passes} passing, ${result.failures} failing, ${result.pending} pending in ${result.host.appName} ${result.host.vscodeVersion} (${result.host.uiKind}, remote ${result.host.remoteName}, ${result.host.node}); extension host exit code ${run.exitCode}; start ${run.seconds.start.toFixed(1)} s, suite ${run.seconds.suite.toFixed(1)} s`,
  );
  return lines.join('\n');
}

if (require.main === module) {
  runInHostSuite({ log: (l) => console.log(l) }).then(
    (run) => {
      console.log(formatResult(run));
      process.exit(run.result.failures === 0 && run.result.passes > 0 && run.exitCode !== 1 ? 0 : 1);
    },
    (e: Error) => {
      console.error(`in-host suite in code-server: ${e.message}`);
      process.exit(1);
    },
  );
}
