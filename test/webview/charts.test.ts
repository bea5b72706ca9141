// The charts and the layout of the training view in headless Chromium, fed a
// real recorded run (deep-sigmoid: 13 weighted layers, paused at step 200):
// legends, hover values, the selected layer in every chart, labelled depth
// bars, no overlapping text, one drawn density, the narrow layout, the graph
// kept in view. Screenshots go to test-results/ (look at them).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import type { TrainerEvent } from '../../src/shared/protocol';
import type { StepStats } from '../../src/shared/stats';
import { formatNumber } from '../../webview-ui/format';
import { CHROMIUM, ensureBuilt, launchBrowser, openWebview, posted, recordTrace, screenshot, send, settle, traceEvents, type Theme } from './harness';
import { overlappingText, rect, type Box } from './layoutProbe';

const SESSION = { id: 'session-1', name: 'deep-sigmoid', live: true };
const WIDTHS = [380, 800, 1400];
const HEIGHT = 900;

/** The run up to its last step, then paused there with the full statistics, as a debug session streams it. */
function pausedAtLastStep(events: TrainerEvent[]): { events: TrainerEvent[]; last: StepStats } {
  const lastIndex = events.map((e) => e.type).lastIndexOf('step');
  const last = events[lastIndex];
  assert.ok(last.type === 'step' && last.stats.withHistograms, 'the last step carries histograms');
  const { step, epoch, batch } = last.stats;
  return { events: [...events.slice(0, lastIndex + 1), { type: 'stopped', reason: 'pause', step, epoch, batch, stats: last.stats }], last: last.stats };
}

async function openPaused(
  browser: Browser,
  events: TrainerEvent[],
  options: { theme?: Theme; width?: number; view?: 'training' | 'inspector' } = {},
): Promise<Page> {
  const page = await openWebview(browser, { view: options.view ?? 'training', theme: options.theme, width: options.width ?? 1400, height: HEIGHT });
  await send(page, { type: 'reset', session: SESSION, events });
  await page.waitForSelector(options.view === 'inspector' ? '#weights-table tbody tr' : 'g.layer-node');
  await settle(page);
  return page;
}

async function hover(page: Page, selector: string, fraction: number): Promise<void> {
  await page.locator(selector).scrollIntoViewIfNeeded();
  const box = await page.locator(selector).boundingBox();
  assert.ok(box, `${selector} is laid out`);
  await page.mouse.move(box.x + box.width * fraction, box.y + box.height * 0.6);
  await settle(page);
}

describe('charts and layout in Chromium (recorded real stream)', function () {
  let browser: Browser;
  let paused: TrainerEvent[];
  let last: StepStats;
  let weighted: string[];

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) {
      console.log(`    skipped: ${CHROMIUM} is not installed (apt-get install chromium)`);
      this.skip();
    }
    ensureBuilt();
    ({ events: paused, last } = pausedAtLastStep(traceEvents(recordTrace('deep-sigmoid', 200))));
    weighted = last.layers.filter((l) => l.gradNorm !== null).map((l) => l.name);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  for (const theme of ['dark', 'light'] as Theme[]) {
    for (const width of WIDTHS) {
      it(`training view at ${width} px (${theme}): legends, no overlapping text, controls on one line, charts in reach`, async () => {
        const page = await openPaused(browser, paused, { theme, width });
        await send(page, { type: 'selectLayer', layer: 'dense_3' });
        await settle(page);
        const legend = (chart: string) => page.locator(`#${chart}-panel .chart-legend-item`).allTextContents();
        assert.deepEqual(await page.locator('#gradients-panel .chart-legend').first().locator('.chart-legend-item').allTextContents(), weighted);
        assert.deepEqual((await legend('losses')).slice(0, 3), ['training loss (per step)', 'validation loss (per epoch)', 'training loss (epoch mean)']);
        assert.deepEqual(await page.locator('#depth-profile text.bar-label').allTextContents(), weighted, 'every depth bar is labelled');
        const overlaps = await page.evaluate(overlappingText, 'svg.chart, svg.graph, .chart-legend, #timeline, .panel-header, .legend');
        assert.deepEqual(overlaps, [], 'no two text boxes overlap');
        // Controls: one line, all inside the view (Stop is not cut off).
        const buttons = await page.locator('#timeline button.control').evaluateAll((bs) => bs.map((b) => b.getBoundingClientRect().toJSON() as Box));
        assert.equal(buttons.length, 5);
        assert.equal(new Set(buttons.map((b) => Math.round(b.top))).size, 1, 'the controls do not wrap');
        for (const b of buttons) assert.ok(b.right <= width && b.left >= 0, `a control is cut off: ${JSON.stringify(b)}`);
        const lineHeight = await page.$eval('#timeline button.control', (b) => parseFloat(getComputedStyle(b).fontSize) * 1.6);
        for (const b of buttons) assert.ok(b.height < lineHeight + 8, `a control's label wraps: ${b.height} px high`);
        assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= width, 'no horizontal scrolling');
        // The gradient chart starts within the first screen (the graph does not push it below the fold).
        const gradients = await rect(page, '#gradient-norms');
        assert.ok(gradients.top < HEIGHT, `the gradient chart starts at ${gradients.top} px, below the first screen`);
        await screenshot(page, `charts-training-${width}-${theme}`);
        await page.close();
      });
    }
  }

  it('hover lists every layer’s exact gradient norm at the hovered step, and the loss there', async () => {
    const page = await openPaused(browser, paused);
    await hover(page, '#gradient-norms', 0.5);
    const tooltip = page.locator('#gradients-panel .chart-tooltip');
    assert.ok(await tooltip.isVisible(), 'the tooltip shows');
    assert.equal(await page.locator('#gradient-norms line.hover-line').getAttribute('visibility'), 'visible', 'a crosshair at the step');
    const step = Number(await tooltip.getAttribute('data-step'));
    assert.ok(step > 50 && step < 150, `hovered the middle of the run, got step ${step}`);
    const stats = paused.find((e): e is Extract<TrainerEvent, { type: 'step' }> => e.type === 'step' && e.stats.step === step)!.stats;
    const rows = await tooltip
      .locator('.tooltip-row')
      .evaluateAll((rs) => rs.map((r) => [r.getAttribute('data-key'), r.querySelector('.tooltip-value')!.textContent]));
    assert.deepEqual(
      rows,
      weighted.map((name) => [name, formatNumber(stats.layers.find((l) => l.name === name)!.gradNorm)]),
    );
    await hover(page, '#loss', 0.5);
    const lossTip = page.locator('#losses-panel .chart-tooltip').first();
    const lossStep = Number(await lossTip.getAttribute('data-step'));
    const lossStats = paused.find((e): e is Extract<TrainerEvent, { type: 'step' }> => e.type === 'step' && e.stats.step === lossStep)!.stats;
    assert.equal(await lossTip.locator('.tooltip-row[data-key="train"] .tooltip-value').textContent(), formatNumber(lossStats.loss));
    // Validation is per epoch: its latest value at or before the step, with that step named.
    assert.match((await lossTip.locator('.tooltip-row[data-key="val"] .tooltip-value').textContent()) ?? '', /^[\d.e-]+ \(step \d+\)$/);
    await screenshot(page, 'charts-hover-gradients');
    await page.mouse.move(1, 1);
    await settle(page);
    assert.equal(await tooltip.isVisible(), false, 'the tooltip goes when the pointer leaves');
    // Keyboard: focus the chart, End goes to the last step, arrows move by one.
    await page.focus('#gradient-norms');
    await page.keyboard.press('End');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await tooltip.getAttribute('data-step'), String(last.step - 1));
    assert.ok(await tooltip.isVisible());
    await page.keyboard.press('Escape');
    assert.equal(await tooltip.isVisible(), false);
    await page.close();
  });

  it('the selected layer is highlighted in every chart: line, legend, depth bar and label, graph node', async () => {
    const page = await openPaused(browser, paused, { width: 800 });
    // Distinguishable: no two lines share colour and dash, and the colours are the theme's.
    const looks = await page
      .locator('#gradient-norms path.grad-line')
      .evaluateAll((ps) => ps.map((p) => `${getComputedStyle(p).stroke} ${getComputedStyle(p).strokeDasharray}`));
    assert.equal(new Set(looks).size, weighted.length, looks.join('\n'));
    const themeBlue = await page.evaluate(() => {
      const probe = document.createElementNS('http://www.w3.org/2000/svg', 'path');
      probe.style.stroke = 'var(--vscode-charts-blue)';
      document.querySelector('#gradient-norms')!.appendChild(probe);
      const value = getComputedStyle(probe).stroke;
      probe.remove();
      return value;
    });
    assert.ok(looks[0].startsWith(themeBlue), `the first layer's line is --vscode-charts-blue (${themeBlue}), got ${looks[0]}`);
    await page.click('#gradients-panel .chart-legend-item[data-key="dense_2"]');
    await settle(page);
    assert.equal(await page.textContent('#gradients-panel .panel-subtitle'), 'selected: dense_2');
    assert.deepEqual(await page.locator('#gradient-norms path.grad-line.highlighted').evaluateAll((ps) => ps.map((p) => p.getAttribute('data-layer'))), [
      'dense_2',
    ]);
    assert.equal(await page.locator('#gradient-norms path.grad-line.dimmed').count(), weighted.length - 1);
    // Highlighted means drawn thicker and opaque, on top of the others.
    const style = await page.$eval('#gradient-norms path.grad-line.highlighted', (p) => {
      const s = getComputedStyle(p);
      return { width: parseFloat(s.strokeWidth), opacity: Number(s.strokeOpacity), last: p === p.parentElement!.lastElementChild };
    });
    assert.ok(style.width >= 2.5 && style.opacity === 1 && style.last, JSON.stringify(style));
    assert.equal(await page.getAttribute('#gradients-panel .chart-legend-item.highlighted', 'data-key'), 'dense_2');
    assert.ok(await page.locator('#depth-profile rect.depth-bar.selected[data-layer="dense_2"]').count());
    assert.ok(await page.locator('#depth-profile text.bar-label.selected[data-layer="dense_2"]').count());
    assert.ok(await page.locator('g.layer-node.selected[data-layer="dense_2"]').count());
    assert.match((await page.textContent('#activations .activations-heading')) ?? '', /^dense_2/);
    // Clicking the highlighted entry again clears the selection.
    await page.click('#gradients-panel .chart-legend-item[data-key="dense_2"]');
    await settle(page);
    assert.equal(await page.locator('#gradient-norms path.grad-line.highlighted, #gradient-norms path.grad-line.dimmed').count(), 0);
    await page.close();
  });

  it('an exported chart keeps its legend (SVG and PNG)', async () => {
    const page = await openPaused(browser, paused, { width: 800 });
    await page.click('#gradients-panel .export-button[data-format="svg"]');
    await page.click('#gradients-panel .export-button[data-format="png"]');
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.filter((m) => m.type === 'saveFile').length === 2);
    const saved = (await posted(page)).filter((m): m is Extract<typeof m, { type: 'saveFile' }> => m.type === 'saveFile');
    assert.deepEqual(
      saved.map((m) => [m.fileName, m.format]),
      [
        ['gradient-norms.svg', 'svg'],
        ['gradient-norms.png', 'png'],
      ],
    );
    const legendTexts = [...saved[0].data.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]).filter((t) => weighted.includes(t));
    assert.deepEqual(legendTexts, weighted, 'the exported SVG names every line');
    assert.ok(Buffer.from(saved[1].data, 'base64').subarray(1, 4).toString() === 'PNG');
    // Look at it as a file would show it.
    const view = await browser.newPage({ viewport: { width: 820, height: 420 } });
    await view.setContent(`<body style="margin:0">${saved[0].data}</body>`);
    await screenshot(view, 'charts-exported-gradient-norms');
    await view.close();
    await page.close();
  });

  it('draws one density: steps sent one by one at first, then thinned, are drawn as evenly spaced points', async () => {
    // As the live stream does to a fast run (src/debug/stepBudget.ts): every
    // step while it warms up, then every 8th.
    const thinned = paused.filter((e) => e.type !== 'step' || e.stats.step <= 60 || e.stats.step % 8 === 0);
    const page = await openPaused(browser, thinned);
    const xs = await page.$eval('#gradient-norms path.grad-line[data-layer="dense_13"]', (p) =>
      (p.getAttribute('d') ?? '')
        .slice(1)
        .split('L')
        .map((pt) => Number(pt.split(',')[0])),
    );
    const gaps = xs.slice(1).map((x, i) => x - xs[i]);
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
    const early = median(gaps.slice(0, 10));
    const late = median(gaps.slice(-10));
    assert.ok(
      early > 0.7 * late,
      `the first steps are drawn ${(late / early).toFixed(1)}× denser than the rest (${early.toFixed(1)} px vs ${late.toFixed(1)} px apart)`,
    );
    await page.close();
  });

  it('a narrow view: collapsing the graph brings the charts up; revealing a layer keeps the graph in view', async () => {
    const page = await openPaused(browser, paused, { width: 380 });
    const before = await rect(page, '#gradients-panel');
    await page.click('#network-panel .panel-toggle');
    await settle(page);
    assert.equal(await page.getAttribute('#network-panel .panel-toggle', 'aria-expanded'), 'false');
    assert.ok((await rect(page, '#gradients-panel')).top < before.top - 150, 'the charts moved up');
    await page.click('#network-panel .panel-toggle');
    await settle(page);
    // "Reveal in graph" of the last layer (a row picked in the Gradients view).
    await send(page, { type: 'selectLayer', layer: 'dense_13' });
    await settle(page);
    const view = await rect(page, '#graph');
    const node = await rect(page, 'g.layer-node[data-layer="dense_13"] rect.node-box');
    assert.ok(node.top >= view.top && node.bottom <= view.bottom, `the layer is in view: ${JSON.stringify({ node, view })}`);
    const graph = await rect(page, '#graph g.viewport');
    assert.ok(graph.bottom >= view.bottom - 12, `no empty area below the graph: it ends at ${graph.bottom}, the view at ${view.bottom}`);
    // A layer already in view does not move the graph.
    const transform = await page.getAttribute('#graph g.viewport', 'transform');
    await send(page, { type: 'selectLayer', layer: 'dense_12' });
    await settle(page);
    assert.equal(await page.getAttribute('#graph g.viewport', 'transform'), transform);
    await page.close();
  });

  it('after a resize the graph is fitted again, not clipped', async () => {
    const page = await openPaused(browser, paused, { width: 1400 });
    for (const width of [800, 380, 1100]) {
      await page.setViewportSize({ width, height: HEIGHT });
      await page.waitForTimeout(100); // the ResizeObserver's callback
      await settle(page);
      const view = await rect(page, '#graph');
      const graph = await rect(page, '#graph g.viewport');
      assert.ok(
        graph.left >= view.left - 1 && graph.right <= view.right + 1,
        `at ${width} px the graph (${graph.left}–${graph.right}) fits the view (${view.left}–${view.right})`,
      );
    }
    await page.close();
  });

  for (const theme of ['dark', 'light'] as Theme[]) {
    it(`the Gradients view at a pause (${theme}): histogram with labels that do not overlap`, async () => {
      const page = await openPaused(browser, paused, { theme, width: 440, view: 'inspector' });
      const kernel = last.weights.find((w) => w.layer === 'dense_1' && w.name.endsWith('kernel'))!.name;
      await page.click(`#weights-table tr[data-weight="${kernel}"]`);
      await settle(page);
      assert.ok((await page.locator('#grad-histogram rect.hist-bar').count()) > 0);
      assert.deepEqual(await page.evaluate(overlappingText, 'svg.chart'), []);
      await screenshot(page, `charts-gradients-view-paused-${theme}`);
      await page.close();
    });
  }
});
