// Diagnostics measured on real training runs of the examples, not on made-up
// numbers: the broken examples raise what they are broken by (naming the
// layers), the healthy ones raise no warning.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseJsonc } from 'jsonc-parser';
import type { TrainingDiagnostic } from '../../../src/shared/stats';
import { DiagnosticsEngine } from '../../../src/runControl/diagnostics/engine';
import { ControllerHarness, tempDir } from '../run/harness';

const EXAMPLES = path.resolve(__dirname, '..', '..', '..', 'examples');

/** Runs an example (optionally with spec overrides) to the end and returns every diagnostic event. */
async function diagnosticsOf(example: string, overrides: { data?: object; training?: object } = {}, epochs?: number): Promise<TrainingDiagnostic[]> {
  let file = path.join(EXAMPLES, example);
  if (overrides.data || overrides.training) {
    const spec = parseJsonc(fs.readFileSync(file, 'utf8'));
    spec.data = { ...spec.data, ...overrides.data };
    spec.training = { ...spec.training, ...overrides.training };
    file = path.join(tempDir(), example);
    fs.writeFileSync(file, JSON.stringify(spec));
  }
  let engine: DiagnosticsEngine | null = null;
  const h = await ControllerHarness.start(
    { modelFile: file, epochs },
    {
      onStep: (s) => engine!.onStep(s),
      onEpoch: (e) => engine!.onEpoch(e),
      active: () => engine!.active(),
    },
  );
  engine = new DiagnosticsEngine(h.ctx.diagnosticsConfig, file);
  assert.equal(await h.done, 'completed');
  return h.events.flatMap((e) => (e.type === 'diagnostic' ? [e.diagnostic] : []));
}

const warnings = (ds: TrainingDiagnostic[]) => ds.filter((d) => d.severity !== 'info' && d.state === 'open');
const describe_ = (ds: TrainingDiagnostic[]) => ds.map((d) => `${d.kind}[${d.layers.join(',')}]@${d.step}`).join('; ');

describe('diagnostics on real training runs', () => {
  describe('broken examples raise what they are broken by', () => {
    it('deep-sigmoid → vanishing-gradient naming its early layers', async () => {
      const ds = await diagnosticsOf('deep-sigmoid.nn.json', {}, 4);
      const v = ds.find((d) => d.kind === 'vanishing-gradient' && d.state === 'open');
      assert.ok(v, describe_(ds));
      assert.equal(v.layers[0], 'dense_1');
      assert.ok(v.layers.length >= 3, `early layers: ${v.layers.join(', ')}`);
      assert.ok((v.evidence.ratio as number) < 1e-3);
      assert.ok(v.remedies.some((r) => /ReLU/.test(r)));
    });

    it('exploding → exploding-gradient and/or non-finite', async () => {
      const ds = await diagnosticsOf('exploding.nn.json', {}, 1);
      const hit = ds.find((d) => (d.kind === 'exploding-gradient' || d.kind === 'non-finite') && d.state === 'open');
      assert.ok(hit, describe_(ds));
      const nonFinite = ds.find((d) => d.kind === 'non-finite');
      if (nonFinite) assert.equal(nonFinite.severity, 'error');
    });

    it('dying-relu → dead-relu on its ReLU layers', async () => {
      const ds = await diagnosticsOf('dying-relu.nn.json', {}, 3);
      const dead = ds.filter((d) => d.kind === 'dead-relu' && d.state === 'open');
      assert.ok(dead.length >= 1, describe_(ds));
      assert.ok(dead.every((d) => /^dense_\d+$/.test(d.layers[0])));
      assert.ok((dead[0].evidence.deadFraction as number) >= 0.5);
    });

    it('overfit-tiny → overfitting', async () => {
      const ds = await diagnosticsOf('overfit-tiny.nn.json', {}, 40);
      const o = ds.find((d) => d.kind === 'overfitting' && d.state === 'open');
      assert.ok(o, describe_(ds));
      assert.ok((o.evidence.valLoss as number) > (o.evidence.bestValLoss as number));
      assert.ok((o.evidence.trainLoss as number) < (o.evidence.trainLossAtBest as number));
    });
  });

  describe('healthy examples raise no warning', () => {
    it('spiral-mlp', async () => {
      const ds = await diagnosticsOf('spiral-mlp.nn.json');
      assert.deepEqual(warnings(ds), [], describe_(ds));
    });

    it('sequence-lstm', async () => {
      const ds = await diagnosticsOf('sequence-lstm.nn.json');
      assert.deepEqual(warnings(ds), [], describe_(ds));
    });

    it('tiny-transformer', async () => {
      const ds = await diagnosticsOf('tiny-transformer.nn.json');
      assert.deepEqual(warnings(ds), [], describe_(ds));
    });

    it('mnist-cnn, one epoch', async function () {
      this.timeout(600_000);
      // The whole 57,000-image epoch (891 steps, ~75 s on wasm here); a 1,000-image test set keeps the end short.
      const ds = await diagnosticsOf('mnist-cnn.nn.json', { data: { testSamples: 1000 } }, 1);
      assert.deepEqual(warnings(ds), [], describe_(ds));
    });
  });
});
