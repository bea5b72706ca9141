// Unit tests of every diagnostic rule's edges, on hand-built statistics:
// first steps, constant loss, zero weights, single-layer models, lifecycle.
import * as assert from 'node:assert/strict';
import type { EpochStats, LayerStats, StepStats, WeightStats } from '../../src/shared/stats';
import { DiagnosticsEngine } from '../../src/runControl/diagnostics/engine';
import { resolveDiagnosticsConfig } from '../../src/shared/diagnosticsConfig';

interface LayerDef {
  name: string;
  params: number;
  gradNorm: number | null;
  activation?: string;
  dead?: number;
  saturated?: number | null;
  updateRatio?: number | null;
  nonFinite?: number;
}

function step(n: number, loss: number, layers: LayerDef[], detailed = true): StepStats {
  const weights: WeightStats[] = layers
    .filter((l) => l.params > 0)
    .map((l) => ({
      name: `${l.name}/kernel`,
      layer: l.name,
      shape: [l.params, 1],
      trainable: true,
      norm: 1,
      gradNorm: l.gradNorm,
      updateRatio: detailed ? (l.updateRatio ?? 1e-3) : null,
      gradNonFinite: 0,
      weightNonFinite: 0,
    }));
  const layerStats: LayerStats[] = layers.map((l) => ({
    name: l.name,
    className: 'Dense',
    activation: l.activation ?? 'relu',
    gradNorm: l.params > 0 ? l.gradNorm : null,
    activationStats: detailed
      ? { mean: 0.1, std: 1, min: 0, max: 1, zeroFraction: 0.3, deadFraction: l.dead ?? 0, saturatedFraction: l.saturated ?? null, nonFinite: l.nonFinite ?? 0 }
      : undefined,
  }));
  return {
    step: n,
    epoch: 1,
    batch: n - 1,
    batchesPerEpoch: 1000,
    batchSize: 32,
    loss,
    metrics: {},
    learningRate: 0.01,
    gradNorm: Math.hypot(...layers.map((l) => l.gradNorm ?? 0)),
    nonFinite: layers.reduce((a, l) => a + (l.nonFinite ?? 0), 0) + (Number.isFinite(loss) ? 0 : 1),
    detailed,
    withHistograms: false,
    layers: layerStats,
    weights,
    durationMs: 1,
    samplesSeen: 32 * n,
  };
}

const healthy = (): LayerDef[] => [
  { name: 'dense_1', params: 100, gradNorm: 0.5 },
  { name: 'dense_2', params: 100, gradNorm: 0.4 },
  { name: 'dense_3', params: 20, gradNorm: 0.3, activation: 'softmax' },
];

function run(engine: DiagnosticsEngine, steps: StepStats[]) {
  return steps.flatMap((s) => engine.onStep(s));
}

describe('diagnostic rules', () => {
  it('a healthy, converging run raises nothing', () => {
    const e = new DiagnosticsEngine();
    const out = run(
      e,
      Array.from({ length: 400 }, (_, i) => step(i + 1, 2 * Math.exp(-i / 50) + 0.05 * Math.sin(i), healthy())),
    );
    assert.deepEqual(out, []);
  });

  it('the first steps alone never raise gradient-history diagnostics', () => {
    const e = new DiagnosticsEngine();
    const wild = [1e-9, 1e3, 1e-6, 1e4, 1, 1e-8, 1e5, 1e-7, 1e2, 1e-9];
    const out = run(
      e,
      wild.map((g, i) =>
        step(i + 1, 1, [
          { name: 'a', params: 10, gradNorm: g },
          { name: 'b', params: 10, gradNorm: 1 },
        ]),
      ),
    );
    assert.deepEqual(
      out.map((d) => d.kind),
      [],
    );
  });

  it('non-finite fires at once, names the first layer in forward order, stays one diagnostic', () => {
    const e = new DiagnosticsEngine();
    const layers = healthy();
    const out = run(e, [step(1, 1, layers), step(2, NaN, [layers[0], { ...layers[1], nonFinite: 3 }, { ...layers[2], nonFinite: 5 }])]);
    assert.equal(out.length, 1);
    assert.equal(out[0].kind, 'non-finite');
    assert.equal(out[0].severity, 'error');
    assert.equal(out[0].step, 2);
    assert.deepEqual(out[0].layers, ['dense_2']);
    assert.equal(out[0].evidence.firstSeenIn, 'activations');
    // Every later NaN step keeps it active without new messages (until the periodic update).
    const later = run(
      e,
      Array.from({ length: 10 }, (_, i) => step(3 + i, NaN, layers)),
    );
    assert.deepEqual(later, []);
  });

  it('exploding gradients: a layer far above its own history, persistent', () => {
    const e = new DiagnosticsEngine();
    const normal = Array.from({ length: 40 }, (_, i) => step(i + 1, 1 - i * 0.01, healthy()));
    assert.deepEqual(run(e, normal), []);
    const blowup = [41, 42, 43].map((n, k) => step(n, 1, [{ ...healthy()[0], gradNorm: 50 * 10 ** k }, healthy()[1], healthy()[2]]));
    const out = run(e, blowup);
    assert.equal(out.length, 1, 'fires once, on the third consecutive step');
    assert.equal(out[0].kind, 'exploding-gradient');
    assert.equal(out[0].step, 43);
    assert.deepEqual(out[0].layers, ['dense_1']);
    assert.ok((out[0].evidence.factor as number) > 10);
  });

  it('a single spike does not fire exploding-gradient', () => {
    const e = new DiagnosticsEngine();
    run(
      e,
      Array.from({ length: 40 }, (_, i) => step(i + 1, 1, healthy())),
    );
    const out = run(e, [step(41, 1, [{ ...healthy()[0], gradNorm: 100 }, ...healthy().slice(1)]), step(42, 1, healthy()), step(43, 1, healthy())]);
    assert.deepEqual(out, []);
  });

  it('vanishing gradients: early layers orders of magnitude below later ones while the loss is stuck', () => {
    const e = new DiagnosticsEngine();
    const layers: LayerDef[] = [
      { name: 'd1', params: 100, gradNorm: 1e-7, activation: 'sigmoid' },
      { name: 'd2', params: 100, gradNorm: 1e-5, activation: 'sigmoid' },
      { name: 'd3', params: 100, gradNorm: 1e-2, activation: 'sigmoid' },
      { name: 'out', params: 20, gradNorm: 0.1, activation: 'softmax' },
    ];
    const out = run(
      e,
      Array.from({ length: 40 }, (_, i) => step(i + 1, 0.69, layers)),
    );
    const v = out.filter((d) => d.kind === 'vanishing-gradient');
    assert.equal(v.length, 1);
    assert.deepEqual(v[0].layers, ['d1', 'd2']);
    assert.equal(v[0].evidence.strongestLayer, 'out');
  });

  it("an update's explanation quotes the numbers of the step it is at, not the opening step's", () => {
    const e = new DiagnosticsEngine();
    const layers = (early: number): LayerDef[] => [
      { name: 'd1', params: 100, gradNorm: early, activation: 'sigmoid' },
      { name: 'd2', params: 100, gradNorm: 1e-5, activation: 'sigmoid' },
      { name: 'd3', params: 100, gradNorm: 1e-2, activation: 'sigmoid' },
      { name: 'out', params: 20, gradNorm: 0.1, activation: 'softmax' },
    ];
    const out = run(
      e,
      Array.from({ length: 200 }, (_, i) => step(i + 1, 0.69, layers(i < 40 ? 1e-7 : 3e-9))),
    );
    const v = out.filter((d) => d.kind === 'vanishing-gradient');
    assert.ok(v.length >= 2, `an open and at least one update, got ${v.length}`);
    const [opened, updated] = [v[0], v[v.length - 1]];
    assert.ok(updated.step > 40, `the update is at step ${updated.step}`);
    assert.notDeepEqual(updated.evidence, opened.evidence);
    assert.notEqual(updated.explanation, opened.explanation);
    for (const [key, value] of Object.entries(updated.evidence)) {
      if (typeof value === 'number' && opened.evidence[key] !== value)
        assert.ok(!opened.explanation.includes(String(value)) || updated.explanation.includes(String(value)), key);
    }
  });

  it('no vanishing-gradient once the loss has converged, nor with a single weighted layer', () => {
    const converged = new DiagnosticsEngine();
    const layers: LayerDef[] = [
      { name: 'd1', params: 100, gradNorm: 1e-9 },
      { name: 'out', params: 20, gradNorm: 0.1 },
    ];
    const losses = (i: number) => (i < 3 ? 2 : 0.01);
    assert.deepEqual(
      run(
        converged,
        Array.from({ length: 60 }, (_, i) => step(i + 1, losses(i), layers)),
      ).filter((d) => d.kind === 'vanishing-gradient'),
      [],
    );
    const single = new DiagnosticsEngine();
    assert.deepEqual(
      run(
        single,
        Array.from({ length: 60 }, (_, i) => step(i + 1, 1, [{ name: 'only', params: 10, gradNorm: 1e-12 }])),
      ),
      [],
    );
  });

  it('zero weights and zero gradients everywhere raise no division-by-zero diagnostics', () => {
    const e = new DiagnosticsEngine();
    const zero: LayerDef[] = [
      { name: 'a', params: 10, gradNorm: 0, updateRatio: 0 },
      { name: 'b', params: 10, gradNorm: 0, updateRatio: 0 },
    ];
    const out = run(
      e,
      Array.from({ length: 60 }, (_, i) => step(i + 1, 0.5, zero)),
    );
    assert.ok(
      out.every((d) => d.kind === 'learning-rate' || d.kind === 'plateau'),
      out.map((d) => d.kind).join(),
    );
  });

  it('dead ReLU: persistent, per layer, only on measured steps, and closes when it clears', () => {
    const e = new DiagnosticsEngine();
    const dead = (n: number, fraction: number, detailed = true) =>
      step(
        n,
        1,
        [
          { name: 'r1', params: 10, gradNorm: 0.1, dead: fraction },
          { name: 'out', params: 10, gradNorm: 0.1, activation: 'softmax' },
        ],
        detailed,
      );
    assert.deepEqual(run(e, [dead(1, 0.8), dead(2, 0.8, false), dead(3, 0.8)]), []);
    const opened = run(e, [dead(4, 0.8)]);
    assert.deepEqual(
      opened.map((d) => [d.kind, d.state, d.layers[0]]),
      [['dead-relu', 'open', 'r1']],
    );
    const closing = run(
      e,
      [5, 6, 7, 8, 9].map((n) => dead(n, 0.1)),
    );
    assert.deepEqual(
      closing.map((d) => [d.kind, d.state]),
      [['dead-relu', 'closed']],
    );
  });

  it('saturation ignores the output layer', () => {
    const e = new DiagnosticsEngine();
    const s = (n: number) =>
      step(n, 1, [
        { name: 'h', params: 10, gradNorm: 0.1, activation: 'tanh', saturated: 0.9 },
        { name: 'out', params: 10, gradNorm: 0.1, activation: 'sigmoid', saturated: 0.99 },
      ]);
    const out = run(e, [1, 2, 3].map(s));
    assert.deepEqual(
      out.map((d) => [d.kind, d.layers]),
      [['saturation', ['h']]],
    );
  });

  it('learning rate: too high is a warning, too low is info', () => {
    const high = new DiagnosticsEngine();
    const outHigh = run(
      high,
      Array.from({ length: 30 }, (_, i) =>
        step(
          i + 1,
          1 - i * 0.01,
          healthy().map((l) => ({ ...l, updateRatio: 0.5 })),
        ),
      ),
    );
    assert.deepEqual(
      outHigh.map((d) => [d.kind, d.severity, d.id]),
      [['learning-rate', 'warning', 'learning-rate:high']],
    );
    const low = new DiagnosticsEngine();
    const outLow = run(
      low,
      Array.from({ length: 30 }, (_, i) =>
        step(
          i + 1,
          1 - i * 0.01,
          healthy().map((l) => ({ ...l, updateRatio: 1e-9 })),
        ),
      ),
    );
    assert.deepEqual(
      outLow.map((d) => [d.kind, d.severity]),
      [['learning-rate', 'info']],
    );
  });

  it('plateau: a constant loss is reported once as info; a falling loss is not', () => {
    const flat = new DiagnosticsEngine();
    const out = run(
      flat,
      Array.from({ length: 300 }, (_, i) => step(i + 1, 0.7, healthy())),
    );
    assert.deepEqual(
      out.filter((d) => d.state === 'open').map((d) => [d.kind, d.severity, d.step]),
      [['plateau', 'info', 200]],
    );
    // While it holds, only a periodic count update (every 50 checks), never one per step.
    assert.deepEqual(
      out.filter((d) => d.state !== 'open').map((d) => [d.state, d.count]),
      [
        ['active', 50],
        ['active', 100],
      ],
    );
  });

  it('overfitting: validation loss rising for `patience` epochs while training loss falls', () => {
    const e = new DiagnosticsEngine();
    const epoch = (n: number, loss: number, valLoss: number): EpochStats => ({
      epoch: n,
      step: n * 10,
      loss,
      metrics: {},
      valLoss,
      valMetrics: {},
      durationMs: 1,
    });
    const out = [epoch(1, 1, 1), epoch(2, 0.8, 0.9), epoch(3, 0.7, 0.85), epoch(4, 0.6, 0.9), epoch(5, 0.5, 1.0), epoch(6, 0.4, 1.1)].flatMap((x) =>
      e.onEpoch(x),
    );
    assert.deepEqual(
      out.map((d) => [d.kind, d.epoch, d.evidence.bestEpoch]),
      [['overfitting', 6, 3]],
    );
    // One bad validation epoch after a good one is noise, not a trend.
    const spike = new DiagnosticsEngine();
    const noTrend = [epoch(1, 1, 1), epoch(2, 0.8, 0.9), epoch(3, 0.7, 0.85), epoch(4, 0.6, 0.84), epoch(5, 0.5, 1.3), epoch(6, 0.4, 0.84)].flatMap((x) =>
      spike.onEpoch(x),
    );
    assert.deepEqual(noTrend, []);
    const noisy = new DiagnosticsEngine();
    const none = [epoch(1, 1, 1), epoch(2, 0.8, 0.9), epoch(3, 0.7, 0.92), epoch(4, 0.6, 0.91)].flatMap((x) => noisy.onEpoch(x));
    assert.deepEqual(none, []);
    // Validation loss rising by 20% but still far below the training loss: no generalization gap, no overfitting.
    const below = new DiagnosticsEngine();
    const noGap = [
      epoch(1, 1, 0.2),
      epoch(2, 0.5, 0.05),
      epoch(3, 0.3, 0.045),
      epoch(4, 0.25, 0.044),
      epoch(5, 0.22, 0.05),
      epoch(6, 0.2, 0.055),
      epoch(7, 0.19, 0.06),
    ].flatMap((x) => below.onEpoch(x));
    assert.deepEqual(noGap, []);
  });

  it('config: overrides apply, typos are errors naming the field', () => {
    assert.equal(resolveDiagnosticsConfig({ 'dead-relu': { deadFraction: 0.9 } })['dead-relu'].deadFraction, 0.9);
    assert.equal(resolveDiagnosticsConfig({ plateau: false }).plateau.enabled, false);
    assert.throws(() => resolveDiagnosticsConfig({ 'dead-relu': { deadFraktion: 0.9 } }, 'x.nn.json'), /diagnostics\.dead-relu\.deadFraktion/);
    assert.throws(() => resolveDiagnosticsConfig({ vanishing: {} }), /unknown diagnostic 'vanishing'/);
  });
});
