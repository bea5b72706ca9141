// One source of truth for where a run is: the webview store (headers,
// timeline), the status bar and the debugger's run state (Variables, Call
// Stack) fold the same events into the same position, through a step back, a
// learning-rate change and a diagnostic's update. Pure: no browser.

import * as assert from 'node:assert/strict';
import { RunState } from '../../src/debug/runState';
import { stackFrames } from '../../src/debug/frames';
import { VariableStore } from '../../src/debug/variables';
import { applyTrainerEvent, formatStatusText, initialStatus } from '../../src/extension/trainingStatus';
import type { TrainerEvent } from '../../src/shared/protocol';
import type { StepStats, TrainingDiagnostic } from '../../src/shared/stats';
import { Store } from '../../webview-ui/store/store';
import { runTitle } from '../../webview-ui/views/statusBar';

const PER_EPOCH = 25;

const header = {
  type: 'header',
  topology: { name: 'm', layers: [], inputs: [], outputs: [], totalParams: 0, trainableParams: 0 },
  settings: { modelFile: '/w/m.nn.json', epochs: 20, learningRate: 0.1, optimizer: 'sgd', statsEvery: 10, histogramsEvery: 100 },
  backend: { name: 'wasm', requested: 'auto', reasons: [], addedKernels: [] },
} as unknown as TrainerEvent;

function step(n: number, learningRate = 0.1): TrainerEvent {
  const stats = {
    step: n,
    epoch: Math.ceil(n / PER_EPOCH),
    batch: (n - 1) % PER_EPOCH,
    batchesPerEpoch: PER_EPOCH,
    loss: 1 / n,
    learningRate,
    gradNorm: 1,
    metrics: {},
    nonFinite: 0,
    detailed: false,
    withHistograms: false,
    layers: [],
    weights: [],
    samplesSeen: 32 * n,
  } as unknown as StepStats;
  return { type: 'step', stats };
}

function diagnostic(step: number, ratio: number): TrainerEvent {
  const d: TrainingDiagnostic = {
    id: 'vanishing-gradient',
    kind: 'vanishing-gradient',
    severity: 'warning',
    state: step === 31 ? 'open' : 'active',
    step,
    epoch: Math.ceil(step / PER_EPOCH),
    batch: (step - 1) % PER_EPOCH,
    layers: ['dense_1'],
    evidence: { ratio },
    explanation: `ratio ${ratio}`,
    remedies: [],
    count: 1,
  };
  return { type: 'diagnostic', diagnostic: d };
}

/** Every reader's view of the run after `events`. */
function readers(events: TrainerEvent[]) {
  const store = new Store();
  store.apply(events);
  const state = new RunState();
  for (const e of events) state.apply(e);
  const status = events.reduce(applyTrainerEvent, initialStatus());
  const variables = new VariableStore(state);
  const training = variables.variables(variables.scopes('batch')[0].variablesReference);
  return { store, state, status, training };
}

describe('webview store: one position with the status bar and Variables', () => {
  const run = [header, ...Array.from({ length: 50 }, (_, i) => step(i + 1))];
  const paused: TrainerEvent[] = [...run, { type: 'stopped', reason: 'pause', step: 50, epoch: 2, batch: 24 }];

  it('after Step Back every reader says the restored step (25: epoch 1, batch 25/25)', () => {
    const back: TrainerEvent[] = [
      ...paused,
      { type: 'restored', epoch: 2, step: 25, fromStep: 50 },
      { type: 'stopped', reason: 'step', step: 25, epoch: 2, batch: 0 },
    ];
    const { store, state, status } = readers(back);
    assert.deepEqual([store.position.step, store.position.epoch, store.position.batch], [25, 1, 25]);
    assert.equal(store.currentStep, 25);
    assert.equal(store.series.lastStep, 25, 'the timeline ends at the restored step');
    assert.equal(store.epochAt(25), 1);
    assert.equal(formatStatusText(status), 'epoch 1/20 · batch 25/25 · loss 0.04 · wasm · paused');
    assert.deepEqual(state.position, store.position);
    // The Call Stack's batch frame says the same step.
    const frames = stackFrames({ ...state, settings: { ...state.settings!, epochs: 20 } } as RunState, () => null);
    assert.match(frames[0].name, /^batch 25\/25 \(step 25\)/);
    assert.match(frames[1].name, /^epoch 1\/20/);
  });

  it('Set Value on the learning rate reaches the header, Variables and the next step alike', () => {
    const changed: TrainerEvent[] = [...paused, { type: 'learningRate', step: 50, from: 0.1, to: 0.01 }];
    const { store, state, training } = readers(changed);
    assert.equal(store.position.learningRate, 0.01);
    assert.equal(state.learningRate, 0.01);
    assert.equal(training.find((v) => v.name === 'learning_rate')?.value, '0.01');
    assert.equal(runTitle(store), 'm · 0 layers · 0 params · wasm · sgd lr 0.01');
    // The store marks the header for a redraw.
    const fresh = new Store();
    fresh.apply(paused);
    fresh.takeChanges();
    fresh.apply([{ type: 'learningRate', step: 50, from: 0.1, to: 0.01 }]);
    assert.ok(fresh.takeChanges().has('run'));
    // The next step (resumed) ran with the new rate, and says so.
    assert.equal(readers([...changed, { type: 'resumed' }, step(51, 0.01)]).store.position.learningRate, 0.01);
  });

  it("a diagnostic's update replaces its evidence everywhere it is read", () => {
    const events: TrainerEvent[] = [...run, diagnostic(31, 1e-6), diagnostic(50, 3e-9)];
    const { store, state } = readers(events);
    const [latest] = store.diagnosticsAt(null);
    assert.deepEqual([latest.step, latest.evidence.ratio, latest.explanation], [50, 3e-9, 'ratio 3e-9']);
    assert.deepEqual(state.diagnostics.get('vanishing-gradient')?.evidence, { ratio: 3e-9 });
  });
});
