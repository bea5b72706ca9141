// The fused LSTM inside models: model.fit on wasm trains like the stock LSTM
// on cpu (losses and final weights), the instrumented step still sees the
// layer's output and weight gradients, one training step runs one forward
// and one backward LSTM kernel, and the layer serialises as the stock 'LSTM'.

import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { ensureWasm, leaveOnWasm, randomValues, relativeError } from './helpers';
import { fusedLstmCalls, LSTM_BACKWARD_KERNEL, LSTM_FORWARD_KERNEL } from '../../../src/trainer/backend/native/lstm';
import { FusedLSTM, lstm } from '../../../src/trainer/backend/native/lstmLayer';
import { InstrumentedModel } from '../../../src/trainer/training/instrumentedModel';

const STEPS = 7;
const FEATURES = 3;
const CLASSES = 3;
const SAMPLES = 32;

/** LSTM(6, builder defaults tanh/sigmoid) → dense softmax, with deterministic weights. */
function buildModel(): tf.LayersModel {
  const model = tf.sequential();
  model.add(lstm({ units: 6, recurrentActivation: 'sigmoid', inputShape: [STEPS, FEATURES], name: 'seq' }));
  model.add(tf.layers.dense({ units: CLASSES, activation: 'softmax', name: 'out' }));
  model.setWeights(model.getWeights().map((w, i) => tf.mul(tf.tensor(randomValues(w.size, 100 + i), w.shape), 0.5)));
  return model;
}

function data(): { x: tf.Tensor; y: tf.Tensor } {
  const x = tf.tensor(randomValues(SAMPLES * STEPS * FEATURES, 7), [SAMPLES, STEPS, FEATURES]);
  // Label: which third of the range the mean of feature 0 falls in, so the task is learnable.
  const labels = tf.tidy(() => tf.clipByValue(tf.floor(tf.mul(tf.add(tf.mean(x.slice([0, 0, 0], [-1, -1, 1]), [1, 2]), 1), 1.5)), 0, 2).toInt());
  const y = tf.oneHot(labels as tf.Tensor1D, CLASSES).toFloat();
  labels.dispose();
  return { x, y };
}

async function fitOn(backend: 'wasm' | 'cpu'): Promise<{ losses: number[]; weights: Float32Array[]; calls: number }> {
  await ensureWasm();
  await tf.setBackend(backend);
  const before = fusedLstmCalls.backward;
  const model = buildModel();
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  const { x, y } = data();
  const history = await model.fit(x, y, { epochs: 8, batchSize: 8, shuffle: false, verbose: 0 });
  const weights = model.getWeights().map((w) => Float32Array.from(w.dataSync() as ArrayLike<number>));
  tf.dispose([x, y]);
  model.dispose();
  return { losses: history.history.loss as number[], weights, calls: fusedLstmCalls.backward - before };
}

describe('fused LSTM in models', function () {
  this.timeout(120_000);

  before(ensureWasm);
  after(leaveOnWasm);

  it('model.fit on wasm trains like the stock LSTM on cpu', async () => {
    const wasm = await fitOn('wasm');
    const cpu = await fitOn('cpu');
    assert.equal(wasm.calls, 8 * (SAMPLES / 8), 'one fused backward kernel per batch');
    assert.equal(cpu.calls, 0);
    assert.ok(wasm.losses[wasm.losses.length - 1] < wasm.losses[0] * 0.9, `loss did not decrease: ${wasm.losses.join(', ')}`);
    assert.ok(relativeError(wasm.losses, cpu.losses) <= 1e-4, `losses wasm ${wasm.losses} vs cpu ${cpu.losses}`);
    wasm.weights.forEach((w, i) => {
      const err = relativeError(w, cpu.weights[i]);
      assert.ok(err <= 1e-4, `weight ${i} after 32 Adam steps: relative error ${err}`);
    });
  });

  it('the instrumented step measures the LSTM output and weight gradients as on cpu', async () => {
    const measure = async (backend: 'wasm' | 'cpu') => {
      await tf.setBackend(backend);
      const model = buildModel();
      const instrumented = new InstrumentedModel(model, tf.train.adam(0.01), 'categoricalCrossentropy', ['accuracy']);
      const { x, y } = data();
      const before = fusedLstmCalls.forward;
      const m = await instrumented.step(x, y, { detail: true, histograms: true, apply: true });
      const forward = fusedLstmCalls.forward - before;
      tf.dispose([x, y]);
      model.dispose();
      return { m, forward };
    };
    const wasm = await measure('wasm');
    const cpu = await measure('cpu');
    assert.equal(wasm.forward, 1, 'the LSTM ran fused in the instrumented step');
    const layer = (r: typeof wasm) => r.m.layers.find((l) => l.name === 'seq')!;
    assert.equal(layer(wasm).className, 'LSTM');
    assert.ok(Math.abs(wasm.m.loss - cpu.m.loss) <= 1e-4 * Math.abs(cpu.m.loss));
    assert.ok(layer(wasm).gradNorm! > 0);
    assert.ok(Math.abs(layer(wasm).gradNorm! - layer(cpu).gradNorm!) <= 1e-4 * layer(cpu).gradNorm!);
    const lstmWeights = wasm.m.weights.filter((w) => w.layer === 'seq');
    assert.deepEqual(
      lstmWeights.map((w) => w.name),
      ['seq/kernel', 'seq/recurrent_kernel', 'seq/bias'],
    );
    for (const w of lstmWeights) {
      const ref = cpu.m.weights.find((c) => c.name === w.name)!;
      assert.ok(Math.abs(w.gradNorm! - ref.gradNorm!) <= 1e-4 * ref.gradNorm!, `${w.name} grad norm ${w.gradNorm} vs ${ref.gradNorm}`);
    }
    // The layer's output statistics are captured on the fused path too.
    const stats = (r: typeof wasm) => layer(r).activationStats;
    assert.ok(stats(wasm) && stats(cpu), 'activation statistics of the LSTM output');
    assert.ok(Math.abs(stats(wasm)!.mean - stats(cpu)!.mean) <= 1e-4, `mean ${stats(wasm)!.mean} vs ${stats(cpu)!.mean}`);
    assert.ok(Math.abs(stats(wasm)!.std - stats(cpu)!.std) <= 1e-4, `std ${stats(wasm)!.std} vs ${stats(cpu)!.std}`);
  });

  it('one training step on wasm runs one forward and one backward LSTM kernel', async () => {
    await tf.setBackend('wasm');
    const model = buildModel();
    const optimizer = tf.train.sgd(0.1);
    const { x, y } = data();
    const profile = await tf.profile(() => {
      optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar);
    });
    tf.dispose([x, y]);
    model.dispose();
    const names = profile.kernels.map((k) => k.name);
    assert.equal(names.filter((n) => n === LSTM_FORWARD_KERNEL).length, 1);
    assert.equal(names.filter((n) => n === LSTM_BACKWARD_KERNEL).length, 1);
    // The stock LSTM unstacks the steps, splits and activates the gates at every step; none of that remains.
    const perStep = names.filter((n) => ['Unpack', 'Pack', 'SplitV', 'Sigmoid', 'Tanh'].includes(n));
    assert.deepEqual(perStep, [], names.join(' '));
  });

  it('serialises as the stock LSTM and deserialises to the fused class', async () => {
    await tf.setBackend('wasm');
    const args = { units: 5, recurrentActivation: 'sigmoid' as const, returnSequences: true };
    const fused = new FusedLSTM(args);
    const stock = tf.layers.lstm(args);
    assert.equal(fused.getClassName(), 'LSTM');
    const config = (l: tf.layers.Layer) => ({ ...l.getConfig(), name: null });
    assert.deepEqual(config(fused), config(stock));
    const model = buildModel();
    const json = model.toJSON(undefined, false) as unknown as { config: { layers: { class_name: string }[] } };
    assert.equal(json.config.layers[0].class_name, 'LSTM');
    const restored = await tf.models.modelFromJSON({ modelTopology: json } as unknown as tf.io.ModelJSON);
    assert.ok(restored.layers[0] instanceof FusedLSTM);
    assert.deepEqual(
      restored.getWeights().map((w) => w.shape),
      model.getWeights().map((w) => w.shape),
    );
    model.dispose();
    restored.dispose();
  });
});
