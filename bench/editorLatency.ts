// How responsive the editor stays while a run trains, by kernel thread count
// (issue 17: a run started from VS Code defaults to every core but one; this
// measures what that leaves the workbench). code-server serves VS Code with
// the packaged extension to headless Chromium, as in the end-to-end tests; a
// CNN (the benchmark's conv32-pool-conv64-pool-128-10, batch 64) trains from
// "Train model" with neuralDebugger.threads = 1 … cores, and meanwhile keys are
// typed into a text editor. Per key: the time from the keydown to the second
// animation frame after it (the frame that shows the character has been
// painted), measured in the page. Also the run's steps/s, from its trace.
//
// Usage: npx tsx bench/editorLatency.ts [--keys 60] [--threads 1,2]
// (or `node dist/bench.js --only editor-latency`). Prints a Markdown table.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { startCodeServer } from '../scripts/e2e/codeServer';
import { CACHE_DIR, ensureE2eTools } from '../scripts/e2e/setup';
import { packageExtension } from '../scripts/e2e/vsix';
import { benchSpec } from './models';
import { percentile } from './report';
import { debugToolbarButton, launchBrowser, openFile, openWorkbench, runCommand, waitForStatus, waitUntil } from '../test/e2e/workbench';

const argv = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
};
const KEYS = Number(option('--keys', '60'));
const THREADS = option('--threads', `1,${os.cpus().length}`).split(',').map(Number);
if (!Number.isInteger(KEYS) || KEYS < 1 || KEYS > 600 || !THREADS.every((n) => Number.isInteger(n) && n >= 1)) {
  // Past ~600 keys (30 lines) the typed lines leave the editor's view, where the check that they landed cannot see them.
  console.error('usage: npx tsx bench/editorLatency.ts [--keys 1..600] [--threads N,M,…] (whole numbers ≥ 1)');
  process.exit(2);
}
/** Between keys: a steady typist, and time for a late frame to show. */
const KEY_GAP_MS = 150;
const SPEC = 'latency-cnn.nn.json';
const TEXT = 'notes.txt';

/** The benchmark CNN, on 32×32×3 blobs, long enough to train through every phase. */
const CNN_SPEC = {
  ...benchSpec('cnn'),
  name: 'latency-cnn',
  data: { source: 'synthetic', dataset: 'blobs', samples: 4096, features: 3072, classes: 10, validationSplit: 0, inputShape: [32, 32, 3] },
  training: { epochs: 1000, batchSize: 64, optimizer: { type: 'adam', learningRate: 0.001 }, loss: 'categoricalCrossentropy', metrics: ['accuracy'], seed: 3 },
};

/** Installed in the workbench page: per keydown, the time to the second animation frame after it. */
const LATENCY_PROBE = `
window.__keyLatencies = [];
document.addEventListener('keydown', () => {
  const t0 = performance.now();
  requestAnimationFrame(() => requestAnimationFrame(() => window.__keyLatencies.push(performance.now() - t0)));
}, true);
`;

interface Phase {
  label: string;
  latencies: number[];
  stepsPerSecond?: number;
}

async function typeKeys(page: Page): Promise<number[]> {
  await openFile(page, TEXT); // quick open leaves the focus in its editor
  const editor = page.locator('.monaco-editor.focused .view-lines');
  await editor.waitFor({ state: 'visible', timeout: 10_000 });
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Delete');
  await new Promise((r) => setTimeout(r, 200)); // their frames, before the count starts
  await page.evaluate('window.__keyLatencies = []');
  for (let i = 0; i < KEYS; i++) {
    await page.keyboard.press(i % 20 === 19 ? 'Enter' : 'x');
    await new Promise((r) => setTimeout(r, KEY_GAP_MS));
  }
  await new Promise((r) => setTimeout(r, 500));
  const typed = (await editor.innerText()).split('x').length - 1;
  const expected = KEYS - Math.floor(KEYS / 20);
  if (typed !== expected) throw new Error(`the editor shows ${typed} of the ${expected} x typed: the keys went elsewhere`);
  return page.evaluate('window.__keyLatencies.slice()') as Promise<number[]>;
}

/** Step records in the run's traces so far (one per step). */
function stepsTraced(workspace: string): number {
  const dir = path.join(workspace, '.neural-debugger', 'runs');
  if (!fs.existsSync(dir)) return 0;
  let steps = 0;
  for (const f of fs.readdirSync(dir).filter((n) => n.startsWith('latency-cnn-') && n.endsWith('.jsonl'))) {
    steps += (fs.readFileSync(path.join(dir, f), 'utf8').match(/"type":"step"/g) ?? []).length;
  }
  return steps;
}

async function whileTraining(page: Page, workspace: string, threads: number): Promise<Phase> {
  fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
  fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'neuralDebugger.threads': threads }));
  await openFile(page, SPEC);
  await runCommand(page, 'Neural Debugger: Train model');
  await waitForStatus(page, /epoch \d+\/1000 · .* · running/, 120_000);
  await new Promise((r) => setTimeout(r, 3000)); // past the start-up
  const [steps0, t0] = [stepsTraced(workspace), Date.now()];
  const latencies = await typeKeys(page);
  const stepsPerSecond = ((stepsTraced(workspace) - steps0) * 1000) / (Date.now() - t0);
  await debugToolbarButton(page, 'debug-stop').click();
  await waitUntil(async () => !(await page.locator('.debug-toolbar').isVisible()), 30_000, 'the run to stop');
  return { label: `training, ${threads} kernel thread${threads > 1 ? 's' : ''}`, latencies, stepsPerSecond };
}

async function main(): Promise<void> {
  const tools = ensureE2eTools((line) => console.log(line));
  const vsix = packageExtension(path.join(CACHE_DIR, 'neural-debugger.vsix'));
  const server = await startCodeServer(tools, vsix, {
    prepare: (workspace) => {
      fs.writeFileSync(path.join(workspace, SPEC), JSON.stringify(CNN_SPEC, null, 2));
      fs.writeFileSync(path.join(workspace, TEXT), '');
    },
  });
  const browser = await launchBrowser(tools.chromium, path.join(server.runDir, 'chromium-profile'));
  const phases: Phase[] = [];
  try {
    const page = await openWorkbench(browser, server.url, server.workspace);
    await page.evaluate(LATENCY_PROBE);
    phases.push({ label: 'idle (no run)', latencies: await typeKeys(page) });
    // Each thread count twice, in opposite orders, against drift of the machine.
    for (const threads of [...new Set(THREADS), ...[...new Set(THREADS)].reverse()]) phases.push(await whileTraining(page, server.workspace, threads));
  } finally {
    await browser.close().catch(() => undefined);
    await server.stop();
  }
  const rows = [
    `Editor key-to-frame latency while training (${KEYS} keys per phase, ${KEY_GAP_MS} ms apart; ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)} at the end)`,
    '',
    '| phase | keys seen | p50 ms | p95 ms | max ms | run steps/s |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const p of phases) {
    const sorted = [...p.latencies].sort((a, b) => a - b);
    const ms = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(0));
    const rate = p.stepsPerSecond === undefined ? '–' : p.stepsPerSecond.toFixed(1);
    rows.push(`| ${p.label} | ${sorted.length} | ${ms(percentile(sorted, 50))} | ${ms(percentile(sorted, 95))} | ${ms(sorted[sorted.length - 1])} | ${rate} |`);
  }
  console.log(rows.join('\n'));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
