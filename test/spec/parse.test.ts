import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { isUserError } from '../../src/shared/errors';
import type { UserErrorInfo } from '../../src/shared/protocol';
import { checkModelSpec, loadModelSpec, parseModelSpec } from '../../src/spec';

// Line numbers below refer to this layout (1-based).
const BASE = [
  '{', //                                                                   1
  '  "name": "t",', //                                                      2
  '  "data": { "source": "synthetic", "dataset": "spiral" },', //           3
  '  "model": {', //                                                        4
  '    "layers": [', //                                                     5
  '      { "type": "dense", "units": 16, "activation": "relu" },', //       6
  '      { "type": "dense", "units": 2, "activation": "softmax" }', //      7
  '    ]', //                                                               8
  '  },', //                                                                9
  '  "training": { "loss": "categoricalCrossentropy", "optimizer": "adam" }', // 10
  '}', //                                                                   11
].join('\n');

function errorOf(text: string): UserErrorInfo {
  try {
    parseModelSpec(text, 'm.nn.json');
  } catch (e) {
    assert.ok(isUserError(e), `expected a UserError, got ${String(e)}`);
    return e.info;
  }
  assert.fail('expected parseModelSpec to throw');
}

function columnOf(lineText: string, needle: string): number {
  const index = lineText.indexOf(needle);
  assert.ok(index >= 0, `'${needle}' not in '${lineText}'`);
  return index + 1;
}

describe('parseModelSpec', () => {
  it('parses a valid spec, fills training defaults and names layers by position', () => {
    const parsed = parseModelSpec(BASE, 'dir/spiral.nn.json');
    assert.deepStrictEqual(parsed.spec.training, {
      epochs: 10,
      batchSize: 32,
      optimizer: { type: 'adam' },
      loss: 'categoricalCrossentropy',
      metrics: ['accuracy'],
      seed: 42,
      shuffle: true,
    });
    assert.deepStrictEqual(parsed.layerLines, { dense_1: 6, dense_2: 7 });
    assert.deepStrictEqual(parsed.positions['model.layers[0].units'], { line: 6, column: columnOf(BASE.split('\n')[5], '16') });
    assert.deepStrictEqual(parsed.warnings, []);
    assert.deepStrictEqual(parsed.spec.diagnostics, {});
  });

  it('takes the name from the file when the spec has none', () => {
    const parsed = parseModelSpec(BASE.replace('  "name": "t",\n', ''), '/x/my-model.nn.json');
    assert.strictEqual(parsed.spec.name, 'my-model');
  });

  it('reports malformed JSON at the exact position', () => {
    const text = BASE.replace('"units": 16, "activation"', '"units": 16 "activation"');
    const info = errorOf(text);
    assert.strictEqual(info.line, 6);
    assert.strictEqual(info.column, columnOf(text.split('\n')[5], '"activation"'));
    assert.match(info.message, /malformed JSON: expected ','/);
    assert.strictEqual(info.file, 'm.nn.json');
  });

  it('reports an unterminated string and an empty file', () => {
    assert.match(errorOf('{ "name": "abc').message, /unterminated string/);
    const empty = errorOf('   ');
    assert.match(empty.message, /file is empty/);
    assert.strictEqual(empty.line, 1);
  });

  it('accepts comments and trailing commas', () => {
    const text = BASE.replace('"name": "t",', '"name": "t", // a comment').replace('"activation": "softmax" }', '"activation": "softmax", }');
    assert.strictEqual(parseModelSpec(text, 'm.nn.json').spec.name, 't');
  });

  it('points at a negative units value with the field path', () => {
    const text = BASE.replace('"units": 16', '"units": -4');
    const info = errorOf(text);
    assert.strictEqual(info.line, 6);
    assert.strictEqual(info.column, columnOf(text.split('\n')[5], '-4'));
    assert.strictEqual(info.field, 'model.layers[0].units');
    assert.strictEqual(info.message, 'model.layers[0].units: expected a positive integer, got -4');
  });

  it('reports a wrong value type', () => {
    const info = errorOf(BASE.replace('"units": 16', '"units": "16"'));
    assert.strictEqual(info.message, 'model.layers[0].units: expected a positive integer, got the string "16"');
    const fraction = errorOf(BASE.replace('"optimizer": "adam"', '"optimizer": { "type": "sgd", "momentum": 1.5 }'));
    assert.strictEqual(fraction.message, 'training.optimizer.momentum: expected a number in [0, 1), got 1.5');
    assert.strictEqual(fraction.line, 10);
  });

  it('suggests the closest layer type for an unknown one', () => {
    const text = BASE.replace('"type": "dense", "units": 2', '"type": "conv2D", "units": 2');
    const info = errorOf(text);
    assert.strictEqual(info.line, 7);
    assert.strictEqual(info.column, columnOf(text.split('\n')[6], '"conv2D"'));
    assert.strictEqual(info.message, "model.layers[1].type: unknown layer type 'conv2D'; did you mean 'conv2d'?");
    assert.match(errorOf(BASE.replace('"type": "dense", "units": 2', '"type": "maxPool2d", "units": 2')).message, /did you mean 'maxPooling2d'\?/);
  });

  it('reports unknown activation, optimizer, loss, metric and option names with suggestions', () => {
    assert.strictEqual(errorOf(BASE.replace('"relu"', '"reluu"')).message, "model.layers[0].activation: unknown activation 'reluu'; did you mean 'relu'?");
    assert.strictEqual(errorOf(BASE.replace('"adam"', '"adamw"')).message, "training.optimizer: unknown optimizer 'adamw'; did you mean 'adam'?");
    const loss = errorOf(BASE.replace('"categoricalCrossentropy"', '"categoricalCrossEntropy"'));
    assert.strictEqual(loss.message, "training.loss: unknown loss 'categoricalCrossEntropy'; did you mean 'categoricalCrossentropy'?");
    assert.strictEqual(loss.line, 10);
    const metric = errorOf(BASE.replace('"optimizer": "adam"', '"optimizer": "adam", "metrics": ["acuracy"]'));
    assert.strictEqual(metric.message, "training.metrics[0]: unknown metric 'acuracy'; did you mean 'accuracy'?");
    const option = errorOf(BASE.replace('"units": 16', '"unit": 16'));
    assert.strictEqual(option.message, "model.layers[0].unit: unknown option 'unit' for a dense layer; did you mean 'units'?");
    assert.strictEqual(option.column, columnOf(BASE.split('\n')[5], '"units"'));
  });

  it('reports a missing required field at the object that lacks it', () => {
    const text = BASE.replace('"units": 2, ', '');
    const info = errorOf(text);
    assert.strictEqual(info.message, "model.layers[1]: missing required option 'units' for a dense layer");
    assert.strictEqual(info.line, 7);
    assert.strictEqual(info.column, columnOf(text.split('\n')[6], '{'));
    const section = errorOf(BASE.replace('"training"', '"trainig"'));
    assert.strictEqual(section.message, "missing required section 'training' (is 'trainig' a misspelling of it?)");
    const loss = errorOf(BASE.replace('"loss": "categoricalCrossentropy", ', ''));
    assert.strictEqual(loss.message, "training: missing required option 'loss' for training");
  });

  it('checks data fields by source', () => {
    const dataset = errorOf(BASE.replace('"spiral"', '"spirals"'));
    assert.strictEqual(dataset.message, "data.dataset: unknown dataset 'spirals'; did you mean 'spiral'?");
    const wrongSource = errorOf(BASE.replace('"source": "synthetic", "dataset": "spiral"', '"source": "csv", "path": "a.csv"'));
    assert.strictEqual(wrongSource.message, "data: missing required option 'label' for data source 'csv'");
    const notForMnist = errorOf(BASE.replace('"source": "synthetic", "dataset": "spiral"', '"source": "mnist", "dataset": "spiral"'));
    assert.match(notForMnist.message, /^data\.dataset: unknown option 'dataset' for data source 'mnist'/);
    const split = errorOf(BASE.replace('"dataset": "spiral"', '"dataset": "spiral", "validationSplit": 1'));
    assert.strictEqual(split.message, 'data.validationSplit: expected a number in [0, 1), got 1');
  });

  it('checks the fields of image folders, NumPy arrays and data.inputShape', () => {
    const data = (fields: string) => BASE.replace('"source": "synthetic", "dataset": "spiral"', fields);
    const typo = errorOf(data('"source": "images", "path": "pics", "imagesize": [32, 32]'));
    assert.strictEqual(typo.message, "data.imagesize: unknown option 'imagesize' for data source 'images'; did you mean 'imageSize'?");
    assert.deepStrictEqual([typo.line, typo.column], [3, 49]);
    const size = errorOf(data('"source": "images", "path": "pics", "imageSize": [32, 0]'));
    assert.match(size.message, /^data\.imageSize: expected /);
    const mode = errorOf(data('"source": "images", "path": "pics", "colorMode": "rgba"'));
    assert.match(mode.message, /^data\.colorMode: unknown colorMode 'rgba'/);
    const label = errorOf(data('"source": "images", "path": "pics", "labelMode": "sparse"'));
    assert.match(label.message, /^data\.labelMode: unknown labelMode 'sparse'/);
    assert.strictEqual(errorOf(data('"source": "numpy"')).message, "data: missing required option 'path' for data source 'numpy'");
    const shape = errorOf(data('"source": "csv", "path": "a.csv", "label": "y", "inputShape": [28, -1]'));
    assert.match(shape.message, /^data\.inputShape: expected /);
    const ok = parseModelSpec(
      data('"source": "images", "path": "pics", "testPath": "t", "imageSize": 64, "colorMode": "grayscale", "labelMode": "binary", "onBadImage": "skip"'),
      'm.nn.json',
    );
    assert.deepStrictEqual(ok.warnings, []);
    parseModelSpec(data('"source": "numpy", "path": "x.npy", "labelPath": "y.npy", "task": "regression", "inputShape": [4, 4, 1]'), 'm.nn.json');
  });

  it('turns an unknown top-level field into a warning, not an error', () => {
    const text = BASE.replace('"name": "t",', '"name": "t", "optimiser": 3,');
    const parsed = parseModelSpec(text, 'm.nn.json');
    assert.strictEqual(parsed.warnings.length, 1);
    assert.strictEqual(parsed.warnings[0].line, 2);
    assert.strictEqual(parsed.warnings[0].field, 'optimiser');
    assert.match(parsed.warnings[0].message, /unknown top-level field 'optimiser' is ignored/);
  });

  it('keeps valid diagnostic thresholds and reports an unknown one at its line', () => {
    const text = BASE.replace('"name": "t",', '"name": "t", "diagnostics": { "exploding-gradient": { "historyFactor": 100 }, "plateau": false },');
    assert.deepStrictEqual(parseModelSpec(text, 'm.nn.json').spec.diagnostics, { 'exploding-gradient': { historyFactor: 100 }, plateau: false });
    const typo = BASE.replace('"name": "t",', '"name": "t", "diagnostics": { "explodingGradient": { "threshold": 100 } },');
    assert.throws(
      () => parseModelSpec(typo, 'm.nn.json'),
      /^UserError: m\.nn\.json:2:\d+: error: diagnostics\.explodingGradient: unknown diagnostic 'explodingGradient'/,
    );
  });

  it('parses the graph form and checks references', () => {
    const graph = (layers: string, outputs = '"head"') =>
      `{
  "data": { "source": "synthetic", "dataset": "spiral" },
  "model": {
    "inputs": [{ "name": "in", "shape": [2] }],
    "layers": [
${layers}
    ],
    "outputs": [${outputs}]
  },
  "training": { "loss": "categoricalCrossentropy" }
}`;
    const ok = graph(`      { "name": "a", "type": "dense", "units": 8, "inputs": ["in"] },
      { "name": "b", "type": "dense", "units": 8 },
      { "name": "sum", "type": "add", "inputs": ["a", "b"] },
      { "name": "head", "type": "dense", "units": 2, "activation": "softmax" }`);
    const parsed = parseModelSpec(ok, 'g.nn.json');
    assert.deepStrictEqual(parsed.layerLines, { a: 6, b: 7, sum: 8, head: 9 });

    const forward = errorOf(ok.replace('"inputs": ["a", "b"]', '"inputs": ["a", "head"]'));
    assert.strictEqual(forward.line, 8);
    assert.match(forward.message, /^model\.layers\[2\]\.inputs\[1\]: 'head' is defined after this layer/);
    const typo = errorOf(ok.replace('"inputs": ["a", "b"]', '"inputs": ["a", "bb"]'));
    assert.match(typo.message, /no model input or earlier layer is called 'bb'; did you mean 'b'\?/);
    const single = errorOf(ok.replace('"inputs": ["a", "b"]', '"inputs": ["a"]'));
    assert.match(single.message, /^model\.layers\[2\]: an add layer merges several layers: give "inputs" with at least two layer names$/);
    const output = errorOf(ok.replace('"outputs": ["head"]', '"outputs": ["haed"]'));
    assert.match(output.message, /^model\.outputs\[0\]: no layer is called 'haed'; did you mean 'head'\?/);
    const duplicate = errorOf(ok.replace('"name": "b"', '"name": "a"'));
    assert.strictEqual(duplicate.line, 7);
    assert.match(duplicate.message, /layer name 'a' is already used by another layer/);
  });

  it('rejects generated-name clashes and bad names', () => {
    const clash = errorOf(BASE.replace('"type": "dense", "units": 2', '"type": "dense", "name": "dense_1", "units": 2'));
    assert.match(clash.message, /model\.layers\[1\]\.name: layer name 'dense_1' is already used/);
    assert.match(errorOf(BASE.replace('"type": "dense", "units": 2', '"type": "dense", "name": "my layer", "units": 2')).message, /may contain only letters/);
  });

  it('collects every error with checkModelSpec', () => {
    const result = checkModelSpec(BASE.replace('"units": 16', '"units": 0').replace('"softmax"', '"softmaxx"'), 'm.nn.json');
    assert.deepStrictEqual(
      result.errors.map((e) => e.field),
      ['model.layers[0].units', 'model.layers[1].activation'],
    );
    assert.strictEqual(result.parsed, undefined);
  });
});

describe('loadModelSpec', () => {
  it('reads a file, and reports a missing one as a UserError naming it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nd-spec-'));
    try {
      const file = path.join(dir, 'ok.nn.json');
      fs.writeFileSync(file, `\uFEFF${BASE}`);
      assert.strictEqual(loadModelSpec(file).spec.name, 't');
      const missing = path.join(dir, 'missing.nn.json');
      assert.throws(
        () => loadModelSpec(missing),
        (e: unknown) => isUserError(e) && e.info.file === missing && /file not found/.test(e.info.message),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
