import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { BUILDABLE_LAYER_TYPES, buildModel, createOptimizer } from '../../../src/trainer/model';
import { buildError, classes, specWith, tokens, useCpu, weightValues } from './helpers';

// Three small models that together use every layer type.
const IMAGE_LAYERS = [
  { type: 'conv2d', filters: 4, kernelSize: 3, padding: 'same', activation: 'leakyReLU', alpha: 0.1, name: 'c1' },
  { type: 'batchNormalization' },
  { type: 'conv2d', filters: 4, kernelSize: [3, 3], padding: 'same', activation: 'relu', name: 'c2', inputs: ['batchNormalization_2'] },
  { type: 'add', inputs: ['c1', 'c2'], name: 'sum' },
  { type: 'multiply', inputs: ['sum', 'c2'], name: 'prod' },
  { type: 'average', inputs: ['prod', 'c1'], name: 'avg' },
  { type: 'concatenate', inputs: ['avg', 'c2'], axis: -1, name: 'cat' },
  { type: 'maxPooling2d', poolSize: 2 },
  { type: 'averagePooling2d', poolSize: 2, strides: 1 },
  { type: 'layerNormalization' },
  { type: 'globalMaxPooling2d', name: 'gmax', inputs: ['cat'] },
  { type: 'dense', units: 8, activation: 'elu', name: 'd_max' },
  { type: 'globalAveragePooling2d', name: 'gavg', inputs: ['layerNormalization_10'] },
  { type: 'dense', units: 8, activation: 'gelu', name: 'd_avg' },
  { type: 'concatenate', inputs: ['d_max', 'd_avg'], name: 'both' },
  { type: 'reshape', targetShape: [4, 4] },
  { type: 'flatten' },
  { type: 'dropout', rate: 0.2 },
  { type: 'activation', activation: 'tanh' },
  { type: 'dense', units: 3, activation: 'softmax', kernelRegularizer: { l2: 0.01 }, trainable: false },
];
const SEQUENCE_LAYERS = [
  { type: 'conv1d', filters: 4, kernelSize: 2, activation: 'sigmoid' },
  { type: 'maxPooling1d', poolSize: 1 },
  { type: 'averagePooling1d', poolSize: 1 },
  { type: 'simpleRNN', units: 4, returnSequences: true },
  { type: 'gru', units: 4, returnSequences: true },
  { type: 'lstm', units: 4, returnSequences: true },
  { type: 'globalAveragePooling1d', name: 'g1' },
  { type: 'globalMaxPooling1d', name: 'g2', inputs: ['lstm_6'] },
  { type: 'add', inputs: ['g1', 'g2'] },
  { type: 'dense', units: 2, activation: 'softmax' },
];
const TOKEN_LAYERS = [
  { type: 'embedding', inputDim: 7, outputDim: 8, name: 'emb' },
  { type: 'transformerEncoder', numHeads: 2, ffDim: 16 },
  { type: 'dense', units: 7, activation: 'softmax' },
];

describe('buildModel', () => {
  before(useCpu);

  it('builds every layer type, with spec names and deterministic <type>_<position> names', () => {
    const used = new Set([...IMAGE_LAYERS, ...SEQUENCE_LAYERS, ...TOKEN_LAYERS].map((l) => l.type));
    used.add('positionalEmbedding'); // covered in transformer.test.ts
    assert.deepStrictEqual([...used].sort(), [...BUILDABLE_LAYER_TYPES].sort());

    const image = buildModel(specWith(IMAGE_LAYERS), classes([8, 8, 2], 3), 1);
    const names = image.layers.map((l) => l.name);
    for (const expected of ['input', 'c1', 'c1_leakyReLU', 'batchNormalization_2', 'c2', 'sum', 'maxPooling2d_8', 'flatten_17', 'dense_20']) {
      assert.ok(names.includes(expected), `${expected} in ${names.join(', ')}`);
    }
    assert.deepStrictEqual(image.outputs[0].shape, [null, 3]);
    const prediction = image.predict(tf.randomNormal([2, 8, 8, 2])) as tf.Tensor;
    assert.deepStrictEqual(prediction.shape, [2, 3]);
    assert.ok(Array.from(prediction.dataSync()).every(Number.isFinite));
    const frozen = image.getLayer('dense_20');
    assert.strictEqual(frozen.trainable, false);
    assert.strictEqual(frozen.trainableWeights.length, 0);
    assert.strictEqual(image.calculateLosses().length, 1, 'the L2 regularizer contributes one loss term');

    const sequence = buildModel(specWith(SEQUENCE_LAYERS), classes([6, 3], 2), 1);
    assert.deepStrictEqual(sequence.outputs[0].shape, [null, 2]);
    assert.deepStrictEqual(sequence.getLayer('lstm_6').outputShape, [null, 5, 4]);

    const token = buildModel(specWith(TOKEN_LAYERS, { loss: 'sparseCategoricalCrossentropy' }), tokens(5, 7), 1);
    assert.deepStrictEqual(token.outputs[0].shape, [null, 5, 7]);
    tf.dispose([image, sequence, token, prediction] as unknown as tf.Tensor[]);
  });

  it('builds the graph form with a residual connection', () => {
    const parsed = specWith(
      [
        { name: 'proj', type: 'dense', units: 8, activation: 'relu', inputs: ['x'] },
        { name: 'inner', type: 'dense', units: 8, activation: 'relu' },
        { name: 'residual', type: 'add', inputs: ['proj', 'inner'] },
        { name: 'head', type: 'dense', units: 2, activation: 'softmax' },
      ],
      { model: { inputs: [{ name: 'x', shape: [2] }], outputs: ['head'] } },
    );
    const model = buildModel(parsed, classes([2], 2), 3);
    const residual = model.getLayer('residual');
    const inbound = residual.inboundNodes[0].inboundLayers.map((l) => l.name);
    assert.deepStrictEqual(inbound, ['proj', 'inner']);
    assert.deepStrictEqual(model.inputNames, ['x']);
    assert.deepStrictEqual(model.outputNames, ['head']);
  });

  it('names the layers and shapes when a kernel does not fit its input', () => {
    const parsed = specWith([
      { type: 'conv2d', filters: 2, kernelSize: 3 },
      { type: 'maxPooling2d' },
      { type: 'conv2d', filters: 2, kernelSize: 5 },
      { type: 'flatten' },
      { type: 'dense', units: 10, activation: 'softmax' },
    ]);
    const info = buildError(parsed, classes([10, 10, 1], 10));
    assert.strictEqual(info.line, parsed.layerLines.conv2d_3);
    assert.strictEqual(info.field, 'model.layers[2]');
    assert.match(info.message, /^layer 'conv2d_3' \(line \d+\): kernel size 5 is larger than its input 4x4 from 'maxPooling2d_2'/);
  });

  it('explains rank mismatches and suggests a reshape', () => {
    const conv = buildError(
      specWith([{ type: 'conv2d', filters: 2, kernelSize: 3 }, { type: 'flatten' }, { type: 'dense', units: 10, activation: 'softmax' }]),
      classes([784], 10),
    );
    assert.match(
      conv.message,
      /a conv2d layer needs a \[height, width, channels\] input, but 'input' gives \[784\]; set data\.inputShape to \[28, 28, 1\] to reshape each sample/,
    );
    const colour = buildError(
      specWith([{ type: 'conv2d', filters: 2, kernelSize: 3 }, { type: 'flatten' }, { type: 'dense', units: 10, activation: 'softmax' }]),
      classes([3072], 10),
    );
    assert.match(colour.message, /gives \[3072\]; set data\.inputShape to \[32, 32, 3\] to reshape each sample/);
    const inside = buildError(
      specWith([
        { type: 'dense', units: 64 },
        { type: 'conv2d', filters: 2, kernelSize: 3 },
        { type: 'flatten' },
        { type: 'dense', units: 10, activation: 'softmax' },
      ]),
      classes([3072], 10),
    );
    assert.match(inside.message, /but 'dense_1' gives \[64\]; add a reshape layer with targetShape \[8, 8, 1\] first/);
    const lstm = buildError(
      specWith([
        { type: 'lstm', units: 4 },
        { type: 'dense', units: 2, activation: 'softmax' },
      ]),
      classes([2], 2),
    );
    assert.match(lstm.message, /a lstm layer needs a \[steps, features\] input, but 'input' gives \[2\]/);
    const reshape = buildError(
      specWith([{ type: 'reshape', targetShape: [3, 3] }, { type: 'flatten' }, { type: 'dense', units: 2, activation: 'softmax' }]),
      classes([8], 2),
    );
    assert.match(reshape.message, /cannot reshape \[8\] from 'input' \(8 values\) to \[3, 3\] \(9 values\)/);
    const embedding = buildError(
      specWith([{ type: 'embedding', inputDim: 5, outputDim: 4 }, { type: 'flatten' }, { type: 'dense', units: 2, activation: 'softmax' }]),
      classes([6], 2),
    );
    assert.match(embedding.message, /reads integer token ids, but the data holds real-valued features/);
  });

  it('names both layers and shapes when merged inputs differ', () => {
    const parsed = specWith([
      { name: 'a', type: 'dense', units: 4 },
      { name: 'b', type: 'dense', units: 5, inputs: ['input'] },
      { name: 'sum', type: 'add', inputs: ['a', 'b'] },
      { type: 'dense', units: 2, activation: 'softmax' },
    ]);
    const info = buildError(parsed, classes([2], 2));
    assert.strictEqual(info.line, parsed.layerLines.sum);
    assert.match(info.message, /an? add layer needs inputs of the same shape, but 'a' gives \[4\] and 'b' gives \[5\]/);
  });

  it('checks a declared input shape against the data', () => {
    const parsed = specWith([{ type: 'dense', units: 2, activation: 'softmax' }], { model: { input: [3] } });
    const info = buildError(parsed, classes([2], 2));
    assert.strictEqual(info.field, 'model.input');
    assert.match(info.message, /declared as \[3\] but the data gives \[2\]/);
  });

  it('rejects layers that do not lead to the output', () => {
    const parsed = specWith([
      { name: 'a', type: 'dense', units: 4 },
      { name: 'orphan', type: 'dense', units: 4 },
      { name: 'head', type: 'dense', units: 2, activation: 'softmax', inputs: ['a'] },
    ]);
    assert.match(buildError(parsed, classes([2], 2)).message, /layer 'orphan' does not lead to the output 'head'/);
  });

  it('checks the output against the target and the loss', () => {
    const units = buildError(specWith([{ type: 'dense', units: 3, activation: 'softmax' }]), classes([4], 10));
    assert.match(
      units.message,
      /outputs \[3\] per sample, but the data has one of 10 classes per sample and categoricalCrossentropy needs \[10\]; the output layer needs 10 units/,
    );
    assert.strictEqual(units.field, 'model.layers[0]');

    const softmaxBinary = buildError(specWith([{ type: 'dense', units: 1, activation: 'softmax' }], { loss: 'binaryCrossentropy' }), classes([4], 2));
    assert.match(softmaxBinary.message, /uses softmax, but binaryCrossentropy needs one sigmoid unit/);

    const linear = buildError(specWith([{ type: 'dense', units: 2 }]), classes([4], 2));
    assert.match(linear.message, /uses activation 'linear', but categoricalCrossentropy needs probabilities: set "activation": "softmax"/);

    const valueTarget = { inputShape: [4], target: { kind: 'value' as const, shape: [1] }, inputIsTokenIds: false };
    assert.match(buildError(specWith([{ type: 'dense', units: 1 }]), valueTarget).message, /categoricalCrossentropy needs class labels/);
    const accuracy = buildError(specWith([{ type: 'dense', units: 1 }], { loss: 'meanSquaredError', metrics: ['accuracy'] }), valueTarget);
    assert.strictEqual(accuracy.field, 'training.metrics');
    buildModel(specWith([{ type: 'dense', units: 1 }], { loss: 'meanSquaredError', metrics: ['mae'] }), valueTarget, 1).dispose();

    const perPosition = buildError(
      specWith([{ type: 'embedding', inputDim: 7, outputDim: 4 }, { type: 'flatten' }, { type: 'dense', units: 7, activation: 'softmax' }], {
        loss: 'sparseCategoricalCrossentropy',
      }),
      tokens(5, 7),
    );
    assert.match(
      perPosition.message,
      /outputs \[7\] per sample, but the data has one of 7 classes at each of 5 positions .* needs \[5, 7\]; the target has one label per position/,
    );

    buildModel(specWith([{ type: 'dense', units: 1, activation: 'sigmoid' }], { loss: 'binaryCrossentropy' }), classes([4], 2), 1).dispose();
  });

  it('initialises the same weights for the same seed and different ones for another', () => {
    const layers = [
      { type: 'dense', units: 4, activation: 'relu' },
      { type: 'reshape', targetShape: [2, 2] },
      { type: 'lstm', units: 3 },
      { type: 'dense', units: 2, activation: 'softmax', kernelInitializer: { type: 'randomNormal', stddev: 5 } },
    ];
    const a = weightValues(buildModel(specWith(layers), classes([3], 2), 7));
    const b = weightValues(buildModel(specWith(layers), classes([3], 2), 7));
    const c = weightValues(buildModel(specWith(layers), classes([3], 2), 8));
    assert.deepStrictEqual(a, b);
    assert.notDeepStrictEqual(a['lstm_3/recurrent_kernel'], c['lstm_3/recurrent_kernel']);
    assert.notDeepStrictEqual(a['dense_1/kernel'], c['dense_1/kernel']);
    const big = a['dense_4/kernel'];
    const std = Math.sqrt(big.reduce((s, v) => s + v * v, 0) / big.length);
    assert.ok(std > 2, `randomNormal stddev 5 gives large weights (std ${std})`);
  });
});

describe('createOptimizer', () => {
  it('creates each optimizer with its learning rate', () => {
    const lr = (o: tf.Optimizer) => (o as unknown as { learningRate: number }).learningRate;
    assert.strictEqual(createOptimizer({ type: 'sgd' }).getClassName(), 'SGD');
    assert.strictEqual(lr(createOptimizer({ type: 'sgd' })), 0.01);
    const momentum = createOptimizer({ type: 'sgd', learningRate: 0.1, momentum: 0.9, nesterov: true });
    assert.strictEqual(momentum.getClassName(), 'Momentum');
    assert.deepStrictEqual(momentum.getConfig(), { learningRate: 0.1, momentum: 0.9, useNesterov: true });
    const adam = createOptimizer({ type: 'adam', learningRate: 0.02, beta1: 0.8 });
    assert.deepStrictEqual([adam.getClassName(), (adam.getConfig() as { beta1: number }).beta1, lr(adam)], ['Adam', 0.8, 0.02]);
    const rms = createOptimizer({ type: 'rmsprop', centered: true });
    assert.deepStrictEqual([rms.getClassName(), (rms.getConfig() as { centered: boolean }).centered, lr(rms)], ['RMSProp', true, 0.001]);
  });
});
