// A PyTorch script in the workbench (docs/pytorch.md): Train model on the
// shipped examples/pytorch/cifar10_cnn.py (synthetic data: no --data given),
// the training view draws its conv layers, pause, Step Into one optimizer
// step, stop, and neither the Python host nor the Python process is left.
// The interpreter with torch comes from ensureTorchPython() (installed with
// apt-get where missing, or a failure that says why), through the
// neuralDebugger.python setting of the workspace.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { processesMatching } from '../../scripts/e2e/codeServer';
import { ensureTorchPython } from '../../scripts/python/torchPython';
import { describeInCodeServer, lastTraceRecord, tracesOf } from './fixture';
import { debugToolbarButton, logTime, openFile, runCommand, screenshot, trainingView, waitForStatus, waitUntil } from './workbench';

const SCRIPT = 'cifar10_cnn.py';
/** `epoch 1/? · batch 12/157 · loss 2.301 · pytorch · paused` → [epoch, batch]. */
const PAUSED = /epoch (\d+)\/\S+ · batch (\d+)\/\d+ · loss \S+ · pytorch · paused/;

describeInCodeServer('e2e: a PyTorch script', (workbench) => {
  it('(pytorch) Train model on cifar10_cnn.py: the conv layers in the training view, pause, Step Into, stop, no process left', async function () {
    this.timeout(300_000);
    const started = Date.now();
    const { page, server } = workbench();
    const script = path.join(server.workspace, 'pytorch', SCRIPT);
    assert.ok(fs.existsSync(script), `the e2e workspace has no pytorch/${SCRIPT} (it is a copy of examples/)`);
    const { python } = ensureTorchPython((line) => console.log(`      ${line}`));
    const settingsFile = path.join(server.workspace, '.vscode', 'settings.json');
    fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
    const settingsBefore = fs.existsSync(settingsFile) ? fs.readFileSync(settingsFile, 'utf8') : undefined;
    fs.writeFileSync(settingsFile, JSON.stringify({ 'neuralDebugger.python': python }, null, 2));
    // The host and the Python process of this run: the installed extension's host, the workspace copy's script.
    const host = path.join(server.installedExtension, 'dist', 'pythonHost.js');
    const ours = () => [...processesMatching(host), ...processesMatching(script)];
    try {
      await openFile(page, SCRIPT);
      await runCommand(page, 'Neural Debugger: Show training view');
      await openFile(page, SCRIPT);
      await runCommand(page, 'Neural Debugger: Train model');
      await waitForStatus(page, /epoch \d+\/\S+ · batch \d+\/\d+ · loss \S+ · pytorch · running/, 120_000);
      logTime('Train model → the script runs under the probe', started);

      // The graph: the CNN's modules from the first forward pass, conv layers included.
      const view = await trainingView(page);
      const nodes = view.locator('#network-panel g.layer-node');
      let drawn: string[] = [];
      await waitUntil(
        async () => (drawn = await nodes.evaluateAll((gs) => gs.map((g) => g.getAttribute('data-layer') ?? ''))).includes('conv2'),
        30_000,
        'the conv layers in the training view',
      ).catch((e: Error) => assert.fail(`${e.message} (drawn: ${drawn.join(', ')})`));
      for (const name of ['conv1', 'pool', 'conv2', 'fc1', 'fc2']) assert.ok(drawn.includes(name), `layer ${name} is not in the graph (${drawn.join(', ')})`);

      await debugToolbarButton(page, 'debug-pause').click();
      const paused = await waitForStatus(page, PAUSED, 60_000);
      const [, epoch, batch] = PAUSED.exec(paused)!.map(Number);
      await screenshot(page, 'e2e-pytorch-paused');

      // Step Into: exactly one more optimizer step.
      await debugToolbarButton(page, 'debug-step-into').click();
      await waitForStatus(page, new RegExp(`epoch ${epoch}/\\S+ · batch ${batch + 1}/\\d+ · loss \\S+ · pytorch · paused`), 60_000);
      await screenshot(page, 'e2e-pytorch-step-into');
      logTime(`paused at epoch ${epoch} batch ${batch}, Step Into → batch ${batch + 1}`, started);

      await debugToolbarButton(page, 'debug-stop').click();
      await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 });
      await waitUntil(() => ours().length === 0, 15_000, 'the Python host and the Python process to end').catch((e: Error) =>
        assert.fail(
          `${e.message}: ${ours()
            .map((p) => p.cmdline)
            .join('; ')}`,
        ),
      );
      const trace = tracesOf(server.workspace, SCRIPT).pop();
      assert.ok(trace, 'the run left no trace');
      assert.deepEqual(lastTraceRecord(trace).reason, 'stopped');
    } finally {
      if (settingsBefore === undefined) fs.rmSync(settingsFile, { force: true });
      else fs.writeFileSync(settingsFile, settingsBefore);
    }
    logTime('scenario (pytorch)', started);
  });
});
