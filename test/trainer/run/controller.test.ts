// The stop/step control loop on a real model: pause, step a batch, step an
// epoch, breakpoints, learning-rate change, step back, tensor leaks.
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { ControllerHarness, tempDir, writeSpiralSpec } from './harness';

describe('training control loop', function () {
  let specFile: string;
  before(() => {
    specFile = writeSpiralSpec(tempDir());
  });

  it('stops on entry before the first step, then steps exactly one batch', async () => {
    const h = await ControllerHarness.start({ modelFile: specFile, stopOnEntry: true });
    const entry = await h.next('stopped');
    assert.equal(entry.reason, 'entry');
    assert.equal(h.steps().length, 0);
    h.send({ type: 'stepBatch' });
    const stopped = await h.next('stopped');
    assert.equal(stopped.reason, 'step');
    assert.equal(h.steps().length, 1);
    assert.deepEqual([stopped.step, stopped.epoch, stopped.batch], [1, 1, 0]);
    // The pause carries full statistics, histograms included.
    assert.ok(stopped.stats?.withHistograms);
    assert.ok(stopped.stats!.layers.every((l) => l.activationStats?.histogram));
    h.send({ type: 'stepBatch' });
    const again = await h.next('stopped');
    assert.deepEqual([again.step, again.batch, h.steps().length], [2, 1, 2]);
    h.send({ type: 'stop' });
    assert.equal(await h.done, 'stopped');
  });

  it('step epoch runs to the next epoch boundary, from mid-epoch and from a boundary', async () => {
    const h = await ControllerHarness.start({ modelFile: specFile, stopOnEntry: true });
    await h.next('stopped');
    const perEpoch = h.controller.batchesPerEpoch;
    assert.equal(perEpoch, 6); // 256 samples − 25% validation = 192 → 6 batches of 32
    h.send({ type: 'stepBatch' });
    await h.next('stopped');
    h.send({ type: 'stepEpoch' });
    const first = await h.next('stopped');
    assert.deepEqual([first.step, first.epoch, first.batch], [perEpoch, 1, perEpoch - 1]);
    assert.ok(h.events.some((e) => e.type === 'epoch' && e.stats.epoch === 1 && e.stats.valLoss !== null));
    h.send({ type: 'stepEpoch' });
    const second = await h.next('stopped');
    assert.deepEqual([second.step, second.epoch, second.batch], [2 * perEpoch, 2, perEpoch - 1]);
    h.send({ type: 'stop' });
    await h.done;
  });

  it('pause takes effect at the next batch boundary', async () => {
    const h = await ControllerHarness.start({ modelFile: specFile, epochs: 50 });
    await h.next('step', (e) => e.stats.step === 3);
    const stepsAtRequest = h.steps().length;
    h.send({ type: 'pause' });
    const stopped = await h.next('stopped');
    assert.equal(stopped.reason, 'pause');
    // At most the batch that was already running when the pause arrived.
    assert.ok(stopped.step - stepsAtRequest <= 1, `paused at step ${stopped.step}, requested after ${stepsAtRequest}`);
    const count = h.steps().length;
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(h.steps().length, count, 'no step runs while paused');
    h.send({ type: 'continue' });
    await h.next('step');
    h.send({ type: 'stop' });
    await h.done;
  });

  it("every pause carries the paused step's update ratios, also off the statistics schedule", async () => {
    // Reference: every step measured (statsEvery 1), same seed.
    const reference = await ControllerHarness.start({ modelFile: specFile, statsEvery: 1, steps: 5 });
    await reference.done;
    const measured = reference.steps()[4].weights;
    assert.ok(measured.every((w) => !w.trainable || (w.updateRatio !== null && w.updateRatio > 0)));

    const h = await ControllerHarness.start({ modelFile: specFile, statsEvery: 1000, breakpoints: [{ id: 1, condition: 'step == 5' }] });
    const stopped = await h.next('stopped');
    assert.equal(stopped.step, 5);
    assert.equal(h.steps()[4].weights.find((w) => w.trainable)?.updateRatio, null, 'the schedule did not measure step 5');
    const paused = stopped.stats!.weights;
    assert.equal(paused.length, measured.length);
    paused.forEach((w, i) => {
      if (!w.trainable) return assert.equal(w.updateRatio, null);
      assert.ok(
        Math.abs(w.updateRatio! - measured[i].updateRatio!) <= 1e-6 * measured[i].updateRatio!,
        `${w.name}: ${w.updateRatio} vs ${measured[i].updateRatio}`,
      );
    });
    h.send({ type: 'stop' });
    await h.done;
  });

  it('a breakpoint stops on the first step where its expression holds', async () => {
    // Reference run without breakpoints, same seed: find the first step with loss < threshold.
    const reference = await ControllerHarness.start({ modelFile: specFile });
    await reference.done;
    const losses = reference.steps().map((s) => s.loss);
    const threshold = (losses[0] + Math.min(...losses)) / 2;
    const expected = losses.findIndex((l) => l < threshold) + 1;
    assert.ok(expected > 1);

    const h = await ControllerHarness.start({
      modelFile: specFile,
      breakpoints: [
        { id: 1, condition: `loss < ${threshold}` },
        { id: 2, condition: 'epoch == 2 && batch == 1' },
      ],
    });
    const statuses = h.events.find((e) => e.type === 'breakpoints');
    assert.deepEqual(statuses && statuses.type === 'breakpoints' && statuses.statuses.map((s) => s.verified), [true, true]);
    const hits: [number | undefined, number][] = [];
    for (let i = 0; i < 2; i++) {
      const stopped = await h.next('stopped');
      hits.push([stopped.breakpointId, stopped.step]);
      // The pause's statistics come from an inspection pass that updates nothing: the update
      // ratios shown are the real step's (or absent), never a made-up 0.
      for (const w of stopped.stats!.weights.filter((w) => w.trainable)) assert.ok(w.updateRatio === null || w.updateRatio > 0, `${w.name}: ${w.updateRatio}`);
      assert.ok(stopped.stats!.withHistograms);
      // Only the per-layer detail is re-measured: loss, metrics, gradient norm and learning rate are the paused step's own.
      const paused = h.steps().find((s) => s.step === stopped.step)!;
      const { loss, metrics, gradNorm, learningRate } = stopped.stats!;
      assert.deepEqual(
        { loss, metrics, gradNorm, learningRate },
        { loss: paused.loss, metrics: paused.metrics, gradNorm: paused.gradNorm, learningRate: paused.learningRate },
      );
      if (stopped.breakpointId === 1) h.send({ type: 'setBreakpoints', requestId: 9, breakpoints: [{ id: 2, condition: 'epoch == 2 && batch == 1' }] });
      h.send({ type: 'continue' });
    }
    const perEpoch = h.controller.batchesPerEpoch;
    assert.deepEqual(
      hits.sort((a, b) => a[1] - b[1]),
      [
        [1, expected],
        [2, perEpoch + 1],
      ].sort((a, b) => (a[1] as number) - (b[1] as number)),
    );
    h.send({ type: 'stop' });
    await h.done;
  });

  it('reports a bad breakpoint expression as unverified with the parse error', async () => {
    const h = await ControllerHarness.start({ modelFile: specFile, stopOnEntry: true, breakpoints: [{ id: 4, condition: 'loss <' }] });
    const statuses = h.events.find((e) => e.type === 'breakpoints');
    assert.ok(statuses && statuses.type === 'breakpoints');
    assert.equal(statuses.statuses[0].verified, false);
    assert.match(statuses.statuses[0].message ?? '', /column/);
    h.send({ type: 'stop' });
    await h.done;
  });

  it('a learning-rate change takes effect on the next update', async () => {
    const sgdSpec = writeSpiralSpec(tempDir(), { training: { optimizer: { type: 'sgd', learningRate: 0.1 } } });
    const h = await ControllerHarness.start({ modelFile: sgdSpec, stopOnEntry: true });
    await h.next('stopped');
    h.send({ type: 'stepBatch' });
    const s1 = (await h.next('stopped')).stats!;
    const reply = await h.request({ type: 'setLearningRate', requestId: 1, value: 0.001 });
    assert.equal(reply.ok, true);
    h.send({ type: 'stepBatch' });
    const s2 = (await h.next('stopped')).stats!;
    assert.equal(s1.learningRate, 0.1);
    assert.equal(s2.learningRate, 0.001);
    // Plain SGD: ||ΔW|| = lr·||g||, so the update ratio scales with the learning rate.
    const kernel = (s: typeof s1) => s.weights.find((w) => w.name.endsWith('/kernel'))!;
    const step = (s: typeof s1) => kernel(s).updateRatio! * kernel(s).norm!;
    assert.ok(Math.abs(step(s1) / kernel(s1).gradNorm! - 0.1) / 0.1 < 0.02, `${step(s1) / kernel(s1).gradNorm!}`);
    assert.ok(Math.abs(step(s2) / kernel(s2).gradNorm! - 0.001) / 0.001 < 0.02, `${step(s2) / kernel(s2).gradNorm!}`);
    h.send({ type: 'stop' });
    await h.done;
  });

  it('step back restores the weights of the epoch start exactly, and training replays identically', async () => {
    const h = await ControllerHarness.start({ modelFile: specFile, stopOnEntry: true, shuffle: true });
    await h.next('stopped');
    h.send({ type: 'stepEpoch' });
    await h.next('stopped');
    const atEpochStart = await h.weights();
    h.send({ type: 'stepBatch' });
    await h.next('stopped');
    h.send({ type: 'stepBatch' });
    const firstTime = await h.next('stopped');
    const weightsFirstTime = await h.weights();
    assert.notDeepEqual(await h.weights(), atEpochStart);

    const reply = await h.request({ type: 'stepBack', requestId: 2 });
    assert.equal(reply.ok, true, reply.ok ? '' : reply.error);
    const back = await h.next('stopped');
    assert.deepEqual([back.reason, back.step, back.epoch, back.batch], ['step', h.controller.batchesPerEpoch, 2, 0]);
    const restored = await h.weights();
    restored.forEach((w, i) =>
      assert.ok(
        w.every((v, j) => v === atEpochStart[i][j]),
        `weight ${i} differs after step back`,
      ),
    );

    h.send({ type: 'stepBatch' });
    await h.next('stopped');
    h.send({ type: 'stepBatch' });
    const secondTime = await h.next('stopped');
    assert.equal(secondTime.step, firstTime.step);
    assert.equal(secondTime.stats!.loss, firstTime.stats!.loss);
    const weightsSecondTime = await h.weights();
    weightsSecondTime.forEach((w, i) =>
      assert.ok(
        w.every((v, j) => v === weightsFirstTime[i][j]),
        `replayed weight ${i} differs`,
      ),
    );
    h.send({ type: 'stop' });
    await h.done;
  });

  it('keeps the tensor count flat over 1,000 steps', async function () {
    const spec = writeSpiralSpec(tempDir(), { data: { samples: 1000, validationSplit: 0.2 }, training: { epochs: 40, batchSize: 32, statsEvery: 5 } });
    const h = await ControllerHarness.start({ modelFile: spec, steps: 1000, histogramsEvery: 50 });
    const counts: number[] = [];
    // Epoch snapshots for step back fill up during the first 5 epochs (125 steps), then stay bounded.
    for (const step of [200, 400, 600, 800, 1000]) {
      await h.next('step', (e) => e.stats.step === step);
      counts.push(tf.memory().numTensors);
    }
    await h.done;
    assert.equal(h.steps().length, 1000);
    const [first, ...rest] = counts;
    for (const c of rest) assert.ok(Math.abs(c - first) <= 2, `tensor count drifted: ${counts.join(', ')}`);
  });
});
