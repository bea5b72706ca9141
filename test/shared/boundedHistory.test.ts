// The one bounded history (the adapter's `neuralDebugger.history`, the host's
// per-session store, the webview's per-step records): every non-step entry
// stays; past the step bound the older half is thinned, light steps first;
// histograms stay on the latest records that carry them.
import * as assert from 'node:assert/strict';
import { BoundedHistory, STEP_STATS_ENTRIES, TRAINER_EVENT_ENTRIES } from '../../src/shared/boundedHistory';
import { EventHistory } from '../../src/debug/history';
import type { TrainerEvent } from '../../src/shared/protocol';
import type { StepStats } from '../../src/shared/stats';
import { weightWithGradHistogram } from './trace/sampleRecords';

function stats(step: number, detailed: boolean, withHistograms = false): StepStats {
  const weights = withHistograms ? [weightWithGradHistogram()] : [];
  return { step, epoch: 1, batch: step - 1, detailed, withHistograms, layers: [], weights } as unknown as StepStats;
}
const stepEvent = (step: number, detailed: boolean, withHistograms = false): TrainerEvent => ({ type: 'step', stats: stats(step, detailed, withHistograms) });
const stepsOf = (events: readonly TrainerEvent[]) => events.flatMap((e) => (e.type === 'step' ? [e.stats] : []));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('shared: bounded history', () => {
  it('keeps at most maxSteps steps, thinning the older half’s light steps first; every other event stays', () => {
    const h = new BoundedHistory(TRAINER_EVENT_ENTRIES, { maxSteps: 100, maxHistogramRecords: 10 });
    h.add({ type: 'progress', message: 'loading data' });
    for (let i = 1; i <= 150; i++) {
      h.add(stepEvent(i, i % 10 === 0));
      if (i === 75) h.add({ type: 'log', level: 'info', message: 'half way' });
      assert.ok(h.steps <= 100, `${h.steps} steps kept after step ${i}`);
    }
    const events = h.all();
    const steps = stepsOf(events).map((s) => s.step);
    assert.equal(steps.length, h.steps);
    assert.equal(h.dropped, 150 - steps.length);
    assert.ok(h.dropped > 0);
    // Every detailed step survives: light ones were plentiful.
    assert.deepEqual(
      stepsOf(events)
        .filter((s) => s.detailed)
        .map((s) => s.step),
      range(1, 15).map((k) => 10 * k),
    );
    // The oldest step and the newer half stay; order is preserved.
    assert.equal(steps[0], 1);
    assert.deepEqual(steps.slice(-50), range(101, 150));
    assert.deepEqual(
      steps,
      [...steps].sort((a, b) => a - b),
    );
    assert.equal(events[0].type, 'progress');
    assert.ok(events.some((e) => e.type === 'log'));
  });

  it('thins every other step of the older half when (nearly) every step is detailed', () => {
    const h = new BoundedHistory(TRAINER_EVENT_ENTRIES, { maxSteps: 10, maxHistogramRecords: 0 });
    for (let i = 1; i <= 25; i++) h.add(stepEvent(i, true));
    const steps = stepsOf(h.all()).map((s) => s.step);
    assert.ok(steps.length <= 10 && steps.length >= 5, `${steps.length} steps`);
    assert.equal(steps[0], 1, 'the run stays visible from its start');
    assert.equal(steps[steps.length - 1], 25);
    assert.deepEqual(
      steps,
      [...steps].sort((a, b) => a - b),
    );
  });

  it('keeps histograms on the latest records that carry them, pauses included, and strips older ones', () => {
    const h = new BoundedHistory(TRAINER_EVENT_ENTRIES, { maxSteps: 100, maxHistogramRecords: 2 });
    for (let n = 1; n <= 300; n++) {
      h.add(stepEvent(n, n % 10 === 0, n % 50 === 0));
      if (n === 260) h.add({ type: 'stopped', reason: 'pause', step: 260, epoch: 1, batch: 259, stats: stats(260, true, true) });
    }
    const events = h.all();
    const carriers = events.flatMap((e) =>
      (e.type === 'step' || e.type === 'stopped') && e.stats?.weights.some((w) => w.gradHistogram) ? [`${e.type}:${e.stats.step}`] : [],
    );
    assert.deepEqual(carriers, ['stopped:260', 'step:300']);
    // A stripped record keeps its other numbers and says it has no histograms.
    const stripped = stepsOf(events).find((s) => s.step === 250)!;
    assert.equal(stripped.withHistograms, false);
    assert.equal(stripped.weights.length, 1);
    assert.equal(stepsOf(events).length <= 100, true);
    assert.ok(
      events.some((e) => e.type === 'stopped'),
      'a pause is not a step: it stays',
    );
  });

  it('spares the records that carry histograms when thinning, and never loops on tiny bounds', () => {
    const h = new BoundedHistory(STEP_STATS_ENTRIES, { maxSteps: 8, maxHistogramRecords: 3 });
    for (let n = 1; n <= 200; n++) h.add(stats(n, true, n % 20 === 0));
    const kept = h.view;
    assert.ok(h.steps <= 8);
    assert.deepEqual(
      kept.filter((s) => s.withHistograms).map((s) => s.step),
      [160, 180, 200],
    );
    const one = new BoundedHistory(STEP_STATS_ENTRIES, { maxSteps: 1, maxHistogramRecords: 0 });
    for (let n = 1; n <= 5; n++) one.add(stats(n, false));
    assert.deepEqual(
      one.view.map((s) => s.step),
      [5],
    );
  });

  it('retain drops entries (a step back) and keeps the counts right', () => {
    const h = new BoundedHistory(STEP_STATS_ENTRIES, { maxSteps: 100, maxHistogramRecords: 5 });
    for (let n = 1; n <= 10; n++) h.add(stats(n, true, n % 2 === 0));
    h.retain((s) => s.step < 6);
    assert.equal(h.steps, 5);
    assert.deepEqual(
      h.view.filter((s) => s.withHistograms).map((s) => s.step),
      [2, 4],
    );
  });

  it('rejects bounds that are not counts, naming the field', () => {
    assert.throws(() => new BoundedHistory(STEP_STATS_ENTRIES, { maxSteps: 0, maxHistogramRecords: 1 }), /maxSteps must be a positive integer, got 0/);
    assert.throws(
      () => new BoundedHistory(STEP_STATS_ENTRIES, { maxSteps: 10, maxHistogramRecords: 1.5 }),
      /maxHistogramRecords must be a non-negative integer, got 1.5/,
    );
  });

  it('the adapter’s history keeps every kind of event (replies and logs too)', () => {
    const h = new EventHistory({ maxSteps: 10, maxHistogramRecords: 1 });
    h.add({ type: 'log', level: 'info', message: 'x' });
    h.add({ type: 'reply', requestId: 1, ok: true, result: null });
    assert.equal(h.size, 2);
  });
});
