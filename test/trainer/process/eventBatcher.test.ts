// The trainer's step events leave in batches, in order; anything else leaves
// at once, after the steps before it; a slow run's steps are not held back.

import * as assert from 'node:assert/strict';
import type { TrainerEvent, TrainerMessage } from '../../../src/shared/protocol';
import { EventBatcher } from '../../../src/trainer/eventBatcher';

function step(n: number): TrainerEvent {
  return { type: 'step', stats: { step: n } } as unknown as TrainerEvent;
}

function unwrap(messages: TrainerMessage[]): TrainerEvent[] {
  return messages.flatMap((m) => (m.type === 'batch' ? m.events : [m]));
}

describe('EventBatcher', () => {
  let now = 0;
  let posted: TrainerMessage[];
  let batcher: EventBatcher;
  beforeEach(() => {
    now = 1000;
    posted = [];
    batcher = new EventBatcher((m) => posted.push(m), 25, () => now);
  });
  afterEach(() => batcher.flush());

  it('sends the first step at once, holds the next ones until the interval is over, then sends them as one batch', async () => {
    batcher.send(step(1));
    assert.equal(posted.length, 1);
    for (let n = 2; n <= 50; n++) batcher.send(step(n));
    assert.equal(posted.length, 1, 'steps inside the interval are held');
    now += 25;
    await new Promise((resolve) => setTimeout(resolve, 40));
    assert.equal(posted.length, 2);
    assert.equal(posted[1].type, 'batch');
    assert.deepEqual(unwrap(posted).map((e) => (e.type === 'step' ? e.stats.step : -1)), Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('sends any other event at once, after the steps held before it', () => {
    batcher.send(step(1));
    batcher.send(step(2));
    batcher.send(step(3));
    batcher.send({ type: 'stopped', reason: 'pause', step: 3, epoch: 0, batch: 3 } as TrainerEvent);
    assert.deepEqual(unwrap(posted).map((e) => e.type), ['step', 'step', 'step', 'stopped']);
    batcher.send({ type: 'resumed' });
    assert.equal(unwrap(posted).length, 5);
  });

  it("sends every step of a slow run (steps further apart than the interval) the moment it is made", () => {
    for (let n = 1; n <= 5; n++) {
      batcher.send(step(n));
      assert.equal(unwrap(posted).length, n);
      now += 30;
    }
  });
});
