// Keras / TensorFlow.js topologies named by a spec's `model.keras`.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { saveCheckpoint } from '../../../src/trainer/checkpoint';
import { prepareRun } from '../../../src/trainer/run/prepare';
import { checkModelSpec } from '../../../src/spec';
import { ControllerHarness } from '../run/harness';
import { EXAMPLES, kerasSequential, kerasSpec, lineOf, prepareError, writeFiles } from './helpers';

describe('Keras and TensorFlow.js model.json topologies', () => {
  it('examples/keras-mlp trains: Keras 2 to_json() topology, data and training from the spec', async () => {
    const h = await ControllerHarness.start({ modelFile: path.join(EXAMPLES, 'keras-mlp', 'keras-mlp.nn.json'), epochs: 3 });
    assert.equal(await h.done, 'completed');
    assert.deepEqual(
      h.ctx.topology.layers.map((l) => `${l.className}:${l.name}`),
      ['InputLayer:input_1', 'Dense:hidden1', 'Dense:hidden2', 'Dense:output'],
    );
    const losses = h.steps().map((s) => s.loss);
    assert.ok(losses.every(Number.isFinite));
    const epochs = h.events.filter((e) => e.type === 'epoch').map((e) => (e.type === 'epoch' ? e.stats.loss : NaN));
    assert.ok(epochs[2] < epochs[0], `epoch losses fall: ${epochs.join(', ')}`);
    h.ctx.model.dispose();
  });

  it('examples/keras3-functional trains: Keras 3 to_json() of a compiled residual model, compile_config ignored with a note', async () => {
    const file = path.join(EXAMPLES, 'keras3-functional', 'keras3-functional.nn.json');
    const logs: string[] = [];
    const ctx = await prepareRun(
      { modelFile: file, backend: 'wasm' },
      () => undefined,
      (_l, m) => logs.push(m),
    );
    ctx.model.dispose();
    assert.match(logs.join('\n'), /compile_config in .*model\.json is ignored: the spec's training section gives the loss, optimizer and metrics/);
    const h = await ControllerHarness.start({ modelFile: file, epochs: 3 });
    assert.equal(await h.done, 'completed');
    assert.deepEqual(
      h.ctx.topology.layers.map((l) => `${l.name}<${l.inputs.join(',')}`),
      ['points<', 'stem<points', 'block<stem', 'residual<stem,block', 'classes<residual'],
    );
    const epochs = h.events.filter((e) => e.type === 'epoch').map((e) => (e.type === 'epoch' ? e.stats.loss : NaN));
    assert.ok(epochs[2] < epochs[0], `epoch losses fall: ${epochs.join(', ')}`);
    h.ctx.model.dispose();
  });

  it('initialisation is seeded: the same spec gives the same initial weights', async () => {
    const file = path.join(EXAMPLES, 'keras-mlp', 'keras-mlp.nn.json');
    const a = await prepareRun({ modelFile: file, backend: 'wasm' }, () => undefined);
    const b = await prepareRun({ modelFile: file, backend: 'wasm' }, () => undefined);
    const c = await prepareRun({ modelFile: file, backend: 'wasm', seed: 1 }, () => undefined);
    const first = (ctx: typeof a) => Array.from(ctx.model.getWeights()[0].dataSync());
    assert.deepEqual(first(a), first(b));
    assert.notDeepEqual(first(a), first(c));
    [a, b, c].forEach((ctx) => ctx.model.dispose());
  });

  it('an unsupported layer is one error naming the layer and its class, at its line in model.json', async () => {
    const lambda = { class_name: 'Lambda', config: { name: 'my_lambda', function: ['4wEAAAAAAAAA', null, null], arguments: {} } };
    const text = kerasSequential([lambda]);
    const dir = writeFiles({ 'model.json': text, 'm.nn.json': kerasSpec('model.json') });
    const e = await prepareError(path.join(dir, 'm.nn.json'));
    assert.equal(e.info.file, path.join(dir, 'model.json'));
    assert.equal(e.info.line, lineOf(text, '"class_name": "Lambda"') - 1);
    assert.match(e.message, /layer 'my_lambda' is a Lambda layer \(class Lambda\), which TensorFlow\.js does not support; a Lambda layer holds Python code/);

    const custom = kerasSequential([{ class_name: 'Dense', config: { name: 'odd', units: 4, kernel_initializer: { class_name: 'MyInit', config: {} } } }]);
    const dir2 = writeFiles({ 'model.json': custom, 'm.nn.json': kerasSpec('model.json') });
    const e2 = await prepareError(path.join(dir2, 'm.nn.json'));
    assert.match(e2.message, /layer 'odd' uses class MyInit \(in kernel_initializer\), which TensorFlow\.js does not support/);

    const activation = kerasSequential([{ class_name: 'Dense', config: { name: 'hs', units: 4, activation: 'hard_swish' } }]);
    const dir3 = writeFiles({ 'model.json': activation, 'm.nn.json': kerasSpec('model.json') });
    const e3 = await prepareError(path.join(dir3, 'm.nn.json'));
    assert.equal(e3.info.line, lineOf(activation, '"hard_swish"'));
    assert.match(e3.message, /layer 'hs' uses activation 'hard_swish', which TensorFlow\.js does not have/);
  });

  it('an output that does not fit the data is an error at the output layer in model.json; a missing file at model.keras', async () => {
    const text = kerasSequential([], 5);
    const dir = writeFiles({
      'model.json': text,
      'm.nn.json': kerasSpec('model.json'),
      'x.json': '{"hello": 1}',
      'x.nn.json': kerasSpec('x.json'),
    });
    const e = await prepareError(path.join(dir, 'm.nn.json'));
    assert.equal(e.info.file, path.join(dir, 'model.json'));
    assert.equal(e.info.line, lineOf(text, '"name": "out"') - 3); // the layer's opening brace
    assert.match(e.message, /the output layer 'out' of the model in model\.json outputs \[5\] per sample, but the data has one of 2 classes/);
    const e2 = await prepareError(path.join(dir, 'x.nn.json'));
    assert.match(e2.message, /x\.json:1:1: error: not a Keras or TensorFlow\.js model/);
    const e3 = await prepareError(path.join(writeFiles({ 'm.nn.json': kerasSpec('nowhere.json') }), 'm.nn.json'));
    assert.equal(e3.info.field, 'model.keras');
    assert.match(e3.message, /m\.nn\.json:\d+:\d+: error: .*nowhere\.json does not exist; give the path of a Keras model\.to_json\(\) file/);
  });

  it('a TensorFlow.js model.json with a weights manifest (our checkpoint) builds with its weights', async () => {
    const dir = writeFiles({});
    const source = tf.sequential({
      layers: [tf.layers.dense({ units: 6, inputShape: [2], activation: 'relu', name: 'a' }), tf.layers.dense({ units: 2, activation: 'softmax', name: 'b' })],
    });
    await saveCheckpoint(source, path.join(dir, 'ckpt'));
    fs.writeFileSync(path.join(dir, 'm.nn.json'), kerasSpec('ckpt/model.json'));
    const logs: string[] = [];
    const ctx = await prepareRun(
      { modelFile: path.join(dir, 'm.nn.json'), backend: 'wasm' },
      () => undefined,
      (_l, m) => logs.push(m),
    );
    const saved = source.getWeights().map((w) => Array.from(w.dataSync()));
    assert.deepEqual(
      ctx.model.getWeights().map((w) => Array.from(w.dataSync())),
      saved,
    );
    assert.match(logs.join('\n'), /loaded 4 weight\(s\) of a, b/);
    ctx.model.dispose();
    source.dispose();
  });

  it('reads Keras 3 to_json() output (module keys, DTypePolicy, batch_shape, keras tensors in inbound nodes)', async () => {
    const policy = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
    const init = (cls: string) => ({ module: 'keras.initializers', class_name: cls, config: { seed: null }, registered_name: null });
    const tensor = (layer: string) => ({ class_name: '__keras_tensor__', config: { shape: [null, 2], dtype: 'float32', keras_history: [layer, 0, 0] } });
    const dense = (name: string, units: number, activation: string, input: string) => ({
      module: 'keras.layers',
      class_name: 'Dense',
      config: {
        name,
        trainable: true,
        dtype: policy,
        units,
        activation,
        use_bias: true,
        kernel_initializer: init('GlorotUniform'),
        bias_initializer: { module: 'keras.initializers', class_name: 'Zeros', config: {}, registered_name: null },
      },
      registered_name: null,
      build_config: { input_shape: [null, 2] },
      name,
      inbound_nodes: [{ args: [tensor(input)], kwargs: {} }],
    });
    const topology = {
      module: 'keras.src.models.functional',
      class_name: 'Functional',
      config: {
        name: 'functional',
        trainable: true,
        layers: [
          {
            module: 'keras.layers',
            class_name: 'InputLayer',
            config: { batch_shape: [null, 2], dtype: 'float32', sparse: false, name: 'input_layer' },
            registered_name: null,
            name: 'input_layer',
            inbound_nodes: [],
          },
          dense('h', 8, 'relu', 'input_layer'),
          dense('out', 2, 'softmax', 'h'),
        ],
        input_layers: ['input_layer', 0, 0],
        output_layers: ['out', 0, 0],
      },
      registered_name: 'Functional',
    };
    const dir = writeFiles({ 'model.json': JSON.stringify(topology, null, 2), 'm.nn.json': kerasSpec('model.json') });
    const h = await ControllerHarness.start({ modelFile: path.join(dir, 'm.nn.json'), steps: 3 });
    assert.equal(await h.done, 'completed');
    assert.deepEqual(
      h.ctx.topology.layers.map((l) => `${l.name}<${l.inputs.join(',')}`),
      ['input_layer<', 'h<input_layer', 'out<h'],
    );
    h.ctx.model.dispose();
  });

  it('the spec parser: keras replaces layers; one of them is required', () => {
    const both = checkModelSpec(
      JSON.stringify({
        data: { source: 'synthetic', dataset: 'xor' },
        model: { keras: 'm.json', layers: [{ type: 'flatten' }] },
        training: { loss: 'meanSquaredError' },
      }),
      'b.nn.json',
    );
    assert.match(both.errors[0].message, /model\.layers: 'keras' gives the whole model; remove 'layers'/);
    const none = checkModelSpec(
      JSON.stringify({ data: { source: 'synthetic', dataset: 'xor' }, model: {}, training: { loss: 'meanSquaredError' } }),
      'n.nn.json',
    );
    assert.match(none.errors[0].message, /missing required option 'layers' for model \(or 'keras'/);
    const ok = checkModelSpec(
      JSON.stringify({ data: { source: 'synthetic', dataset: 'xor' }, model: { keras: 'm.json' }, training: { loss: 'meanSquaredError' } }),
      'k.nn.json',
    );
    assert.deepEqual(ok.errors, []);
    assert.deepEqual(ok.parsed?.spec.model.layers, []);
  });
});
