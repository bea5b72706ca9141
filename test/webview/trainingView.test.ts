// The training view and the gradient inspector in headless Chromium, fed the
// recorded event streams of real training runs (deep-sigmoid: vanishing
// gradients; spiral-mlp: healthy), with a stub acquireVsCodeApi.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import type { TrainerEvent } from '../../src/shared/protocol';
import type { ModelTopology } from '../../src/shared/stats';
import { CHROMIUM, ensureBuilt, launchBrowser, openWebview, pageLogs, posted, recordTrace, screenshot, send, settle, traceEvents, type Theme } from './harness';

const SESSION = { id: 'session-1', name: 'deep-sigmoid', live: true };

function topologyOf(events: TrainerEvent[]): ModelTopology {
  const header = events.find((e) => e.type === 'header');
  if (header?.type !== 'header') throw new Error('no header in the stream');
  return header.topology;
}

async function scrubTo(page: Page, step: number): Promise<void> {
  await page.$eval(
    '#timeline-range',
    (input, value) => {
      (input as HTMLInputElement).value = String(value);
      input.dispatchEvent(new Event('input', { bubbles: true }));
    },
    step,
  );
  await settle(page);
}

describe('training view in Chromium (recorded real streams)', function () {
  let browser: Browser;
  let deep: TrainerEvent[];
  let spiral: TrainerEvent[];

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) {
      console.log(`    skipped: ${CHROMIUM} is not installed (apt-get install chromium)`);
      this.skip();
    }
    ensureBuilt();
    deep = traceEvents(recordTrace('deep-sigmoid', 200));
    spiral = traceEvents(recordTrace('spiral-mlp', 200));
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  for (const theme of ['dark', 'light'] as Theme[]) {
    it(`deep-sigmoid (${theme}): a node per layer, a line per weighted layer, the vanishing warning, early layers vanishing`, async () => {
      const page = await openWebview(browser, { view: 'training', theme });
      await send(page, { type: 'reset', session: SESSION, events: deep });
      await page.waitForSelector('g.layer-node');
      await settle(page);
      const topology = topologyOf(deep);
      assert.equal(await page.locator('g.layer-node').count(), topology.layers.length);
      const weighted = topology.layers.filter((l) => l.paramCount > 0 && l.trainable).map((l) => l.name);
      assert.deepEqual(await page.locator('#gradient-norms path.grad-line').evaluateAll((ps) => ps.map((p) => p.getAttribute('data-layer'))), weighted);
      for (const d of await page.locator('#gradient-norms path.grad-line').evaluateAll((ps) => ps.map((p) => p.getAttribute('d') ?? ''))) {
        assert.ok(d.split('L').length > 100, 'each line has a point per step (200 steps < chart width)');
      }
      assert.equal(await page.locator('#warnings [data-kind="vanishing-gradient"]').count(), 1);
      const health = async (layer: string) => page.locator(`g.layer-node[data-layer="${layer}"]`).getAttribute('data-health');
      for (const early of ['dense_1', 'dense_2', 'dense_3']) assert.equal(await health(early), 'vanishing', early);
      assert.equal(await health('dense_13'), 'healthy');
      assert.equal(await health('input'), 'none');
      assert.equal((await page.locator('g.layer-node.health-vanishing').count()) > 0, true, 'coloured by class too');
      assert.match((await page.locator('#depth-profile rect.depth-bar[data-layer="dense_1"]').getAttribute('class')) ?? '', /health-vanishing/);
      assert.match((await page.textContent('#current-step')) ?? '', /step 200 of 200/);
      assert.equal(pageLogs(page).filter((l) => /error/i.test(l)).length, 0, pageLogs(page).join('\n'));
      await screenshot(page, `training-view-deep-sigmoid-${theme}`);
      await page.close();
    });
  }

  it('spiral-mlp: a healthy run has no warnings and no unhealthy layer', async () => {
    const page = await openWebview(browser, { view: 'training', theme: 'dark' });
    await send(page, { type: 'reset', session: { ...SESSION, name: 'spiral-mlp' }, events: spiral });
    await page.waitForSelector('g.layer-node');
    await settle(page);
    const topology = topologyOf(spiral);
    assert.equal(await page.locator('g.layer-node').count(), topology.layers.length);
    assert.equal(await page.locator('#gradient-norms path.grad-line').count(), 3);
    assert.equal(await page.locator('#warnings .warning').count(), 0);
    const states = await page.locator('g.layer-node').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-health')));
    assert.deepEqual(states, ['none', 'healthy', 'healthy', 'healthy']);
    // ReLU layers: the activations view lists the zero fraction at the measured step.
    await page.click('g.layer-node[data-layer="hidden1"]');
    await settle(page);
    assert.match((await page.textContent('#activations .activations-heading')) ?? '', /^hidden1 — measured at step 200/);
    assert.match((await page.textContent('#activations .stat-list')) ?? '', /zero\d+(\.\d)?%/);
    await screenshot(page, 'training-view-spiral-mlp-dark');
    await page.close();
  });

  it('scrubbing the timeline re-renders every view at that step', async () => {
    const page = await openWebview(browser, { view: 'training' });
    await send(page, { type: 'reset', session: SESSION, events: deep });
    await page.waitForSelector('g.layer-node');
    await settle(page);
    const depthBar = page.locator('#depth-profile rect[data-layer="dense_1"]');
    const depthBefore = await depthBar.textContent();
    assert.ok(Number(await depthBar.getAttribute('height')) > 0, 'the smallest bar is visible');
    await scrubTo(page, 20);
    assert.equal(await page.getAttribute('#timeline', 'data-step'), '20');
    assert.match((await page.textContent('#current-step')) ?? '', /^step 20 of 200 · epoch 1\/20/);
    // The vanishing-gradient diagnostic opened at step 31: not shown at step 20.
    assert.equal(await page.locator('#warnings [data-kind="vanishing-gradient"]').count(), 0);
    assert.match((await page.textContent('#activations .activations-heading')) ?? '', /measured at step 20$/);
    assert.equal(await page.locator('#loss line.cursor').getAttribute('visibility'), 'visible');
    assert.notEqual(await depthBar.textContent(), depthBefore, 'the depth profile shows step 20');
    let messages = await posted(page);
    assert.deepEqual(messages[messages.length - 1], { type: 'selectStep', step: 20 });
    await scrubTo(page, 40);
    assert.equal(await page.locator('#warnings [data-kind="vanishing-gradient"]').count(), 1);
    // Keyboard: the range is a native slider.
    await page.focus('#timeline-range');
    await page.keyboard.press('Home');
    await settle(page);
    assert.equal(await page.getAttribute('#timeline', 'data-step'), '1');
    await page.click('#follow-live');
    await settle(page);
    assert.equal(await page.getAttribute('#timeline', 'data-step'), '200');
    messages = await posted(page);
    assert.deepEqual(messages[messages.length - 1], { type: 'selectStep', step: null });
    await page.close();
  });

  it('controls post the right messages and are enabled by the run state', async () => {
    const page = await openWebview(browser, { view: 'training' });
    const header = deep.find((e) => e.type === 'header')!;
    const steps = deep.filter((e) => e.type === 'step').slice(0, 5);
    await send(page, { type: 'reset', session: SESSION, events: [header, ...steps] });
    await settle(page);
    const enabled = () =>
      page
        .locator('#timeline button.control')
        .evaluateAll((bs) => bs.filter((b) => !(b as HTMLButtonElement).disabled).map((b) => b.getAttribute('data-action')));
    assert.deepEqual(await enabled(), ['pause', 'stop']);
    await page.click('button[data-action="pause"]');
    await send(page, { type: 'events', sessionId: SESSION.id, events: [{ type: 'stopped', reason: 'pause', step: 5, epoch: 1, batch: 4 }] });
    await settle(page);
    assert.deepEqual(await enabled(), ['continue', 'stepBatch', 'stepEpoch', 'stop']);
    for (const action of ['stepBatch', 'stepEpoch', 'continue', 'stop']) await page.click(`button[data-action="${action}"]`);
    const controls = (await posted(page)).filter((m) => m.type === 'control');
    assert.deepEqual(
      controls,
      ['pause', 'stepBatch', 'stepEpoch', 'continue', 'stop'].map((action) => ({ type: 'control', action })),
    );
    assert.deepEqual((await posted(page))[0], { type: 'ready', view: 'training' });
    // The session ends: every control is disabled.
    await send(page, { type: 'session', session: { ...SESSION, live: false } });
    await settle(page);
    assert.deepEqual(await enabled(), []);
    await page.close();
  });

  it('ignores (and logs) a message with an unknown type or a bad shape', async () => {
    const page = await openWebview(browser, { view: 'training' });
    await send(page, { type: 'reset', session: SESSION, events: deep });
    await page.waitForSelector('g.layer-node');
    await send(page, { type: 'explode', events: [] });
    await send(page, { type: 'events', sessionId: SESSION.id, events: 'not a list' });
    await settle(page);
    assert.equal(await page.locator('g.layer-node').count(), 14);
    const warnings = pageLogs(page).filter((l) => l.startsWith('warning:'));
    assert.equal(warnings.length, 2, warnings.join('\n'));
    assert.match(warnings[0], /ignored a message from the host: unknown message type "explode"/);
    const logged = (await posted(page)).filter((m) => m.type === 'log');
    assert.equal(logged.length, 2);
    await page.close();
  });

  it('streams incrementally, selects layers both ways and keeps the selection in the saved state', async () => {
    const page = await openWebview(browser, { view: 'training' });
    const half = deep.findIndex((e) => e.type === 'step' && e.stats.step === 100);
    await send(page, { type: 'reset', session: SESSION, events: deep.slice(0, half) });
    await page.waitForSelector('g.layer-node');
    await settle(page);
    const firstNode = await page.locator('g.layer-node[data-layer="dense_1"]').elementHandle();
    await send(page, { type: 'events', sessionId: SESSION.id, events: deep.slice(half) });
    await send(page, { type: 'events', sessionId: 'another-session', events: [{ type: 'step', stats: { step: 999 } }] });
    await settle(page);
    assert.equal(await page.getAttribute('#timeline', 'data-step'), '200', 'events of another session are ignored');
    assert.ok(await firstNode!.evaluate((n) => n.isConnected), 'the graph was updated in place, not rebuilt');
    await page.click('g.layer-node[data-layer="dense_5"]');
    await settle(page);
    assert.ok(await page.locator('g.layer-node[data-layer="dense_5"].selected').count());
    assert.ok(await page.locator('#gradient-norms path.grad-line.highlighted[data-layer="dense_5"]').count());
    assert.deepEqual(
      (await posted(page)).filter((m) => m.type === 'selectLayer'),
      [{ type: 'selectLayer', layer: 'dense_5' }],
    );
    assert.deepEqual(await page.evaluate(() => (window as unknown as { __state: unknown }).__state), { layer: 'dense_5', step: null });
    // Keyboard: arrow down moves focus to the next layer, Enter selects it.
    await page.focus('g.layer-node[data-layer="dense_5"]');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await settle(page);
    assert.ok(await page.locator('g.layer-node[data-layer="dense_6"].selected').count());
    // "Reveal layer in graph" from the inspector arrives as selectLayer.
    await send(page, { type: 'selectLayer', layer: 'dense_12' });
    await settle(page);
    assert.ok(await page.locator('g.layer-node[data-layer="dense_12"].selected').count());
    assert.match((await page.textContent('#activations .activations-heading')) ?? '', /^dense_12/);
    await page.close();
    // A reopened view (hide/show or reload) restores the selection from its saved state.
    const reopened = await openWebview(browser, { view: 'training', state: { layer: 'dense_3', step: 50 } });
    await send(reopened, { type: 'reset', session: SESSION, events: deep });
    await reopened.waitForSelector('g.layer-node.selected');
    await settle(reopened);
    assert.equal(await reopened.getAttribute('g.layer-node.selected', 'data-layer'), 'dense_3');
    assert.equal(await reopened.getAttribute('#timeline', 'data-step'), '50');
    await reopened.close();
  });

  for (const theme of ['dark', 'light'] as Theme[]) {
    it(`gradient inspector (${theme}): a sortable row per weight tensor, histogram, reveal in graph`, async () => {
      const page = await openWebview(browser, { view: 'inspector', theme, width: 440, height: 900 });
      await send(page, { type: 'reset', session: SESSION, events: deep });
      await page.waitForSelector('#weights-table tbody tr');
      await settle(page);
      const last = [...deep].reverse().find((e) => e.type === 'step' && e.stats.detailed);
      assert.ok(last?.type === 'step');
      assert.equal(await page.locator('#weights-table tbody tr').count(), last.stats.weights.length);
      assert.match((await page.textContent('#inspector-caption')) ?? '', /^step 200 · 26 weight tensors/);
      await page.click('button[data-sort="gradNorm"]');
      await settle(page);
      const grads = await page.locator('#weights-table tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-weight')));
      const expected = [...last.stats.weights].sort((a, b) => (b.gradNorm ?? 0) - (a.gradNorm ?? 0)).map((w) => w.name);
      assert.deepEqual(grads, expected, 'sorted by gradient norm, largest first');
      assert.equal(await page.getAttribute('th:has(button[data-sort="gradNorm"])', 'aria-sort'), 'descending');
      // Select the first layer's kernel: its gradient histogram (step 200 has histograms) and reveal.
      const kernel = last.stats.weights.find((w) => w.layer === 'dense_1' && w.name.endsWith('kernel'))!.name;
      await page.click(`#weights-table tr[data-weight="${kernel}"]`);
      await settle(page);
      assert.ok((await page.locator('#grad-histogram rect.hist-bar').count()) > 0, 'the gradient histogram is drawn');
      assert.equal(await page.textContent('#weight-detail h3'), `${kernel} — gradient histogram (step 200)`);
      assert.equal(await page.locator(`#weights-table tr[data-weight="${kernel}"] td.col-health`).textContent(), 'vanishing');
      await page.click('#reveal-layer');
      const messages = await posted(page);
      assert.deepEqual(
        messages.filter((m) => m.type === 'revealLayer'),
        [{ type: 'revealLayer', layer: 'dense_1' }],
      );
      assert.deepEqual(
        messages.filter((m) => m.type === 'selectLayer'),
        [{ type: 'selectLayer', layer: 'dense_1' }],
      );
      await screenshot(page, `gradient-inspector-${theme}`);
      await page.close();
    });
  }
});
