import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { FusedConv2D, conv2d } from '../../../src/trainer/backend/native/convLayer';
import { nativeKernels } from '../../../src/trainer/backend/native/module';
import { ensureWasm, leaveOnWasm, randomTensor, relativeError, runOn } from './helpers';

const TOLERANCE = 1e-5;

function native() {
  const kernels = nativeKernels(tf.findBackend('wasm') as BackendWasm);
  assert.ok(kernels, 'the native kernels loaded');
  return kernels;
}

interface Case {
  input: [number, number, number, number];
  filters: number;
  kernelSize: number;
  strides: number;
  padding: 'same' | 'valid';
  activation: 'relu' | 'linear';
  useBias: boolean;
}

/** Output, loss and gradients w.r.t. input, kernel and bias of one Conv2D call, with fixed weights. */
function convWithGrads(make: typeof conv2d, c: Case) {
  return () => {
    const layer = make({ filters: c.filters, kernelSize: c.kernelSize, strides: c.strides, padding: c.padding, activation: c.activation, useBias: c.useBias });
    layer.build(c.input);
    const kernelShape = [c.kernelSize, c.kernelSize, c.input[3], c.filters];
    layer.setWeights(c.useBias ? [randomTensor(kernelShape, 2), randomTensor([c.filters], 3)] : [randomTensor(kernelShape, 2)]);
    const x = randomTensor(c.input, 1);
    const y0 = layer.apply(x) as tf.Tensor;
    const weight = randomTensor(y0.shape, 4);
    const f = (xIn: tf.Tensor) => tf.sum(tf.mul(layer.apply(xIn) as tf.Tensor, weight));
    const { value, grads } = tf.variableGrads(
      () => f(x) as tf.Scalar,
      layer.trainableWeights.map((w) => w.read() as tf.Variable),
    );
    const dx = tf.grad(f)(x);
    if (layer instanceof FusedConv2D && tf.getBackend() === 'wasm') assert.strictEqual(layer.lastFallbackReason, null, 'the fused path ran');
    return [y0, value, dx, ...layer.trainableWeights.map((w) => grads[(w.read() as tf.Variable).name])];
  };
}

describe('fused Conv2D on wasm (one kernel forward, ReLU gradient folded into the bias sweep)', () => {
  before(ensureWasm);
  after(leaveOnWasm);

  const cases: Case[] = [
    { input: [2, 8, 8, 3], filters: 8, kernelSize: 3, strides: 1, padding: 'same', activation: 'relu', useBias: true },
    { input: [3, 9, 7, 5], filters: 6, kernelSize: 3, strides: 2, padding: 'valid', activation: 'linear', useBias: true },
    { input: [1, 6, 6, 4], filters: 5, kernelSize: 1, strides: 1, padding: 'valid', activation: 'relu', useBias: false },
    { input: [2, 10, 10, 16], filters: 12, kernelSize: 5, strides: 1, padding: 'same', activation: 'relu', useBias: true },
  ];
  for (const c of cases) {
    const name = `[${c.input}] ${c.kernelSize}x${c.kernelSize}/${c.strides} ${c.padding} → ${c.filters} ${c.activation}${c.useBias ? '' : ', no bias'}`;
    it(`agrees with tfjs' Conv2D on cpu: ${name}, values and gradients`, async () => {
      const before = native().callCount('denseBackwardBlocks');
      const ours = await runOn('wasm', convWithGrads(conv2d, c));
      assert.ok(native().callCount('denseBackwardBlocks') > before, 'the fused backward sweep ran');
      const reference = await runOn(
        'cpu',
        convWithGrads((args) => tf.layers.conv2d(args), c),
      );
      assert.deepStrictEqual(ours.shapes, reference.shapes);
      reference.values.forEach((expected, i) => {
        const err = relativeError(ours.values[i], expected);
        assert.ok(err <= TOLERANCE, `output ${i}: relative error ${err}`);
      });
    });
  }

  it('keeps the stock path for what it does not implement (elu, dilation 2) and says why', async () => {
    await tf.setBackend('wasm');
    const elu = conv2d({ filters: 2, kernelSize: 3, activation: 'elu' }) as FusedConv2D;
    tf.tidy(() => elu.apply(tf.ones([1, 5, 5, 2])) as tf.Tensor);
    assert.strictEqual(elu.lastFallbackReason, 'activation elu');
    const dilated = conv2d({ filters: 2, kernelSize: 3, dilationRate: 2 }) as FusedConv2D;
    tf.tidy(() => dilated.apply(tf.ones([1, 7, 7, 2])) as tf.Tensor);
    assert.strictEqual(dilated.lastFallbackReason, 'dilation 2x2');
  });

  it('serialises as Conv2D and is rebuilt as the fused class', async () => {
    const model = tf.sequential({ layers: [conv2d({ filters: 3, kernelSize: 3, inputShape: [5, 5, 2], activation: 'relu' })] });
    const json = model.toJSON(undefined, false) as unknown as { config: { layers: { class_name: string }[] } };
    assert.strictEqual(json.config.layers[0].class_name, 'Conv2D');
    const rebuilt = await tf.models.modelFromJSON({ modelTopology: model.toJSON(undefined, false) as tf.io.ModelJSON['modelTopology'] } as tf.io.ModelJSON);
    assert.ok(rebuilt.layers[0] instanceof FusedConv2D, 'deserialised as the fused class');
  });
});
