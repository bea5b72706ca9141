// `neural-debugger report`: one self-contained HTML file of a real run's
// trace, opened in headless Chromium with the network blocked.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { recordKilledInTrace } from '../../src/client/trainerProcess';
import { parseTrace } from '../../src/shared/trace/parse';
import { CHROMIUM, ROOT, ensureBuilt, launchBrowser, recordTrace, screenshot, settle } from './harness';

const BIN = path.join(ROOT, 'bin', 'neural-debugger.js');

function report(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, 'report', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('neural-debugger report (standalone HTML)', function () {
  let browser: Browser;
  let dir: string;
  let trace: string;

  before(async function () {
    ensureBuilt();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nd-report-'));
    trace = recordTrace('deep-sigmoid', 200);
    if (fs.existsSync(CHROMIUM)) browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  /** Opens a report with every request except the file itself refused. */
  async function open(file: string, colorScheme: 'dark' | 'light' = 'dark'): Promise<{ page: Page; requests: string[]; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.emulateMedia({ colorScheme });
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    await page.route('**/*', (route) => {
      requests.push(route.request().url());
      return route.request().url() === `file://${file}` ? route.continue() : route.abort();
    });
    await page.goto(`file://${file}`);
    return { page, requests, errors };
  }

  it('writes one self-contained file: no external script, style or link', () => {
    const out = path.join(dir, 'report.html');
    const r = report([trace, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /wrote .*report\.html: deep-sigmoid, 200 steps/);
    const html = fs.readFileSync(out, 'utf8');
    assert.ok(!/<script[^>]*\ssrc=/i.test(html), 'no external script');
    assert.ok(!/<link[^>]*stylesheet/i.test(html), 'no external stylesheet');
    assert.ok(!/https?:\/\/(?!www\.w3\.org)/.test(html.replace(/<script nonce[^>]*>[\s\S]*?<\/script>/g, '')), 'no URL outside the bundle');
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  });

  for (const colorScheme of ['dark', 'light'] as const) {
    it(`shows the same views over the recorded run (${colorScheme})`, async function () {
      if (!browser) this.skip();
      const out = path.join(dir, 'report.html');
      if (!fs.existsSync(out)) assert.equal(report([trace, '--out', out]).code, 0);
      const { page, requests, errors } = await open(out, colorScheme);
      await page.waitForSelector('g.layer-node');
      await settle(page);
      assert.equal(await page.locator('g.layer-node').count(), 14);
      assert.equal(await page.locator('#gradient-norms path.grad-line').count(), 13);
      assert.equal(await page.locator('#warnings [data-kind="vanishing-gradient"]').count(), 1);
      for (const early of ['dense_1', 'dense_2', 'dense_3']) {
        assert.equal(await page.getAttribute(`g.layer-node[data-layer="${early}"]`, 'data-health'), 'vanishing');
      }
      assert.equal(await page.locator('#timeline button.control').count(), 0, 'no controls without a session');
      assert.match((await page.textContent('#run-status')) ?? '', /finished after 200 steps/);
      assert.ok(await page.evaluate((scheme) => document.body.classList.contains(`vscode-${scheme}`), colorScheme));
      await page.$eval('#timeline-range', (input) => {
        (input as HTMLInputElement).value = '20';
        input.dispatchEvent(new Event('input', { bubbles: true }));
      });
      await settle(page);
      assert.match((await page.textContent('#current-step')) ?? '', /^step 20 of 200/);
      assert.equal(await page.locator('#warnings [data-kind="vanishing-gradient"]').count(), 0, 'opened at step 31');
      await page.click('#follow-live');
      await settle(page);
      assert.deepEqual(requests, [`file://${out}`], 'nothing but the file itself was requested');
      assert.deepEqual(errors, []);
      await screenshot(page, `report-deep-sigmoid-${colorScheme}`);
      await page.close();
    });
  }

  it('renders a truncated trace (a killed run) with a note', async function () {
    const text = fs.readFileSync(trace, 'utf8');
    const cut = text.slice(0, text.indexOf('"type":"step","time"', text.length / 2) + 30);
    const truncated = path.join(dir, 'killed.jsonl');
    fs.writeFileSync(truncated, cut);
    const out = path.join(dir, 'killed.html');
    const r = report([truncated, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /the trace is truncated/);
    if (!browser) this.skip();
    const { page, errors } = await open(out);
    await page.waitForSelector('g.layer-node');
    await settle(page);
    assert.match((await page.textContent('#notes')) ?? '', /ends in the middle of a record/);
    const steps = Number(await page.getAttribute('#timeline', 'data-step'));
    assert.ok(steps > 50 && steps < 200, `rendered up to step ${steps}`);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('renders version 1 traces (from before the wire protocol), ending and pause included', async function () {
    const fixtures = path.join(ROOT, 'test', 'fixtures', 'traces');
    for (const [name, steps, warnings] of [
      ['v1-spiral-mlp', 40, 0],
      ['v1-deep-sigmoid', 31, 1],
    ] as const) {
      const out = path.join(dir, `${name}.html`);
      const r = report([path.join(fixtures, `${name}.jsonl`), '--out', out]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`wrote .*${name}\\.html: .*, ${steps} steps, .*; the run was stopped$`, 'm'));
      if (!browser) continue;
      const { page, errors } = await open(out);
      await page.waitForSelector('g.layer-node');
      await settle(page);
      assert.match((await page.textContent('#run-status')) ?? '', new RegExp(`stopped after ${steps} steps`));
      assert.equal(Number(await page.getAttribute('#timeline', 'data-step')), steps);
      assert.equal(await page.locator('#warnings [data-kind="vanishing-gradient"]').count(), warnings);
      assert.deepEqual(errors, []);
      await page.close();
    }
  });

  it("says that a killed run was killed (the parent's record), in the summary and the view", async function () {
    const lines = fs.readFileSync(trace, 'utf8').split('\n');
    const killed = path.join(dir, 'parent-killed.jsonl');
    const cut = lines.slice(0, 60).join('\n') + '\n';
    fs.writeFileSync(killed, cut);
    const lastStep = parseTrace(cut).steps.at(-1)!.stats.step;
    assert.equal(recordKilledInTrace(killed, 'the trainer process was killed by SIGKILL', lastStep), true);
    const out = path.join(dir, 'parent-killed.html');
    const r = report([killed, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`; the run was killed: the trainer process was killed by SIGKILL \\(after step ${lastStep}\\)$`, 'm'));
    if (!browser) this.skip();
    const { page, errors } = await open(out);
    await page.waitForSelector('g.layer-node');
    await settle(page);
    assert.match((await page.textContent('#run-status')) ?? '', /error: the trainer process was killed by SIGKILL/);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('refuses garbage with FILE:LINE and exit code 2', () => {
    const lines = fs.readFileSync(trace, 'utf8').split('\n');
    const garbage = path.join(dir, 'garbage.jsonl');
    fs.writeFileSync(garbage, [...lines.slice(0, 3), 'this is not json', ...lines.slice(3)].join('\n'));
    const r = report([garbage, '--out', path.join(dir, 'never.html')]);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr.trim(),
      `${garbage}:4:1: error: not a JSON record (Unexpected token 'h', "this is not json" is not valid JSON); the trace is damaged`,
    );
    assert.ok(!fs.existsSync(path.join(dir, 'never.html')));
    const notATrace = path.join(dir, 'plain.jsonl');
    fs.writeFileSync(notATrace, '{"type":"step","time":1}\n');
    const r2 = report([notATrace, '--out', path.join(dir, 'never.html')]);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /plain\.jsonl:1:1: error: the first record must be a header/);
    const missing = report([path.join(dir, 'nope.jsonl'), '--out', path.join(dir, 'never.html')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.jsonl: error: cannot read the trace \(ENOENT\)/);
    const usage = report([trace]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /missing --out/);
  });
});
