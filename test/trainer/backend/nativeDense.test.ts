import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { FusedDense, dense } from '../../../src/trainer/backend/native/denseLayer';
import { nativeKernels } from '../../../src/trainer/backend/native/module';
import { ensureWasm, leaveOnWasm, randomTensor, relativeError, runOn } from './helpers';

const TOLERANCE = 1e-5;

function native() {
  const kernels = nativeKernels(tf.findBackend('wasm') as BackendWasm);
  assert.ok(kernels, 'the native kernels loaded');
  return kernels;
}

/** Output and gradients w.r.t. input, kernel and bias of one Dense call, with fixed weights. */
function denseWithGrads(make: typeof dense, batch: number, inputs: number, units: number, activation: string, useBias: boolean) {
  return () => {
    const layer = make({ units, activation: activation as 'relu', useBias, inputShape: [inputs] });
    layer.build([batch, inputs]);
    layer.setWeights(useBias ? [randomTensor([inputs, units], 2), randomTensor([units], 3)] : [randomTensor([inputs, units], 2)]);
    const x = randomTensor([batch, inputs], 1);
    const weight = randomTensor([batch, units], 4);
    const f = (xIn: tf.Tensor) => tf.sum(tf.mul(layer.apply(xIn) as tf.Tensor, weight));
    const { value, grads } = tf.variableGrads(
      () => f(x) as tf.Scalar,
      layer.trainableWeights.map((w) => w.read() as tf.Variable),
    );
    const dx = tf.grad(f)(x);
    const out = [layer.apply(x) as tf.Tensor, value, dx, ...layer.trainableWeights.map((w) => grads[(w.read() as tf.Variable).name])];
    if (layer instanceof FusedDense && tf.getBackend() === 'wasm') assert.strictEqual(layer.lastFallbackReason, null, 'the fused path ran');
    return out;
  };
}

describe('fused Dense on wasm (one kernel forward)', () => {
  before(ensureWasm);
  after(leaveOnWasm);

  const cases: [number, number, number, string, boolean][] = [
    [64, 784, 128, 'relu', true],
    [33, 17, 11, 'linear', true],
    [1, 5, 3, 'sigmoid', true],
    [7, 9, 6, 'tanh', false],
    [12, 10, 10, 'softmax', true],
    [5, 3, 1, 'relu', false],
  ];
  for (const [batch, inputs, units, activation, useBias] of cases) {
    it(`agrees with tfjs' Dense on cpu: [${batch},${inputs}] → ${units} ${activation}${useBias ? '' : ', no bias'}, values and gradients`, async () => {
      const before = native().callCount('denseBackwardBlocks');
      const ours = await runOn('wasm', denseWithGrads(dense, batch, inputs, units, activation, useBias));
      assert.ok(native().callCount('denseBackwardBlocks') > before, 'the fused backward kernel ran');
      const reference = await runOn(
        'cpu',
        denseWithGrads((args) => tf.layers.dense(args), batch, inputs, units, activation, useBias),
      );
      assert.deepStrictEqual(ours.shapes, reference.shapes);
      reference.values.forEach((expected, i) => {
        const err = relativeError(ours.values[i], expected);
        assert.ok(err <= TOLERANCE, `output ${i}: relative error ${err}`);
      });
    });
  }

  it('keeps the stock path for inputs it does not implement (rank 3, elu) and says why', async () => {
    await tf.setBackend('wasm');
    const layer = dense({ units: 4, activation: 'relu' }) as FusedDense;
    tf.tidy(() => layer.apply(tf.ones([2, 3, 5])) as tf.Tensor);
    assert.match(layer.lastFallbackReason ?? '', /input float32 \[2,3,5\]/);
    const elu = dense({ units: 4, activation: 'elu' }) as FusedDense;
    tf.tidy(() => elu.apply(tf.ones([2, 5])) as tf.Tensor);
    assert.strictEqual(elu.lastFallbackReason, 'activation elu');
  });

  it('serialises as Dense and is rebuilt as the fused class', () => {
    const model = tf.sequential({ layers: [dense({ units: 3, inputShape: [4], activation: 'relu' })] });
    const json = model.toJSON(undefined, false) as unknown as { config: { layers: { class_name: string }[] } };
    assert.strictEqual(json.config.layers[0].class_name, 'Dense');
    assert.strictEqual(model.layers[0].getClassName(), 'Dense');
  });

  it('trains an MLP with model.fit on wasm to the same losses as cpu', async () => {
    const losses = async (backend: 'wasm' | 'cpu') => {
      await tf.setBackend(backend);
      const model = tf.sequential({
        layers: [
          dense({ units: 16, activation: 'relu', inputShape: [8], kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
          dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
        ],
      });
      model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
      const x = randomTensor([32, 8], 5);
      const y = tf.oneHot(
        tf.tensor1d(
          Array.from({ length: 32 }, (_, i) => i % 3),
          'int32',
        ),
        3,
      );
      const history = await model.fit(x, y, { epochs: 5, batchSize: 8, shuffle: false, verbose: 0 });
      tf.dispose([x, y]);
      model.dispose();
      return history.history.loss as number[];
    };
    const wasm = await losses('wasm');
    const cpu = await losses('cpu');
    assert.ok(wasm[4] < wasm[0], `loss decreases: ${wasm}`);
    assert.ok(relativeError(wasm, cpu) <= 1e-4, `wasm ${wasm} vs cpu ${cpu}`);
  });
});
