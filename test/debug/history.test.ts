// The event history the `neuralDebugger.history` request returns is bounded:
// detail-less steps go first, every other event stays.
import * as assert from 'node:assert/strict';
import { EventHistory } from '../../src/debug/history';
import type { TrainerEvent } from '../../src/shared/protocol';
import type { StepStats } from '../../src/shared/stats';

function stepEvent(step: number, detailed: boolean): TrainerEvent {
  const stats = { step, epoch: 1, batch: step - 1, detailed } as unknown as StepStats;
  return { type: 'step', stats };
}

const stepsOf = (events: TrainerEvent[]) => events.flatMap((e) => (e.type === 'step' ? [e.stats] : []));

describe('debug adapter: event history', () => {
  it('keeps at most maxSteps steps, dropping the oldest detail-less ones first', () => {
    const h = new EventHistory(100);
    h.add({ type: 'progress', message: 'loading data' });
    for (let i = 1; i <= 150; i++) {
      h.add(stepEvent(i, i % 10 === 0));
      if (i === 75) h.add({ type: 'log', level: 'info', message: 'half way' });
      assert.ok(h.steps <= 100, `${h.steps} steps kept after step ${i}`);
    }
    const events = h.all();
    const steps = stepsOf(events);
    assert.equal(steps.length, h.steps);
    assert.equal(h.dropped, 150 - steps.length);
    // Every detailed step survives; the dropped ones are the oldest detail-less ones.
    assert.deepEqual(steps.filter((s) => s.detailed).map((s) => s.step), Array.from({ length: 15 }, (_, i) => 10 * (i + 1)));
    const keptPlain = steps.filter((s) => !s.detailed).map((s) => s.step);
    const allPlain = Array.from({ length: 150 }, (_, i) => i + 1).filter((n) => n % 10 !== 0);
    assert.deepEqual(keptPlain, allPlain.slice(allPlain.length - keptPlain.length));
    // Order is preserved and other events stay.
    assert.deepEqual(steps.map((s) => s.step), [...steps.map((s) => s.step)].sort((a, b) => a - b));
    assert.equal(events[0].type, 'progress');
    assert.ok(events.some((e) => e.type === 'log'));
  });

  it('drops the oldest detailed steps when every kept step is detailed', () => {
    const h = new EventHistory(10);
    for (let i = 1; i <= 25; i++) h.add(stepEvent(i, true));
    const steps = stepsOf(h.all()).map((s) => s.step);
    assert.ok(steps.length <= 10);
    assert.equal(steps[steps.length - 1], 25);
    assert.deepEqual(steps, Array.from({ length: steps.length }, (_, i) => 26 - steps.length + i));
  });
});
