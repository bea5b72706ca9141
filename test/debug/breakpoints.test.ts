// Function breakpoints (expressions, conditions, hit counts) and diagnostic
// exception filters, through the adapter over stdio.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { TRAINING_THREAD_ID } from '../../src/shared/debugEvents';
import type { StepStats } from '../../src/shared/stats';
import { tempDir, writeSpiralSpec } from '../trainer/run/harness';
import { EXAMPLES, NeuralClient } from './client';

/** 1-based step numbers after `after` where `holds` is true, in order. */
function stepsWhere(steps: StepStats[], after: number, holds: (s: StepStats) => boolean): number[] {
  return steps.filter((s) => s.step > after && holds(s)).map((s) => s.step);
}

describe('debug adapter: breakpoints', function () {
  let spec: string;
  let reference: StepStats[];
  let client: NeuralClient;

  before(async () => {
    spec = writeSpiralSpec(tempDir());
    // Reference run without breakpoints (same seed, so the same losses).
    const ref = await NeuralClient.start();
    await ref.launch({ program: spec, backend: 'wasm' });
    await ref.next('terminated');
    reference = ref.trainerEvents().flatMap((e) => (e.type === 'step' ? [e.stats] : []));
    assert.equal(reference.length, 18);
    assert.match(ref.output('console'), /finished after 18 steps/);
    await ref.stop();
  });
  beforeEach(async () => {
    client = await NeuralClient.start();
  });
  afterEach(async () => {
    await client.stop();
  });

  it('a function breakpoint `loss < X` stops on the first step where it holds; hit conditions and conditions narrow it', async () => {
    const losses = reference.map((s) => s.loss);
    const threshold = (losses[0] + Math.min(...losses)) / 2;
    const below = (s: StepStats) => s.loss < threshold;
    const expected = stepsWhere(reference, 0, below)[0];
    assert.ok(expected > 1);

    await client.launch({ program: spec, backend: 'wasm' }, { functionBreakpoints: [{ name: `loss < ${threshold}` }, { name: 'loss <' }] });
    const [good, bad] = client.functionBreakpoints;
    assert.equal(good.verified, true);
    assert.equal(bad.verified, false);
    assert.match(bad.message ?? '', /expected a number or a name after '<' at column 7/);

    const hit = await client.nextStop();
    assert.equal(hit.body.reason, 'breakpoint');
    assert.deepEqual(hit.body.hitBreakpointIds, [good.id]);
    let t = await client.training();
    assert.equal(t.step, expected);
    assert.equal(t.loss, Number(losses[expected - 1].toPrecision(6)));

    // Hit count: the 2nd later step where the loss is below X.
    let r = await client.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: `loss < ${threshold}`, hitCondition: '2' }] });
    assert.equal(r.body.breakpoints[0].verified, true);
    await client.dc.continueRequest({ threadId: TRAINING_THREAD_ID });
    await client.nextStop();
    t = await client.training();
    assert.equal(t.step, stepsWhere(reference, expected, below)[1]);

    // Condition, AND-ed with the expression: epoch 3, batch 3 (1-based; StepStats.batch 2).
    const from = t.step;
    r = await client.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'epoch == 3', condition: 'batch == 3' }] });
    assert.equal(r.body.breakpoints[0].verified, true);
    await client.dc.continueRequest({ threadId: TRAINING_THREAD_ID });
    await client.nextStop();
    t = await client.training();
    assert.deepEqual([t.epoch, t.batch], [3, 3]);
    assert.equal(t.step, stepsWhere(reference, from, (s) => s.epoch === 3 && s.batch === 2)[0]);

    // Running to the end: terminated.
    await client.dc.setFunctionBreakpointsRequest({ breakpoints: [] });
    await client.dc.continueRequest({ threadId: TRAINING_THREAD_ID });
    await client.next('terminated');
  });

  it('an invalid breakpoint is unverified with the reason: syntax, condition, hit count, unknown names', async () => {
    await client.launch({ program: spec, backend: 'wasm', stopOnEntry: true });
    await client.nextStop();
    const r = await client.dc.setFunctionBreakpointsRequest({
      breakpoints: [
        { name: '0 < loss < 1' },
        { name: 'loss < 1', condition: 'batch = 2' },
        { name: 'loss < 1', hitCondition: 'often' },
        { name: 'los < 1' },
        { name: 'layers.nope.gradNorm > 1' },
        { name: '' },
        { name: 'max(layers.*.gradNorm) > 1' },
      ],
    });
    const [chained, condition, hit, unknown, layer, empty, ok] = r.body.breakpoints as DebugProtocol.Breakpoint[];
    assert.match(chained.message ?? '', /comparisons cannot be chained/);
    assert.match(condition.message ?? '', /^condition: '=' at column 7 is not an operator; use '=='/);
    assert.match(hit.message ?? '', /^hit count: invalid hit condition 'often'/);
    assert.match(unknown.message ?? '', /did you mean 'loss'/);
    assert.match(layer.message ?? '', /unknown name 'layers.nope'/);
    assert.match(empty.message ?? '', /write an expression/);
    assert.deepEqual(
      [chained, condition, hit, unknown, layer, empty].map((b) => b.verified),
      [false, false, false, false, false, false],
    );
    assert.equal(ok.verified, true);
  });

  it('a breakpoint set before the run reads an unknown name: reported unverified once the names are known', async () => {
    await client.launch({ program: spec, backend: 'wasm', stopOnEntry: true }, { functionBreakpoints: [{ name: 'layers.dense_9.gradNorm > 1' }] });
    const [bp] = client.functionBreakpoints;
    assert.equal(bp.verified, true, 'the layer names are not known before the model is built');
    const changed = await client.next('breakpoint');
    assert.equal(changed.body.reason, 'changed');
    assert.equal(changed.body.breakpoint.id, bp.id);
    assert.equal(changed.body.breakpoint.verified, false);
    assert.match(changed.body.breakpoint.message, /unknown name 'layers.dense_9'/);
  });

  it('line breakpoints are refused with a hint to use function breakpoints', async () => {
    await client.launch({ program: spec, backend: 'wasm', stopOnEntry: true });
    await client.nextStop();
    const r = await client.dc.setBreakpointsRequest({ source: { path: spec }, breakpoints: [{ line: 3 }] });
    assert.equal(r.body.breakpoints[0].verified, false);
    assert.match(r.body.breakpoints[0].message ?? '', /function breakpoint/);
  });

  it('the vanishing-gradient filter stops deep-sigmoid with exceptionInfo naming dense_1, at its line', async () => {
    const file = path.join(EXAMPLES, 'deep-sigmoid.nn.json');
    await client.launch({ program: file, backend: 'wasm' }, { exceptionFilters: ['vanishing-gradient'] });
    const stop = await client.nextStop();
    assert.equal(stop.body.reason, 'exception');
    assert.match(stop.body.description ?? '', /vanishing-gradient/);
    const info = await client.dc.exceptionInfoRequest({ threadId: TRAINING_THREAD_ID });
    assert.equal(info.body.exceptionId, 'vanishing-gradient');
    assert.equal(info.body.breakMode, 'always');
    assert.match(info.body.description ?? '', /'dense_1'/);
    assert.match(info.body.details?.stackTrace ?? '', /evidence: .*layer=dense_1/);
    assert.match(info.body.details?.stackTrace ?? '', /remedies:\n {2}- /);
    // The top frame points at the first layer of the spec.
    const firstLayerLine =
      fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('"type": "dense"')) + 1;
    const frame = await client.topFrame();
    assert.equal(frame.line, firstLayerLine);
    assert.match(frame.name, /— vanishing-gradient$/);
    const diagnostics = await client.scope('Diagnostics');
    const entry = [...diagnostics.values()].find((v) => v.name.startsWith('vanishing-gradient [dense_1'));
    assert.ok(entry, [...diagnostics.keys()].join('; '));
    const details = await client.children(entry.variablesReference);
    assert.ok((await client.children(details.get('remedies')!.variablesReference)).size > 0);
    assert.match(client.output('console'), /warning: vanishing-gradient \[dense_1/);
  });

  it('non-finite is on by default: the exploding example stops with an exception at the step the loss overflows', async () => {
    await client.launch({ program: path.join(EXAMPLES, 'exploding.nn.json'), backend: 'wasm', steps: 30 });
    const stop = await client.nextStop();
    assert.equal(stop.body.reason, 'exception');
    const info = await client.dc.exceptionInfoRequest({ threadId: TRAINING_THREAD_ID });
    assert.equal(info.body.exceptionId, 'non-finite');
    const diagnostic = client.trainerEvents().find((e) => e.type === 'diagnostic' && e.diagnostic.kind === 'non-finite');
    assert.ok(diagnostic && diagnostic.type === 'diagnostic');
    assert.equal((await client.training()).step, diagnostic.diagnostic.step);
    // Turning the filter off while paused lets training run on to the end.
    await client.dc.setExceptionBreakpointsRequest({ filters: [] });
    await client.dc.continueRequest({ threadId: TRAINING_THREAD_ID });
    await client.next('terminated');
  });
});
