// One training step of every layer type, activation, loss and optimizer the
// trainer supports, on wasm: this is how the kernels wasm lacks were found.
// Where the step is deterministic the gradients are also checked against cpu.

import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { registerMissingWasmKernels, WASM_MISSING_KERNELS, WASM_TRAINING_KERNELS } from '../../../src/trainer/backend/wasmKernels';
import { ensureWasm, leaveOnWasm, randomTensor, relativeError } from './helpers';
import { attentionLoss, LAYER_CASES, type CoverageCase } from './layerCoverage.cases';

/**
 * End-to-end gradients go through many float32 kernels on each backend, so
 * the bound is looser than the per-kernel 1e-5, and errors are relative to
 * the model's largest gradient: some gradients are exactly zero in theory
 * (a conv bias followed by batch norm) and only rounding noise in practice.
 */
const GRADIENT_TOLERANCE = 1e-4;

function assertGradientsAgree(vars: tf.Variable[], actual: Map<string, Float32Array>, expected: Map<string, Float32Array>): void {
  let scale = 1e-6;
  for (const g of expected.values()) for (const x of g) scale = Math.max(scale, Math.abs(x));
  for (const v of vars) {
    const a = actual.get(v.name)!;
    const b = expected.get(v.name)!;
    // relativeError(a, b) * max|b| is max|a - b|.
    const maxAbsB = b.reduce((m, x) => Math.max(m, Math.abs(x)), 1e-6);
    const err = (relativeError(a, b) * maxAbsB) / scale;
    assert.ok(err <= GRADIENT_TOLERANCE, `${v.name}: error ${err} relative to the largest gradient`);
  }
}

function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

function caseLoss(c: CoverageCase, model: tf.LayersModel): tf.Scalar {
  const prediction = model.apply(c.input(), { training: true }) as tf.Tensor;
  const regularization = model.calculateLosses();
  return tf.addN([c.loss(c.target(), prediction), ...regularization]) as tf.Scalar;
}

async function gradientsOn(backend: 'wasm' | 'cpu', vars: tf.Variable[], loss: () => tf.Scalar): Promise<{ loss: number; grads: Map<string, Float32Array> }> {
  await tf.setBackend(backend);
  const { value, grads } = tf.variableGrads(loss, vars);
  try {
    const out = new Map<string, Float32Array>();
    for (const [name, g] of Object.entries(grads)) out.set(name, Float32Array.from(g.dataSync()));
    return { loss: value.dataSync()[0], grads: out };
  } finally {
    tf.dispose([value, ...Object.values(grads)]);
  }
}

function assertUsableGradients(vars: tf.Variable[], result: { loss: number; grads: Map<string, Float32Array> }): void {
  assert.ok(Number.isFinite(result.loss), `loss ${result.loss}`);
  let sumSquares = 0;
  for (const v of vars) {
    const g = result.grads.get(v.name);
    assert.ok(g, `no gradient for ${v.name}`);
    assert.strictEqual(g.length, v.size);
    for (const x of g) {
      assert.ok(Number.isFinite(x), `non-finite gradient in ${v.name}`);
      sumSquares += x * x;
    }
  }
  assert.ok(sumSquares > 0, 'all gradients are zero');
}

/** Applies one SGD step on wasm and checks that every trainable weight moved and stayed finite. */
function stepChangesWeights(vars: tf.Variable[], loss: () => tf.Scalar): void {
  const before = vars.map((v) => Float32Array.from(v.dataSync()));
  const optimizer = tf.train.sgd(0.1);
  tf.tidy(() => {
    optimizer.minimize(loss, false, vars);
  });
  optimizer.dispose();
  vars.forEach((v, i) => {
    const after = v.dataSync();
    assert.ok(after.every(Number.isFinite), `${v.name} not finite after the step`);
    assert.ok(
      after.some((x, j) => x !== before[i][j]),
      `${v.name} did not change`,
    );
  });
}

describe('one training step on wasm of every supported layer type', function () {
  before(ensureWasm);
  beforeEach(() => tf.setBackend('wasm'));
  after(leaveOnWasm);

  for (const c of LAYER_CASES) {
    it(c.name, async () => {
      const model = c.build();
      try {
        const vars = trainableVariables(model);
        const loss = () => caseLoss(c, model);
        const onWasm = await gradientsOn('wasm', vars, loss);
        assertUsableGradients(vars, onWasm);
        if (c.compareWithCpu) {
          const onCpu = await gradientsOn('cpu', vars, loss);
          await tf.setBackend('wasm');
          assert.ok(Math.abs(onWasm.loss - onCpu.loss) <= GRADIENT_TOLERANCE * Math.max(1, Math.abs(onCpu.loss)));
          assertGradientsAgree(vars, onWasm.grads, onCpu.grads);
        }
        stepChangesWeights(vars, loss);
      } finally {
        model.dispose();
      }
    });
  }

  it('attention: batched matMul with transposeB and transposeA, softmax', async () => {
    const vars = [0, 1, 2].map((i) => tf.variable(randomTensor([6, 4], 20 + i), true, `attention_w${i}`));
    const loss = () => attentionLoss(vars, randomTensor([2, 5, 6], 30));
    try {
      const onWasm = await gradientsOn('wasm', vars, loss);
      assertUsableGradients(vars, onWasm);
      const onCpu = await gradientsOn('cpu', vars, loss);
      await tf.setBackend('wasm');
      assertGradientsAgree(vars, onWasm.grads, onCpu.grads);
      stepChangesWeights(vars, loss);
    } finally {
      tf.dispose(vars);
    }
  });

  for (const loss of ['categoricalCrossentropy', 'sparseCategoricalCrossentropy', 'binaryCrossentropy', 'meanSquaredError', 'meanAbsoluteError']) {
    for (const optimizer of ['sgd', 'adam', 'rmsprop']) {
      it(`tfjs-layers loss ${loss} with the ${optimizer} optimizer (compile + trainOnBatch)`, async () => {
        const binary = loss === 'binaryCrossentropy';
        const model = tf.sequential({
          layers: [
            tf.layers.dense({ inputShape: [5], units: 6, activation: 'relu' }),
            tf.layers.dense({ units: 3, activation: binary ? 'sigmoid' : 'softmax' }),
          ],
        });
        model.compile({
          loss,
          optimizer: optimizer === 'sgd' ? tf.train.sgd(0.1) : optimizer === 'adam' ? tf.train.adam(0.01) : tf.train.rmsprop(0.01),
        });
        const x = randomTensor([4, 5], 40);
        const y =
          loss === 'sparseCategoricalCrossentropy'
            ? tf.tensor2d([[0], [2], [1], [2]])
            : tf.tensor2d([
                [1, 0, 0],
                [0, 0, 1],
                [0, 1, 0],
                [0, 0, 1],
              ]);
        try {
          const first = (await model.trainOnBatch(x, y)) as number;
          const second = (await model.trainOnBatch(x, y)) as number;
          assert.ok(Number.isFinite(first) && Number.isFinite(second), `losses ${first}, ${second}`);
          assert.notStrictEqual(first, second);
        } finally {
          tf.dispose([x, y]);
          model.dispose();
        }
      });
    }
  }

  // A tfjs limitation on every backend, not a wasm gap: Conv2D's gradient
  // asserts dilation 1 (conv1d and conv2d layers). The spec validator must
  // reject dilationRate > 1 for trainable conv1d/conv2d layers.
  for (const [name, layer] of [['conv2d', () => tf.layers.conv2d({ filters: 2, kernelSize: 3, dilationRate: 2, padding: 'same' })]] as const) {
    it(`${name} with dilationRate 2 cannot train on wasm nor on cpu (tfjs gradient limitation)`, async () => {
      for (const backend of ['wasm', 'cpu'] as const) {
        await tf.setBackend(backend);
        const model = tf.sequential({ layers: [tf.layers.inputLayer({ inputShape: [6, 6, 2] }), layer(), tf.layers.flatten()] });
        try {
          assert.throws(
            () => tf.variableGrads(() => tf.mean(model.apply(randomTensor([1, 6, 6, 2], 50)) as tf.Tensor) as tf.Scalar),
            /dilation rates greater than 1 are not yet supported/,
            backend,
          );
        } finally {
          model.dispose();
        }
      }
      await tf.setBackend('wasm');
    });
  }
});

describe('kernels wasm lacks', () => {
  before(ensureWasm);
  after(leaveOnWasm);

  it('without ours, conv, depthwise and embedding training fail on wasm with "not registered"', async () => {
    await tf.setBackend('wasm');
    for (const config of WASM_MISSING_KERNELS) tf.unregisterKernel(config.kernelName, 'wasm');
    try {
      for (const name of ['conv1d stride 1 same, stride 2 valid', 'depthwiseConv2d (multiplier 2, stride 2)', 'embedding (repeated token ids)']) {
        const c = LAYER_CASES.find((x) => x.name === name)!;
        const model = c.build();
        try {
          assert.throws(() => tf.tidy(() => tf.variableGrads(() => caseLoss(c, model), trainableVariables(model))), /not registered for backend 'wasm'/, name);
        } finally {
          model.dispose();
        }
      }
    } finally {
      assert.deepStrictEqual(
        registerMissingWasmKernels(),
        WASM_TRAINING_KERNELS.map((k) => k.kernelName),
      );
    }
  });

  it('after ours, the kernels cpu has and wasm lacks are only ones no supported layer uses', () => {
    const wasm = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
    const missing = tf
      .getKernelsForBackend('cpu')
      .map((k) => k.kernelName)
      .filter((k) => !wasm.has(k))
      .sort();
    // Complex numbers, FFT, ragged tensors, strings, tf.browser.draw and einsum.
    // If a tfjs upgrade changes this list, re-run the coverage above and update it.
    assert.deepStrictEqual(missing, [
      'Complex',
      'ComplexAbs',
      'Draw',
      'Einsum',
      'FFT',
      'IFFT',
      'Imag',
      'RaggedGather',
      'RaggedRange',
      'RaggedTensorToTensor',
      'Real',
      'StaticRegexReplace',
    ]);
  });

  it('registerMissingWasmKernels is idempotent and lists our kernels each time', () => {
    const names = WASM_TRAINING_KERNELS.map((k) => k.kernelName);
    assert.deepStrictEqual(registerMissingWasmKernels(), names);
    assert.deepStrictEqual(registerMissingWasmKernels(), names);
    for (const name of names) assert.ok(tf.getKernel(name, 'wasm'));
    assert.strictEqual(tf.getKernel('Conv2DBackpropFilter', 'cpu')?.backendName, 'cpu', 'cpu kernel untouched');
  });
});
