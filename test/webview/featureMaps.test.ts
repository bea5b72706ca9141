// Feature maps in the training view's activations panel, in headless
// Chromium, fed the trace of a real 20-step mnist-cnn run with histograms
// (and so feature maps) at steps 1, 10 and 20.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { TrainerEvent } from '../../src/shared/protocol';
import type { FeatureMaps } from '../../src/shared/stats';
import { CHROMIUM, ROOT, ensureBuilt, launchBrowser, openWebview, pageLogs, screenshot, send, settle, traceEvents, type Theme } from './harness';

const SESSION = { id: 'session-fm', name: 'mnist-cnn', live: false };

function recordCnnTrace(): string {
  const trace = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nd-feature-maps-')), 'mnist-cnn.jsonl');
  const args = ['train', path.join(ROOT, 'examples', 'mnist-cnn.nn.json'), '--trace', trace, '--steps', '20', '--histograms-every', '10'];
  execFileSync(process.execPath, [path.join(ROOT, 'bin', 'neural-debugger.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], timeout: 240_000 });
  return trace;
}

/** The feature maps of `layer` recorded at `step`. */
function mapsAt(events: TrainerEvent[], step: number, layer: string): FeatureMaps {
  const record = events.find((e) => e.type === 'step' && e.stats.step === step);
  const maps = record?.type === 'step' ? record.stats.layers.find((l) => l.name === layer)?.featureMaps : undefined;
  if (!maps) throw new Error(`no feature maps of ${layer} at step ${step}`);
  return maps;
}

async function select(page: Page, layer: string): Promise<void> {
  await page.click(`g.layer-node[data-layer="${layer}"]`);
  await settle(page);
}

describe('feature maps in the training view (recorded mnist-cnn run)', function () {
  let browser: Browser;
  let events: TrainerEvent[];
  let convLayer: string;

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) {
      console.log(`    skipped: ${CHROMIUM} is not installed (apt-get install chromium)`);
      this.skip();
    }
    ensureBuilt();
    events = traceEvents(recordCnnTrace());
    const header = events.find((e) => e.type === 'header');
    if (header?.type !== 'header') throw new Error('no header');
    convLayer = header.topology.layers.find((l) => l.className === 'Conv2D')!.name;
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  for (const theme of ['dark', 'light'] as Theme[]) {
    it(`(${theme}) the first conv layer shows one heatmap per recorded channel, labelled with its min/max`, async () => {
      const page = await openWebview(browser, { view: 'training', theme });
      await send(page, { type: 'reset', session: SESSION, events });
      await page.waitForSelector('g.layer-node');
      await select(page, convLayer);
      const recorded = mapsAt(events, 20, convLayer);
      const canvases = page.locator('#feature-maps [data-channel]');
      assert.equal(await canvases.count(), recorded.channels.length);
      assert.ok(recorded.channels.length > 0);
      assert.deepEqual(await canvases.evaluateAll((cs) => cs.map((c) => Number(c.getAttribute('data-channel')))), recorded.channels);
      assert.match(
        (await page.textContent('#feature-maps .feature-maps-heading')) ?? '',
        new RegExp(`^feature maps of ${convLayer}, first sample of the batch at step 20: channels 0–7 of 32, 26×26`),
      );
      const labels = await canvases.evaluateAll((cs) => cs.map((c) => c.getAttribute('aria-label') ?? ''));
      assert.match(labels[1], new RegExp(`^${convLayer} channel 1 at step 20: min \\S+, max \\S+$`));
      // Each canvas holds the recorded map, drawn with more than one colour where the channel is not constant.
      const drawn = await canvases.evaluateAll((cs) =>
        cs.map((c) => {
          const canvas = c as HTMLCanvasElement;
          const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
          const colours = new Set<number>();
          for (let i = 0; i < data.length; i += 4) colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
          return { width: canvas.width, height: canvas.height, colours: colours.size };
        }),
      );
      drawn.forEach((d, i) => {
        assert.deepEqual([d.width, d.height], [recorded.width, recorded.height]);
        if (recorded.max[i] > recorded.min[i]) assert.ok(d.colours > 1, `channel ${i} is not drawn flat`);
      });
      assert.equal(pageLogs(page).filter((l) => /error/i.test(l)).length, 0, pageLogs(page).join('\n'));
      await screenshot(page, `feature-maps-${theme}`);
      await page.close();
    });
  }

  it('follows the timeline to the latest maps at or before the step, and hides for layers that are not rank 4', async () => {
    const page = await openWebview(browser, { view: 'training' });
    await send(page, { type: 'reset', session: SESSION, events });
    await page.waitForSelector('g.layer-node');
    await select(page, convLayer);
    await page.$eval('#timeline-range', (input) => {
      (input as HTMLInputElement).value = '15';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await settle(page);
    assert.match((await page.textContent('#feature-maps .feature-maps-heading')) ?? '', /at step 10:/);
    const label = await page.getAttribute('#feature-maps [data-channel="2"]', 'aria-label');
    assert.match(label ?? '', / at step 10: /);
    const header = events.find((e) => e.type === 'header');
    const layers = header?.type === 'header' ? header.topology.layers : [];
    const pooling = layers.find((l) => l.className === 'MaxPooling2D')!.name;
    await select(page, pooling);
    assert.equal(await page.locator('#feature-maps [data-channel]').count(), mapsAt(events, 10, pooling).channels.length);
    assert.equal(await page.locator('#feature-maps').isVisible(), true);
    await select(page, layers.find((l) => l.className === 'Dense')!.name);
    assert.equal(await page.locator('#feature-maps').isVisible(), false, 'dense layers have no feature maps');
    assert.equal(await page.locator('#feature-maps [data-channel]').count(), 0);
    await page.close();
  });
});
