import * as assert from 'node:assert/strict';
import type { TrainerEvent } from '../../src/shared/protocol';
import type { StepStats } from '../../src/shared/stats';
import {
  applyTrainerEvent,
  failureSummary,
  formatLoss,
  formatStatusText,
  formatStatusTooltip,
  initialStatus,
  throttle,
  type TrainingStatus,
} from '../../src/extension/trainingStatus';

function step(epoch: number, batch: number, loss: number): TrainerEvent {
  const stats: Partial<StepStats> = { step: (epoch - 1) * 25 + batch + 1, epoch, batch, batchesPerEpoch: 25, loss };
  return { type: 'step', stats: stats as StepStats };
}
const header = {
  type: 'header',
  topology: { name: 'm', layers: [], inputs: [], outputs: [], totalParams: 0, trainableParams: 0 },
  settings: { epochs: 30 },
  backend: { name: 'wasm', requested: 'auto', reasons: [], addedKernels: [] },
} as unknown as TrainerEvent;

function fold(events: TrainerEvent[]): TrainingStatus {
  return events.reduce(applyTrainerEvent, initialStatus());
}

describe('extension: status bar text', () => {
  it('says preparing until the first step', () => {
    assert.equal(formatStatusText(initialStatus()), 'preparing');
    assert.equal(fold([{ type: 'progress', message: 'loading data' }]).progress, 'loading data');
    assert.equal(formatStatusText(fold([header])), 'preparing · wasm · running');
  });

  it('shows epoch e/E · batch b/B (1-based) · loss · backend · state', () => {
    assert.equal(formatStatusText(fold([header, step(3, 11, 0.421337)])), 'epoch 3/30 · batch 12/25 · loss 0.4213 · wasm · running');
  });

  it('follows pause, resume and the end', () => {
    const paused = fold([header, step(1, 0, 2.5), { type: 'stopped', reason: 'step', step: 1, epoch: 1, batch: 0 }]);
    assert.equal(paused.state, 'paused');
    assert.match(formatStatusText(paused), / · paused$/);
    // A step arriving while paused (step back's replay) does not flip the state.
    assert.equal(applyTrainerEvent(paused, step(1, 1, 2.4)).state, 'paused');
    assert.equal(applyTrainerEvent(paused, { type: 'resumed' }).state, 'running');
    const finished = applyTrainerEvent(paused, { type: 'finished', reason: 'completed', steps: 1, epochs: 1, test: null });
    assert.match(formatStatusText(finished), / · finished$/);
    assert.equal(applyTrainerEvent(paused, { type: 'error', error: { message: 'x' }, fatal: true }).state, 'failed');
    assert.equal(applyTrainerEvent(paused, { type: 'error', error: { message: 'x' }, fatal: false }).state, 'paused');
  });

  it('a run that fails while preparing says "failed: <why>", the whole error in the tooltip', () => {
    const error = {
      file: '/w/examples/cifar10-cnn.nn.json',
      field: 'data.path',
      message: 'folder /w/examples/data/cifar-10-batches-bin does not exist; download the "CIFAR-10 binary version" …',
    };
    const failed = fold([
      { type: 'progress', message: 'loading data' },
      { type: 'error', error, fatal: true },
    ]);
    assert.equal(formatStatusText(failed), 'failed: data.path: folder …/cifar-10-batches-bin does not exist');
    const tooltip = formatStatusTooltip('Train cifar10-cnn', failed);
    assert.match(
      tooltip,
      /^Train cifar10-cnn: \/w\/examples\/cifar10-cnn\.nn\.json: error: data\.path: folder \/w\/examples\/data\/cifar-10-batches-bin does not exist; download/,
    );
    assert.doesNotMatch(tooltip, /loading data/);
    assert.equal(failureSummary({ message: 'x'.repeat(100) }).length, 60);
  });

  it('a step back shows the restored step, as the Call Stack and the timeline do', () => {
    const s = fold([
      header,
      step(1, 24, 0.8), // step 25, the last of epoch 1
      step(2, 4, 0.5),
      { type: 'stopped', reason: 'pause', step: 30, epoch: 2, batch: 4 },
      { type: 'restored', epoch: 2, step: 25, fromStep: 30 },
      { type: 'stopped', reason: 'step', step: 25, epoch: 2, batch: 0 },
    ]);
    assert.equal(formatStatusText(s), 'epoch 1/30 · batch 25/25 · loss 0.8 · wasm · paused');
    const toStart = fold([
      header,
      step(1, 3, 0.9),
      { type: 'restored', epoch: 1, step: 0, fromStep: 4 },
      { type: 'stopped', reason: 'step', step: 0, epoch: 1, batch: 0 },
    ]);
    assert.equal(formatStatusText(toStart), 'before the first batch · wasm · paused');
  });

  it('does not change the status it is given', () => {
    const before = initialStatus();
    applyTrainerEvent(before, header);
    assert.deepEqual(before, initialStatus());
  });

  it('formats losses readably', () => {
    assert.equal(formatLoss(null), '–');
    assert.equal(formatLoss(NaN), 'NaN');
    assert.equal(formatLoss(Infinity), '∞');
    assert.equal(formatLoss(-Infinity), '-∞');
    assert.equal(formatLoss(0), '0');
    assert.equal(formatLoss(0.69314718), '0.6931');
    assert.equal(formatLoss(12.3456), '12.35');
    assert.equal(formatLoss(0.000123456), '1.235e-4');
    assert.equal(formatLoss(123456789), '1.235e+8');
  });
});

describe('extension: throttle', () => {
  it('runs the first call at once and folds a burst into one trailing call', async () => {
    let calls = 0;
    const t = throttle(() => calls++, 50);
    t();
    assert.equal(calls, 1);
    for (let i = 0; i < 20; i++) t();
    assert.equal(calls, 1);
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(calls, 2);
    t.flush();
    assert.equal(calls, 3);
    t();
    t.cancel();
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(calls, 3);
  });
});
