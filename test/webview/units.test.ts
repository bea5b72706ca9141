// Pure parts of the views: message validation, LTTB, the webview store, the
// host's per-session event store, the webview HTML's CSP, report embedding.
import * as assert from 'node:assert/strict';
import type { TrainerEvent } from '../../src/shared/protocol';
import type { StepStats, TrainingDiagnostic } from '../../src/shared/stats';
import { invalidHostMessage, invalidWebviewMessage } from '../../src/shared/webviewProtocol';
import { SessionEventStore } from '../../src/extension/views/sessionEventStore';
import { contentSecurityPolicy, webviewHtml } from '../../src/extension/views/webviewHtml';
import { CONTROL_COMMANDS } from '../../src/extension/views/controls';
import { buildReportHtml, embedTraceText } from '../../src/cli/report';
import { lttbIndices, uniformPointCount } from '../../webview-ui/lttb';
import { ActivationSeries, StepSeries } from '../../webview-ui/store/series';
import { Store } from '../../webview-ui/store/store';
import { weightWithGradHistogram } from '../shared/trace/sampleRecords';

function step(n: number, extra: Partial<StepStats> = {}): StepStats {
  return {
    step: n,
    epoch: 1,
    batch: n - 1,
    batchesPerEpoch: 1000,
    batchSize: 32,
    loss: 1 / n,
    metrics: { accuracy: n / 1000 },
    learningRate: 0.1,
    gradNorm: 1,
    nonFinite: 0,
    detailed: false,
    withHistograms: false,
    layers: [
      { name: 'a', className: 'Dense', activation: 'relu', gradNorm: 1e-9 },
      { name: 'b', className: 'Dense', activation: null, gradNorm: 0.5 },
    ],
    weights: [],
    durationMs: 1,
    samplesSeen: 32 * n,
    ...extra,
  };
}

describe('webview protocol validation', () => {
  it('accepts well-formed messages in both directions', () => {
    assert.equal(invalidHostMessage({ type: 'reset', session: null, events: [] }), null);
    assert.equal(invalidHostMessage({ type: 'events', sessionId: 's', events: [{ type: 'resumed' }] }), null);
    assert.equal(invalidHostMessage({ type: 'selectStep', step: null }), null);
    assert.equal(invalidWebviewMessage({ type: 'control', action: 'stepEpoch' }), null);
    assert.equal(invalidWebviewMessage({ type: 'saveFile', fileName: 'loss.svg', format: 'svg', data: '<svg/>' }), null);
  });
  it('rejects unknown types and bad fields with a reason', () => {
    assert.match(invalidHostMessage({ type: 'explode' })!, /unknown message type "explode"/);
    assert.match(invalidHostMessage({ type: 'events', sessionId: 's', events: [1] })!, /events/);
    assert.match(invalidHostMessage(null)!, /not an object/);
    assert.match(invalidWebviewMessage({ type: 'control', action: 'rewind' })!, /unknown action "rewind"/);
    assert.match(invalidWebviewMessage({ type: 'saveFile', fileName: '../etc/passwd', format: 'svg', data: '' })!, /plain file name/);
    assert.match(invalidWebviewMessage({ type: 'selectStep', step: -1 })!, /non-negative/);
  });
  it('maps every control to the debug toolbar command', () => {
    assert.deepEqual(CONTROL_COMMANDS, {
      continue: 'workbench.action.debug.continue',
      pause: 'workbench.action.debug.pause',
      stepBatch: 'workbench.action.debug.stepInto',
      stepEpoch: 'workbench.action.debug.stepOver',
      stop: 'workbench.action.debug.stop',
    });
  });
});

describe('LTTB downsampling', () => {
  it('keeps the ends, returns at most the threshold, and keeps a lone spike', () => {
    const xs = Array.from({ length: 10_000 }, (_, i) => i);
    const ys = xs.map((i) => (i === 6_543 ? 1000 : Math.sin(i / 100)));
    const picked = lttbIndices(xs, ys, 200);
    assert.equal(picked.length, 200);
    assert.equal(picked[0], 0);
    assert.equal(picked[picked.length - 1], 9_999);
    assert.ok(picked.includes(6_543), 'the spike survives');
    assert.deepEqual(
      [...picked].sort((a, b) => a - b),
      picked,
      'ascending',
    );
  });
  it('skips non-finite values, and non-positive ones for log scales', () => {
    const ys = [1, NaN, 2, Infinity, 0, -1, 3];
    assert.deepEqual(lttbIndices([0, 1, 2, 3, 4, 5, 6], ys, 100), [0, 2, 4, 5, 6]);
    assert.deepEqual(lttbIndices([0, 1, 2, 3, 4, 5, 6], ys, 100, true), [0, 2, 6]);
  });
  it('draws one density where the steps are unevenly spaced (every step at first, then every 11th)', () => {
    const xs = [...Array.from({ length: 170 }, (_, i) => i + 1), ...Array.from({ length: 200 }, (_, i) => 171 + 11 * (i + 1))];
    const ys = xs.map((x) => 1 + Math.sin(x / 7));
    const count = uniformPointCount(xs, 600);
    assert.equal(count, Math.floor((xs[xs.length - 1] - 1) / 11) + 2, 'the sparse stretch sets the count');
    const picked = lttbIndices(xs, ys, count).map((i) => xs[i]);
    const gaps = picked.slice(1).map((x, i) => x - picked[i]);
    const early = gaps.slice(0, 10).reduce((a, b) => a + b) / 10;
    const late = gaps.slice(-10).reduce((a, b) => a + b) / 10;
    assert.ok(early > 0.7 * late && early < 1.5 * late, `drawn gaps: ${early} steps at first, ${late} later`);
    // Evenly spaced steps keep every point up to the budget.
    assert.equal(uniformPointCount([1, 2, 3, 4, 5], 600), 6);
    assert.equal(
      uniformPointCount(
        Array.from({ length: 5000 }, (_, i) => i),
        300,
      ),
      300,
    );
  });
});

describe('step columns (typed)', () => {
  it('thins the older half 2:1 past its capacity and keeps recent rows exact', () => {
    const t = new StepSeries(100);
    for (let s = 1; s <= 101; s++) t.push(step(s, { loss: s * 2 }));
    assert.equal(t.length, 76);
    assert.equal(t.loss.length, 76);
    assert.equal(t.layerGradNorm.get('a')!.length, 76);
    assert.deepEqual(t.steps.slice(0, 3), [1, 3, 5]);
    assert.deepEqual(t.steps.slice(-3), [99, 100, 101]);
    assert.equal(t.valueAt(t.loss, 100), 200);
    assert.equal(t.valueAt(t.loss, 2), 2, 'step 2 was thinned: the row at or before it is step 1');
  });
  it('keeps each metric and layer in its own column, aligned, NaN where a step did not measure it', () => {
    const t = new StepSeries(1000);
    t.push(step(1, { metrics: {} }));
    t.push(step(2, { metrics: { accuracy: 0.5 }, layers: [{ name: 'a', className: 'Dense', activation: 'relu', gradNorm: 3 }] }));
    assert.deepEqual([...t.metrics.keys()], ['accuracy']);
    assert.deepEqual(t.metrics.get('accuracy'), [NaN, 0.5], 'a metric that appears late is padded');
    assert.deepEqual(t.layerGradNorm.get('b'), [0.5, NaN], 'a layer a step did not report gets NaN');
    assert.deepEqual(t.layerGradNorm.get('a'), [1e-9, 3]);
    assert.deepEqual(t.learningRate, [0.1, 0.1]);
    assert.deepEqual(t.epoch, [1, 1]);
  });
  it('truncates from a step (step back) and clears per-name columns with the run', () => {
    const t = new StepSeries(1000);
    for (let s = 1; s <= 10; s++) t.push(step(s));
    t.truncateFrom(6);
    assert.deepEqual(t.steps, [1, 2, 3, 4, 5]);
    assert.equal(t.loss.length, 5);
    assert.equal(t.metrics.get('accuracy')!.length, 5);
    t.clear();
    assert.equal(t.length, 0);
    assert.equal(t.loss.length, 0);
    assert.equal(t.layerGradNorm.size, 0);
  });
  it('keeps activation statistics per layer as typed columns, only for steps that measured them', () => {
    const t = new ActivationSeries(1000);
    assert.equal(t.push(step(1)), false, 'no activation statistics: no row');
    const activationStats = { mean: 0.4, std: 0.5, min: 0, max: 2, zeroFraction: 0.3, deadFraction: 0.1, saturatedFraction: null, nonFinite: 0 };
    assert.equal(t.push(step(10, { detailed: true, layers: [{ name: 'a', className: 'Dense', activation: 'relu', gradNorm: 1, activationStats }] })), true);
    assert.deepEqual(t.steps, [10]);
    const a = t.layers.get('a')!;
    assert.deepEqual([a.mean, a.std, a.min, a.max, a.zeroFraction, a.deadFraction, a.saturatedFraction], [[0.4], [0.5], [0], [2], [0.3], [0.1], [NaN]]);
  });
});

describe('webview Store', () => {
  const header: TrainerEvent = {
    type: 'header',
    topology: {
      name: 'm',
      inputs: ['in'],
      outputs: ['b'],
      totalParams: 20,
      trainableParams: 20,
      layers: [
        { name: 'in', className: 'InputLayer', activation: null, inputs: [], outputShape: [null, 2], paramCount: 0, trainable: false },
        { name: 'a', className: 'Dense', activation: 'relu', inputs: ['in'], outputShape: [null, 4], paramCount: 12, trainable: true },
        { name: 'b', className: 'Dense', activation: null, inputs: ['a'], outputShape: [null, 2], paramCount: 8, trainable: true },
      ],
    },
    settings: {
      modelFile: 'm',
      epochs: 1,
      maxSteps: null,
      batchSize: 32,
      seed: 1,
      shuffle: true,
      statsEvery: 10,
      histogramsEvery: 100,
      optimizer: 'sgd',
      learningRate: 0.1,
      loss: 'mse',
      metrics: ['accuracy'],
      dataDescription: '',
      trainSamples: 1,
      validationSamples: 0,
      testSamples: 0,
    },
    backend: { name: 'wasm', requested: 'auto', reasons: [], addedKernels: [] },
  };
  it('follows the latest step, pins on request, rewinds on a step back', () => {
    const store = new Store();
    store.apply([header, ...[1, 2, 3, 4].map((n) => ({ type: 'step', stats: step(n) }) as TrainerEvent)]);
    assert.equal(store.currentStep, 4);
    store.pinStep(2);
    assert.equal(store.currentStep, 2);
    store.apply([{ type: 'step', stats: step(5) }]);
    assert.equal(store.currentStep, 2, 'pinned while training goes on');
    store.pinStep(5);
    assert.equal(store.pinnedStep, null, 'the last step means follow the latest');
    store.apply([{ type: 'step', stats: step(3, { loss: 42 }) }]);
    assert.deepEqual(store.series.steps, [1, 2, 3]);
    assert.equal(store.series.valueAt(store.series.loss, 3), 42);
  });
  it('keeps detailed records for lookups: a pause replaces its step, histograms at or before a step, a step back drops later ones', () => {
    const store = new Store();
    const weights = [weightWithGradHistogram()];
    store.apply([
      header,
      ...[1, 2, 3, 4, 5, 6].map(
        (n) => ({ type: 'step', stats: step(n, { detailed: n % 2 === 0, withHistograms: n === 2, weights: n === 2 ? weights : [] }) }) as TrainerEvent,
      ),
    ]);
    assert.equal(store.detailAt(5)?.step, 4);
    assert.equal(store.detailAt(null)?.step, 6);
    assert.equal(store.detailAt(1), undefined);
    assert.equal(store.histogramsAt(6)?.step, 2);
    store.apply([
      { type: 'stopped', reason: 'pause', step: 6, epoch: 1, batch: 5, stats: step(6, { detailed: true, withHistograms: true, weights, loss: 7 }) },
    ]);
    assert.equal(store.histogramsAt(null)?.step, 6, 'the pause’s full record replaced the step’s');
    assert.equal(store.detailAt(6)?.loss, 7);
    store.apply([{ type: 'step', stats: step(3) }]);
    assert.equal(store.detailAt(null)?.step, 2, 'a step back drops the records it replays');
  });
  it('a restored event rewinds to its step; a learningRate event changes the rate shown', () => {
    const store = new Store();
    store.apply([header, ...[1, 2, 3, 4].map((n) => ({ type: 'step', stats: step(n) }) as TrainerEvent)]);
    store.apply([
      { type: 'restored', epoch: 1, step: 2, fromStep: 4 },
      { type: 'stopped', reason: 'step', step: 2, epoch: 1, batch: 0 },
    ]);
    assert.deepEqual(store.series.steps, [1, 2]);
    assert.equal(store.currentStep, 2);
    store.apply([{ type: 'learningRate', step: 2, from: 0.1, to: 0.025 }]);
    assert.equal(store.position.learningRate, 0.025, 'the rate the header shows');
    assert.equal(store.settings?.learningRate, 0.1, 'the settings stay what the run started with');
    assert.ok(store.takeChanges().has('run'));
    store.apply([{ type: 'step', stats: step(3) }]);
    assert.deepEqual(store.series.steps, [1, 2, 3]);
  });

  it('colours a layer vanishing from its RMS gradient and from an open diagnostic', () => {
    const store = new Store();
    store.apply([header, { type: 'step', stats: step(1) }]);
    assert.equal(store.healthAt(1).get('a'), 'vanishing', 'RMS 3e-10 vs 0.18');
    assert.equal(store.healthAt(1).get('b'), 'healthy');
    assert.equal(store.healthAt(1).get('in'), 'none');
    const diagnostic: TrainingDiagnostic = {
      id: 'x',
      kind: 'exploding-gradient',
      severity: 'warning',
      state: 'open',
      step: 2,
      epoch: 1,
      batch: 1,
      layers: ['b'],
      evidence: {},
      explanation: '',
      remedies: [],
      count: 1,
    };
    store.apply([
      { type: 'step', stats: step(2) },
      { type: 'diagnostic', diagnostic },
    ]);
    assert.equal(store.healthAt(2).get('b'), 'exploding');
    assert.equal(store.healthAt(1).get('b'), 'healthy', 'not before the diagnostic opened');
    store.apply([
      { type: 'step', stats: step(3) },
      { type: 'diagnostic', diagnostic: { ...diagnostic, state: 'closed', step: 3 } },
    ]);
    assert.equal(store.healthAt(3).get('b'), 'healthy');
  });
});

describe('host SessionEventStore', () => {
  it('keeps what the views need, bounded, and starts over at a new header', () => {
    const store = new SessionEventStore({ maxSteps: 100, maxHistogramRecords: 2 });
    assert.equal(store.add({ type: 'log', level: 'info', message: 'x' }), false);
    store.add({ type: 'header' } as TrainerEvent);
    for (let n = 1; n <= 300; n++) {
      const withHistograms = n % 50 === 0;
      const stats = step(n, {
        detailed: n % 10 === 0,
        withHistograms,
        weights: withHistograms ? [weightWithGradHistogram()] : [],
      });
      store.add({ type: 'step', stats });
    }
    const events = store.all();
    const steps = events.filter((e) => e.type === 'step').map((e) => (e as { stats: StepStats }).stats);
    assert.ok(steps.length <= 100, `${steps.length} step events kept`);
    assert.equal(steps[steps.length - 1].step, 300, 'the latest step is kept');
    assert.ok(steps.filter((s) => s.detailed).length >= 25, 'detailed steps are kept first');
    const withHistograms = steps.filter((s) => s.weights.some((w) => w.gradHistogram));
    assert.deepEqual(
      withHistograms.map((s) => s.step),
      [250, 300],
      'histograms only on the latest 2',
    );
    assert.equal(events[0].type, 'header');
    store.add({ type: 'header' } as TrainerEvent);
    assert.equal(store.size, 1);
  });
});

describe('webview HTML and CSP', () => {
  it('allows only the nonce script and the webview origin', () => {
    const html = webviewHtml({
      cspSource: 'https://x.vscode-cdn.net',
      scriptUri: 'https://x/webview.js',
      styleUri: 'https://x/webview.css',
      nonce: 'abc123',
      view: 'inspector',
      title: 'Gradients',
    });
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1];
    assert.equal(csp, contentSecurityPolicy('https://x.vscode-cdn.net', 'abc123'));
    const directives = new Map(
      csp
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([k, ...v]) => [k, v]),
    );
    assert.deepEqual(directives.get('default-src'), ["'none'"]);
    assert.deepEqual(directives.get('script-src'), ["'nonce-abc123'"]);
    assert.deepEqual(directives.get('style-src'), ['https://x.vscode-cdn.net']);
    assert.ok(!csp.includes('unsafe'), 'no unsafe-inline / unsafe-eval');
    const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]);
    assert.deepEqual(scripts, [' nonce="abc123" src="https://x/webview.js"']);
    assert.ok(!/\son[a-z]+=/i.test(html), 'no inline event handlers');
    assert.match(html, /<body data-view="inspector">/);
  });
  it('embeds a trace that cannot close its script element', () => {
    const line = JSON.stringify({ kind: 'x', text: '</script><script>alert(1)</script>' });
    const embedded = embedTraceText(line);
    assert.ok(!embedded.includes('<'));
    assert.deepEqual(JSON.parse(embedded), JSON.parse(line));
    const html = buildReportHtml({
      traceText: line,
      traceName: 't.jsonl',
      title: 'a<b',
      script: 'var s="</script>";',
      css: 'body{}',
      theme: 'dark',
      nonce: 'n1',
    });
    assert.equal(html.match(/<\/script>/g)!.length, 3, 'only the three real closing tags');
    assert.match(html, /default-src 'none'; script-src 'nonce-n1'/);
  });
});
