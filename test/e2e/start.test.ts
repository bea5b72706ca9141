// `npm start` on a machine without VS Code's `code` command: it builds,
// packages and installs the VSIX, serves VS Code (code-server) on 127.0.0.1,
// prints the URL; the workbench there has the extension's commands; Ctrl+C
// (SIGINT to its process group, as a terminal sends it) stops everything.

import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EXTENSION_FOLDER, freePort, processesMatching } from '../../scripts/e2e/codeServer';
import { E2eUnavailable, ensureE2eTools, REPO_ROOT, type E2eTools } from '../../scripts/e2e/setup';
import { findInPalette, launchBrowser, logTime, screenshot, waitUntil } from './workbench';

/** Pids of the live processes in process group `pgid` (field 5 of /proc/<pid>/stat). */
function processGroup(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z' && Number(fields[2]) === pgid) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

describe('e2e: npm start', function () {
  let tools: E2eTools;
  let stateDir: string;
  let start: ChildProcess | undefined;
  let output = '';

  before(function () {
    this.timeout(20 * 60_000);
    try {
      tools = ensureE2eTools((line) => console.log(`      ${line}`));
    } catch (e) {
      if (!(e instanceof E2eUnavailable)) throw e;
      console.log(`      npm start test skipped: ${e.message.split('\n')[0]}`);
      this.skip();
    }
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nd-start-'));
  });

  after(async function () {
    this.timeout(30_000);
    if (start?.pid !== undefined && processGroup(start.pid).length > 0) {
      process.kill(-start.pid, 'SIGKILL');
      for (const { pid } of processesMatching(stateDir)) process.kill(pid, 'SIGKILL');
    }
    if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true, maxRetries: 3 });
  });

  it('serves VS Code with the extension on examples/, prints the URL, and stops on Ctrl+C leaving no process', async function () {
    this.timeout(300_000);
    const started = Date.now();
    const port = await freePort();
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
    // Its own process group, like a command in a terminal.
    start = spawn('npm', ['start', '--', '--code-server', '--port', String(port), '--state-dir', stateDir], {
      cwd: REPO_ROOT,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    start.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    start.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<string>((resolve) => start!.once('exit', (code, signal) => resolve(signal ?? `exit code ${code}`)));

    const printed = /(http:\/\/127\.0\.0\.1:(\d+)\/\?folder=(\S+))/;
    await waitUntil(() => printed.test(output) || start!.exitCode !== null, 240_000, `npm start to print the URL; output so far:\n${output}`);
    const match = printed.exec(output);
    assert.ok(match, `npm start ended without a URL:\n${output}`);
    assert.equal(Number(match[2]), port);
    assert.equal(decodeURI(match[3]), path.join(REPO_ROOT, 'examples'));
    assert.ok(fs.existsSync(path.join(stateDir, 'extensions', EXTENSION_FOLDER, 'dist', 'extension.js')), 'the VSIX is not installed in the state dir');
    logTime('npm start → URL printed', started);

    const browser = await launchBrowser(tools.chromium, path.join(stateDir, 'chromium-profile'));
    try {
      const page = browser.pages()[0] ?? (await browser.newPage());
      await page.goto(match[1]);
      await page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: 60_000 });
      await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'spiral-mlp.nn.json' }).first().waitFor({ state: 'visible', timeout: 30_000 });
      await findInPalette(page, 'Neural Debugger: Train model', 60_000, 'Train model');
      await screenshot(page, 'e2e-npm-start');
      await page.keyboard.press('Escape');
    } finally {
      await browser.close();
    }
    logTime('npm start → workbench with "Train model"', started);

    const serverPids = processesMatching(`--user-data-dir ${path.join(stateDir, 'user-data')}`).map((p) => p.pid);
    assert.ok(serverPids.length > 0, 'no code-server process found');
    const groups = [start.pid!, ...serverPids];
    const before = groups.flatMap((g) => processGroup(g));
    process.kill(-start.pid!, 'SIGINT');
    const ending = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('still running after 30 s'), 30_000).unref())]);
    // npm passes the interrupt on and ends by it (as in a terminal); start.mjs and serve.ts exit 0.
    assert.ok(ending === 'exit code 0' || ending === 'SIGINT', `npm start did not end on Ctrl+C (${ending}):\n${output.slice(-2000)}`);
    assert.match(output, /npm start: stopped/);
    await waitUntil(() => groups.every((g) => processGroup(g).length === 0), 10_000, 'the processes of npm start to end');
    assert.deepEqual(processesMatching(stateDir), []);
    console.log(`      ${before.length} processes before Ctrl+C, none after`);
    logTime('npm start → stopped', started);
  });
});
