// What Variables shows at a pause, from the run state alone (no adapter
// process): the batch as the Call Stack counts it, and an update ratio of 0
// that float32 rounding caused, said so.

import * as assert from 'node:assert/strict';
import { RunState } from '../../src/debug/runState';
import { stackFrames } from '../../src/debug/frames';
import { VariableStore } from '../../src/debug/variables';
import type { ModelTopology, RunSettings, StepStats, WeightStats } from '../../src/shared/stats';

function pausedState(weights: WeightStats[]): RunState {
  const state = new RunState();
  const topology: ModelTopology = {
    name: 'm',
    layers: [{ name: 'dense_1', className: 'Dense', activation: 'sigmoid', inputs: [], outputShape: [null, 4], paramCount: 12, trainable: true }],
    inputs: [],
    outputs: ['dense_1'],
    totalParams: 12,
    trainableParams: 12,
  };
  const settings = { modelFile: '/w/m.nn.json', epochs: 20, batchSize: 32, learningRate: 0.1, statsEvery: 10 } as RunSettings;
  state.apply({ type: 'header', topology, settings, backend: { name: 'cpu' } } as never);
  const stats = {
    step: 30,
    epoch: 2,
    batch: 4, // 0-based: the fifth batch
    batchesPerEpoch: 25,
    loss: 0.7,
    learningRate: 0.1,
    gradNorm: 1e-3,
    metrics: {},
    nonFinite: 0,
    detailed: true,
    withHistograms: false,
    layers: [{ name: 'dense_1', className: 'Dense', activation: 'sigmoid', gradNorm: 1e-3 }],
    weights,
    samplesSeen: 960,
  } as unknown as StepStats;
  state.apply({ type: 'stopped', reason: 'step', step: 30, epoch: 2, batch: 4, stats });
  return state;
}

const kernel = (updateRatio: number | null, gradNorm: number | null): WeightStats => ({
  name: 'dense_1/kernel',
  layer: 'dense_1',
  shape: [2, 4],
  trainable: true,
  norm: 1.3,
  gradNorm,
  updateRatio,
  gradNonFinite: 0,
  weightNonFinite: 0,
});

function expand(store: VariableStore, names: string[]): { name: string; value: string }[] {
  let vars = store.variables(store.scopes('batch').find((s) => s.name === names[0])!.variablesReference);
  for (const name of names.slice(1)) vars = store.variables(vars.find((v) => v.name === name)!.variablesReference);
  return vars;
}

describe('debug: Variables at a pause', () => {
  it('counts batches from 1, as the Call Stack does', () => {
    const state = pausedState([kernel(1e-3, 1e-3)]);
    const store = new VariableStore(state);
    const batch = expand(store, ['Training']).find((v) => v.name === 'batch');
    assert.equal(batch?.value, '5');
    assert.match(stackFrames(state, () => null)[0].name, /^batch 5\/25 \(step 30\)/);
  });

  it('labels an update ratio of 0 beside a gradient as below float32 resolution, and only that 0', () => {
    const rounded = new VariableStore(pausedState([kernel(0, 1e-3)]));
    assert.match(expand(rounded, ['Layers', 'dense_1', 'kernel']).find((v) => v.name === 'updateRatio')!.value, /^0 — the update is below float32 resolution/);
    assert.match(expand(rounded, ['Layers', 'dense_1']).find((v) => v.name === 'kernel')!.value, /updateRatio 0 \(< 6e-8, below float32 resolution\)/);
    const frozen = new VariableStore(pausedState([kernel(0, 0)]));
    assert.equal(expand(frozen, ['Layers', 'dense_1', 'kernel']).find((v) => v.name === 'updateRatio')!.value, '0');
  });
});
