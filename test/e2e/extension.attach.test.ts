// Scenario (7) of the end-to-end suite (issue #15): a run started in a
// terminal with a debugger endpoint, attached to from the Run and Debug view.
//
// The CLI is started in the workbench's integrated terminal, as a user would
// (the terminal's shell runs on the code-server side, where the workspace and
// the extension host are). Its output is also copied with `tee` into a file
// in the workspace, because xterm draws the terminal on a canvas that the test
// cannot read: that file is where the test reads the printed port and token.
//
// Skipped, with the reason, while the CLI has no `--listen` (checked in its
// --help) or the adapter has no attach request.

import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { processesMatching } from '../../scripts/e2e/codeServer';
import { REPO_ROOT } from '../../scripts/e2e/setup';
import { describeInCodeServer, lastTraceRecord, SPECS } from './fixture';
import { debugToolbarButton, logTime, openFile, runCommand, screenshot, trainingView, waitUntil } from './workbench';

const CLI = path.join(REPO_ROOT, 'bin', 'neural-debugger.js');
const CONFIG_NAME = 'Attach to spiral-mlp (e2e)';

/** Why this scenario cannot run on this checkout, or null when it can. */
function whyAttachCannotRun(): string | null {
  // The --help asked is the built CLI's: build it when it is missing or older than its sources.
  const bundle = path.join(REPO_ROOT, 'dist', 'cli.js');
  const sources = ['cli', 'client'].flatMap((dir) =>
    fs.readdirSync(path.join(REPO_ROOT, 'src', dir), { recursive: true, encoding: 'utf8' }).map((f) => path.join(REPO_ROOT, 'src', dir, f)),
  );
  if (!fs.existsSync(bundle) || sources.some((f) => fs.statSync(f).mtimeMs > fs.statSync(bundle).mtimeMs)) {
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build.mjs')], { stdio: 'ignore' });
  }
  const help = execFileSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
  if (!help.includes('--listen')) return '`neural-debugger --help` lists no --listen: the CLI has no debugger endpoint on this checkout';
  const session = fs.readFileSync(path.join(REPO_ROOT, 'src', 'debug', 'session.ts'), 'utf8');
  if (!/\battachRequest\s*\(/.test(session)) return 'src/debug/session.ts has no attachRequest: the adapter cannot attach on this checkout';
  return null;
}

/** What the CLI printed about its endpoint (stderr, before training). */
interface Endpoint {
  address: string;
  port: number;
  token: string;
}

function endpointOf(output: string): Endpoint | null {
  const m = /debugger endpoint on (\[[^\]]+\]|[^\s:]+):(\d+) \(token ([0-9A-Za-z]+)\)/.exec(output);
  return m ? { address: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]), token: m[3] } : null;
}

/** Types a command line into the active integrated terminal (opened first). */
async function typeInNewTerminal(page: Page, commandLine: string): Promise<void> {
  await runCommand(page, 'Terminal: Create New Terminal');
  const input = page.locator('.terminal-wrapper.active .xterm-helper-textarea, .xterm-helper-textarea').first();
  await input.waitFor({ state: 'attached', timeout: 30_000 });
  await waitUntil(() => input.evaluate((el) => el === document.activeElement), 15_000, 'the terminal to take the focus');
  await page.keyboard.type(commandLine);
  await page.keyboard.press('Enter');
}

/**
 * Selects `name` in the Run and Debug view's configuration dropdown (VS Code
 * 1.139 draws it as a label that opens a menu; with one configuration in
 * launch.json it is selected as soon as VS Code has read the file).
 */
async function selectLaunchConfiguration(page: Page, name: string): Promise<void> {
  await runCommand(page, 'View: Show Run and Debug');
  const label = page.locator('.start-debug-action-item-dropdown-label').first();
  const selected = () => label.getAttribute('title', { timeout: 2_000 }).catch(() => null);
  await waitUntil(
    async () => {
      if ((await selected()) === name) return true;
      // Another configuration is selected: pick ours from the dropdown's menu, when listed.
      await label.click({ timeout: 2_000 }).catch(() => undefined);
      const item = page.locator('.monaco-menu .action-label, .context-view .action-label').filter({ hasText: name }).first();
      if (await item.isVisible().catch(() => false)) await item.click({ timeout: 2_000 }).catch(() => undefined);
      else await page.keyboard.press('Escape');
      return (await selected()) === name;
    },
    30_000,
    `"${name}" selected in the Run and Debug view (selected: ${JSON.stringify(await selected())})`,
  );
}

const TITLE = 'e2e: attach to a run started in a terminal';
const SCENARIO = '(7) train --listen --wait in the terminal; attach from Run and Debug: graph, paused, Step Into, Disconnect; the run finishes by itself';
const cannotRun = whyAttachCannotRun();

if (cannotRun) {
  // Checked before the shared workbench is acquired: nothing is started for a scenario that cannot run.
  describe(TITLE, () => {
    it(SCENARIO, function () {
      console.log(`      skipped: ${cannotRun}`);
      this.skip();
    });
  });
} else
  describeInCodeServer(TITLE, (workbench) => {
    it(SCENARIO, async function () {
      this.timeout(240_000);
      const started = Date.now();
      const { page, server, trainerScript } = workbench();
      const runLog = path.join(server.workspace, 'attach-run.log');
      const trace = path.join(server.workspace, 'attach-run.jsonl');
      const spec = JSON.parse(fs.readFileSync(path.join(server.workspace, SPECS.short), 'utf8')) as { model: { layers: unknown[] } };
      // The CLI run, found by its trace path (unique to this run): what must be gone at the end.
      const cliProcesses = () => processesMatching(`--trace ${trace}`);
      const runnerTrainer = path.join(REPO_ROOT, 'dist', 'trainer.js');

      try {
        // sh -c: the exit status is printed whatever the terminal's shell is.
        // The node that runs this test (the workbench's terminal has code-server's Node first on PATH).
        const run = `'${process.execPath}' '${CLI}' train ${SPECS.short} --listen 127.0.0.1:0 --wait --trace ${trace}`;
        await typeInNewTerminal(page, `cd '${server.workspace}' && sh -c "${run}; echo neural-debugger exited with \\$?" 2>&1 | tee '${runLog}'`);
        let endpoint: Endpoint | null = null;
        await waitUntil(
          () => fs.existsSync(runLog) && (endpoint = endpointOf(fs.readFileSync(runLog, 'utf8'))) !== null,
          60_000,
          `the CLI to print its endpoint in ${runLog}`,
        ).catch((e: Error) => assert.fail(`${e.message}; it printed: ${fs.existsSync(runLog) ? fs.readFileSync(runLog, 'utf8') : '(nothing)'}`));
        assert.ok(endpoint);
        const printed = endpoint as Endpoint;
        assert.equal(printed.address, '127.0.0.1');
        assert.ok(printed.port > 0 && printed.port <= 65535, `port ${printed.port}`);
        await waitUntil(() => /waiting for a debugger to attach/.test(fs.readFileSync(runLog, 'utf8')), 60_000, 'the CLI to wait for a debugger');
        logTime('terminal → the CLI waits for a debugger', started);

        // The entry the CLI prints, as a user pastes it (name changed to be told apart).
        fs.mkdirSync(path.join(server.workspace, '.vscode'), { recursive: true });
        const configuration = { type: 'neural', request: 'attach', name: CONFIG_NAME, address: printed.address, port: printed.port, token: printed.token };
        fs.writeFileSync(path.join(server.workspace, '.vscode', 'launch.json'), JSON.stringify({ version: '0.2.0', configurations: [configuration] }, null, 2));

        // The spec in the first editor group (a pause shows its line there), the training view beside it,
        // opened first so that it is listening when the session starts.
        await openFile(page, SPECS.short);
        await runCommand(page, 'Neural Debugger: Show training view');
        await (await trainingView(page)).locator('#run-status').waitFor({ state: 'visible', timeout: 30_000 });
        await openFile(page, SPECS.short);
        await selectLaunchConfiguration(page, CONFIG_NAME);
        const attachPressed = Date.now();
        await page.keyboard.press('F5');

        // Attached: the toolbar shows a paused session, the view the run's graph and its paused step.
        await debugToolbarButton(page, 'debug-step-into').waitFor({ state: 'visible', timeout: 60_000 });
        let status = '';
        let nodes = 0;
        await waitUntil(
          async () => {
            const view = await trainingView(page, 5_000).catch(() => undefined);
            if (!view) return false;
            status = await view
              .locator('#run-status')
              .innerText()
              .catch(() => '');
            nodes = await view
              .locator('#network-panel g.layer-node')
              .count()
              .catch(() => 0);
            return /paused/.test(status) && nodes > 0;
          },
          60_000,
          'the training view to show the attached run paused',
        ).catch((e: Error) => assert.fail(`${e.message} (status "${status}", ${nodes} nodes)`));
        const attachSeconds = (Date.now() - attachPressed) / 1000;
        console.log(`      ⏱ attach → first drawn step: ${attachSeconds.toFixed(1)} s`);
        // One node per layer: the spec's layers and the input the view adds.
        assert.equal(nodes, spec.model.layers.length + 1, 'one node per layer');
        assert.match(status, /at step 0\b/, 'paused before step 1 (--wait)');
        assert.equal(processesMatching(trainerScript).length, 0, 'attaching started a trainer of its own');
        await screenshot(page, 'e2e-7-attached-paused');

        await debugToolbarButton(page, 'debug-step-into').click();
        await waitUntil(
          async () => /paused .*at step 1\b/.test((status = await (await trainingView(page)).locator('#run-status').innerText())),
          30_000,
          'Step Into to pause at step 1',
        ).catch((e: Error) => assert.fail(`${e.message} (status "${status}")`));

        // Disconnect (not Stop): the run goes on without the debugger and ends by itself.
        await debugToolbarButton(page, 'debug-disconnect').click();
        await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 });
        await waitUntil(() => /neural-debugger exited with \d+/.test(fs.readFileSync(runLog, 'utf8')), 120_000, 'the CLI run to finish after the detach');
        const output = fs.readFileSync(runLog, 'utf8');
        assert.match(output, /neural-debugger exited with 0\b/, `the CLI run did not exit 0:\n${output}`);
        const end = lastTraceRecord(trace);
        assert.deepEqual({ type: end.type, reason: end.reason }, { type: 'finished', reason: 'completed' });
        // The endpoint's note, as a warning in the run's record ("detached", or "disconnected while training was paused").
        const note = /the debugger at [^"]* (?:detached|disconnected[^"]*); training continues/.exec(fs.readFileSync(trace, 'utf8'));
        assert.ok(note, 'the trace does not record that the debugger left and training continued');
        console.log(`      trace: ${note[0]}`);
        await waitUntil(() => cliProcesses().length === 0 && processesMatching(runnerTrainer).length === 0, 15_000, 'the CLI and its trainer to end');
        logTime('scenario (7)', started);
      } finally {
        // A failed run would wait for a debugger for ever: end it (only the processes this test started).
        for (const { pid } of cliProcesses()) {
          try {
            process.kill(pid, 'SIGTERM');
          } catch {
            // already gone
          }
        }
        await runCommand(page, 'Terminal: Kill the Active Terminal Instance', 10_000).catch(() => undefined);
        fs.rmSync(path.join(server.workspace, '.vscode', 'launch.json'), { force: true });
      }
    });
  });
