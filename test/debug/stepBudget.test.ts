import * as assert from 'node:assert/strict';
import { DETAILED_STEPS_PER_SECOND, LIGHT_STEPS_PER_SECOND, StepBudget } from '../../src/debug/stepBudget';

describe('debug adapter: live step budget', () => {
  it('admits every step of a slow run', () => {
    let now = 0;
    const budget = new StepBudget(() => now);
    for (let i = 0; i < 500; i++) {
      now += 100; // 10 steps a second
      assert.ok(budget.admit(i % 10 === 0), `step ${i}`);
    }
  });

  it('thins a fast run to the light and detailed rates', () => {
    let now = 0;
    const budget = new StepBudget(() => now);
    let light = 0;
    let detailed = 0;
    for (let i = 0; i < 2300 * 10; i++) {
      now += 1000 / 2300; // 2,300 steps a second for 10 s, every 10th detailed
      const isDetailed = i % 10 === 0;
      if (budget.admit(isDetailed)) {
        if (isDetailed) detailed++;
        else light++;
      }
    }
    assert.ok(Math.abs(light - LIGHT_STEPS_PER_SECOND * 10) <= LIGHT_STEPS_PER_SECOND * 0.2, `${light} light steps`);
    assert.ok(Math.abs(detailed - DETAILED_STEPS_PER_SECOND * 10) <= DETAILED_STEPS_PER_SECOND * 0.2, `${detailed} detailed steps`);
  });
});
