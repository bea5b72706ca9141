import * as assert from 'node:assert/strict';
import type { StepStats } from '../../../src/shared/stats';
import { EpochTotals } from '../../../src/trainer/run/epochTotals';

const step = (batchSize: number, loss: number, accuracy: number, durationMs: number) =>
  ({ batchSize, loss, metrics: { accuracy }, durationMs }) as unknown as StepStats;

describe('EpochTotals', () => {
  it('means the batches weighted by their size (a short last batch counts less), sums the step time, and starts over', () => {
    const totals = new EpochTotals();
    assert.ok(Number.isNaN(totals.mean('loss')), 'NaN before the first batch');
    totals.add(step(32, 1.0, 0.5, 2));
    totals.add(step(32, 0.5, 0.75, 3));
    totals.add(step(16, 0.25, 1.0, 1));
    assert.equal(totals.mean('loss'), (32 * 1.0 + 32 * 0.5 + 16 * 0.25) / 80);
    assert.equal(totals.mean('accuracy'), (32 * 0.5 + 32 * 0.75 + 16 * 1.0) / 80);
    assert.equal(totals.trainMs, 6);
    assert.equal(totals.mean('unknown'), 0);
    totals.reset();
    assert.ok(Number.isNaN(totals.mean('loss')));
    assert.equal(totals.trainMs, 0);
  });
});
