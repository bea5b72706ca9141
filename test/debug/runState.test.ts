// What the debugger shows, folded from the trainer's events: a step back
// (`restored`) and a learning-rate change (`learningRate`).
import * as assert from 'node:assert/strict';
import type { TrainerEvent } from '../../src/shared/protocol';
import type { EpochStats, StepStats } from '../../src/shared/stats';
import { RunState } from '../../src/debug/runState';

const PER_EPOCH = 4;

function step(n: number): TrainerEvent {
  const stats: Partial<StepStats> = {
    step: n,
    epoch: Math.ceil(n / PER_EPOCH),
    batch: (n - 1) % PER_EPOCH,
    batchesPerEpoch: PER_EPOCH,
    loss: 1 / n,
    learningRate: 0.1,
    detailed: false,
  };
  return { type: 'step', stats: stats as StepStats };
}

function epoch(e: number): TrainerEvent {
  const stats: Partial<EpochStats> = { epoch: e, step: e * PER_EPOCH, loss: 1 / e };
  return { type: 'epoch', stats: stats as EpochStats };
}

describe('debug: run state', () => {
  it('a step back shows the restored point: the last step and the epoch before it', () => {
    const state = new RunState();
    for (let n = 1; n <= 10; n++) {
      state.apply(step(n));
      if (n % PER_EPOCH === 0) state.apply(epoch(n / PER_EPOCH));
    }
    state.apply({ type: 'stopped', reason: 'pause', step: 10, epoch: 3, batch: 1 });
    // Back to the start of epoch 2: the weights are those after step 4.
    state.apply({ type: 'restored', epoch: 2, step: 4, fromStep: 10 });
    state.apply({ type: 'stopped', reason: 'step', step: 4, epoch: 2, batch: 0 });
    assert.equal(state.current?.step, 4);
    assert.equal(state.lastEpoch?.epoch, 1);
    assert.equal(state.stop?.step, 4);
  });

  it('a learningRate event is the rate the next update uses', () => {
    const state = new RunState();
    state.apply(step(1));
    assert.equal(state.learningRate, 0.1);
    state.apply({ type: 'learningRate', step: 1, from: 0.1, to: 0.01 });
    assert.equal(state.learningRate, 0.01);
  });
});
