// The bad-input corpus: each case, its CLI arguments (relative to
// test/fixtures/bad/) and the error line it must produce. Used by the CLI test
// (badInputs.test.ts) and the VS Code test (badInputsInVsCode.test.ts).

export interface Case {
  /** The CLI command; default `train`. */
  command?: 'train' | 'report';
  /** Arguments after the command (relative to the corpus folder). */
  args: string[];
  /** The error line, as a regular expression over stderr. */
  error: RegExp;
}

const POS = String.raw`:\d+:\d+: error: `;
const spec = (name: string) => [name, '--steps', '2'];

export const CASES: Record<string, Case> = {
  'malformed JSON': { args: spec('malformed.nn.json'), error: new RegExp(`^malformed\\.nn\\.json:3:35: error: malformed JSON`) },
  'not an object': { args: spec('not-an-object.nn.json'), error: new RegExp(`^not-an-object\\.nn\\.json:1:1: error: a model spec must be a JSON object`) },
  'unknown layer type (did you mean)': {
    args: spec('unknown-layer-type.nn.json'),
    error: new RegExp(`^unknown-layer-type\\.nn\\.json${POS}model\\.layers\\[0\\]\\.type: unknown layer type 'dens'; did you mean 'dense'\\?`),
  },
  'wrong field type': {
    args: spec('wrong-field-type.nn.json'),
    error: new RegExp(`^wrong-field-type\\.nn\\.json${POS}model\\.layers\\[0\\]\\.units: expected a positive integer, got the string "8"`),
  },
  'negative units': { args: spec('negative-units.nn.json'), error: new RegExp(`${POS}model\\.layers\\[0\\]\\.units: expected a positive integer, got -4`) },
  'zero units': { args: spec('zero-units.nn.json'), error: new RegExp(`${POS}model\\.layers\\[0\\]\\.units: expected a positive integer, got 0`) },
  'kernel larger than its input': {
    args: spec('kernel-larger-than-input.nn.json'),
    error: new RegExp(`${POS}layer 'conv2d_2' \\(line \\d+\\): kernel size 5 is larger than its input 4x4 from 'reshape_1'`),
  },
  'input shapes of two layers do not fit': {
    args: spec('merge-shape-mismatch.nn.json'),
    error: new RegExp(`${POS}layer 'sum' .*'a' gives \\[8\\] and 'b' gives \\[6\\]`),
  },
  'softmax output with binary loss': {
    args: spec('softmax-with-binary-loss.nn.json'),
    error: new RegExp(`${POS}the output layer 'dense_2' .*uses softmax, but binaryCrossentropy`),
  },
  'labels with the wrong number of classes': {
    args: spec('wrong-number-of-classes.nn.json'),
    error: new RegExp(`${POS}the output layer 'dense_2' .*outputs \\[3\\].*2 classes`),
  },
  'unknown activation': {
    args: spec('unknown-activation.nn.json'),
    error: new RegExp(`${POS}model\\.layers\\[0\\]\\.activation: unknown activation 'relu6x'; did you mean 'relu'\\?`),
  },
  'unknown optimizer': { args: spec('unknown-optimizer.nn.json'), error: new RegExp(`${POS}training\\.optimizer\\.type: unknown optimizer 'adamw2'`) },
  'unknown loss': { args: spec('unknown-loss.nn.json'), error: new RegExp(`${POS}training\\.loss: unknown loss 'crossEntropy'`) },
  'missing required field': { args: spec('missing-loss.nn.json'), error: new RegExp(`${POS}training: missing required option 'loss'`) },
  'zero epochs': { args: spec('zero-epochs.nn.json'), error: new RegExp(`${POS}training\\.epochs: expected a positive integer, got 0`) },
  'validation split of 1': { args: spec('validation-split-one.nn.json'), error: new RegExp(`${POS}data\\.validationSplit: expected a number in \\[0, 1\\)`) },
  'unknown synthetic dataset': {
    args: spec('unknown-dataset.nn.json'),
    error: new RegExp(`${POS}data\\.dataset: unknown dataset 'spirals'; did you mean 'spiral'\\?`),
  },
  'unknown diagnostic in the spec': {
    args: spec('unknown-diagnostic.nn.json'),
    error: new RegExp(`${POS}diagnostics\\.vanishing: unknown diagnostic 'vanishing'`),
  },
  'batch size larger than the dataset': {
    args: spec('batch-larger-than-dataset.nn.json'),
    error: /^batch-larger-than-dataset\.nn\.json: error: training\.batchSize: batch size 512 is larger than the 160 training samples/,
  },
  'missing data folder': {
    args: spec('missing-data-folder.nn.json'),
    error: /^missing-data-folder\.nn\.json: error: data\.path: folder .*no-such-folder does not exist/,
  },
  'missing CSV file': { args: spec('csv-missing-file.nn.json'), error: /^csv-missing-file\.nn\.json: error: data\.path: file .*nope\.csv does not exist/ },
  'truncated idx file': {
    args: spec('truncated-idx.nn.json'),
    error: /^data\/truncated-mnist\/train-images-idx3-ubyte: error: .*is truncated: its header says 10 × 28 × 28 values/,
  },
  'truncated CIFAR-10 file': {
    args: spec('truncated-cifar.nn.json'),
    error: /^data\/truncated-cifar\/data_batch_3\.bin: error: .*is truncated or not a CIFAR-10 binary file/,
  },
  'CSV with a ragged row': {
    args: spec('csv-ragged-row.nn.json'),
    error: /^data\/ragged\.csv:4:\d+: error: this row has 2 cells, but the header has 3 columns/,
  },
  'CSV with a non-numeric cell': {
    args: spec('csv-non-numeric.nn.json'),
    error: /^data\/non-numeric\.csv:3:3: error: "x4" in feature column "b" is not a number/,
  },
  'CSV without the label column': {
    args: spec('csv-missing-label.nn.json'),
    error: /^csv-missing-label\.nn\.json: error: data\.label: .*has no column "label"; its columns are "a", "b", "target"/,
  },
  'NaN in the data': { args: spec('csv-nan.nn.json'), error: /^data\/nan\.csv:3:3: error: NaN in feature column "b" is not a finite number/ },
  'empty dataset': { args: spec('csv-empty.nn.json'), error: /^data\/empty\.csv:1:1: error: the file has a header row but no data rows/ },
  'data outside the allowed root': {
    args: [...spec('data-outside-root.nn.json'), '--data-root', '.'],
    error: /^data-outside-root\.nn\.json: error: data\.path: .*is outside the workspace folder/,
  },
  'a corrupt image in an image folder': {
    args: spec('images-corrupt.nn.json'),
    error: /^data\/images-corrupt\/square\/2\.png: error: cannot decode this PNG file \(the file ends early: it is truncated\); .*data\.onBadImage to "skip"/,
  },
  'an empty class folder': {
    args: spec('images-empty-class.nn.json'),
    error: /^images-empty-class\.nn\.json: error: data\.path: class folder .*images-empty-class\/square has no PNG or JPEG images \(only .*README\.txt\)/,
  },
  'truncated .npy file': {
    args: spec('npy-truncated.nn.json'),
    error: /^data\/truncated-x\.npy: error: the file is truncated: its header says 10 samples of shape \(10, 4\) <f4 .*\(8 complete samples\)/,
  },
  'x and y of different lengths in an .npz': {
    args: spec('npz-mismatched-lengths.nn.json'),
    error: /^data\/mismatched\.npz: error: .*mismatched\.npz \(y\) has 8 labels, but .*mismatched\.npz \(x\) has 10 samples/,
  },
  'model input that needs data.inputShape': {
    args: spec('input-shape-needs-reshape.nn.json'),
    error: new RegExp(
      `^input-shape-needs-reshape\\.nn\\.json${POS}the model input is declared as \\[2, 2, 3\\] but the data gives \\[12\\]; set data\\.inputShape to \\[2, 2, 3\\]`,
    ),
  },
  'data.inputShape of the wrong size': {
    args: spec('input-shape-wrong-size.nn.json'),
    error: /^input-shape-wrong-size\.nn\.json: error: data\.inputShape: \[5, 5\] holds 25 values, but each sample has 12/,
  },
  'breakpoint expression with a syntax error': {
    args: ['negative-units.nn.json', '--break-when', 'loss <'],
    error: /^error: --break-when: expected a number or a name after '<' at column 7/,
  },
  'breakpoint expression with an unknown name': {
    args: ['../../../examples/spiral-mlp.nn.json', '--break-when', 'los < 0.3'],
    error: /^error: --break-when: los < 0\.3: unknown name 'los' — did you mean 'loss'\?/,
  },
  'unknown --break-on kind': { args: ['unknown-top-level-field.nn.json', '--break-on', 'nan'], error: /^error: --break-on: unknown diagnostic kind 'nan'/ },
  'missing spec file': { args: spec('does-not-exist.nn.json'), error: /^does-not-exist\.nn\.json: error: file not found/ },
  'a folder given as the spec': { args: spec('folder.nn.json'), error: /^folder\.nn\.json: error: is a folder, not a model spec file/ },
  'a file that is not a model': {
    args: spec('data'),
    error:
      /^data: error: not a model file: expected a model spec \(\*\.nn\.json\), a model module \(\*\.model\.ts, \*\.model\.js\) or a PyTorch script \(\*\.py\)/,
  },
  'a TS module with a syntax error': {
    args: spec('modules/syntax-error.model.ts'),
    error: /^modules\/syntax-error\.model\.ts:5:35: error: Expected "\}" but found ";"/,
  },
  'a TS module that throws': {
    args: spec('modules/throws.model.ts'),
    error: /^modules\/throws\.model\.ts:5:9: error: model\(\) of throws\.model\.ts threw RangeError: the hidden size must be even/,
  },
  'a TS module that never returns': {
    args: spec('modules/never-returns.model.ts'),
    error: /^modules\/never-returns\.model\.ts: error: model\(\) of never-returns\.model\.ts did not finish within 2 s/,
  },
  'a TS module that builds no model': {
    args: spec('modules/no-model.model.ts'),
    error: /^modules\/no-model\.model\.ts: error: model\(\) of no-model\.model\.ts returned an object that is not a LayersModel/,
  },
  'a Keras JSON with an unsupported layer': {
    args: spec('keras-unsupported/keras-unsupported.nn.json'),
    error: /^keras-unsupported\/model\.json:\d+:\d+: error: layer 'scale' is a Lambda layer \(class Lambda\), which TensorFlow\.js does not support/,
  },
  'a Keras 2.1 list-form config with a Lambda layer': {
    args: spec('keras-models/list-form-lambda.nn.json'),
    error: /\/models\/refused\/keras-2\.1-lambda\.json:34:5: error: layer 'halve' is a Lambda layer \(class Lambda\)/,
  },
  'a Keras 3 custom class in a nested model': {
    args: spec('keras-models/custom-class.nn.json'),
    error: /\/models\/refused\/keras-3-custom-layer\.json:53:13: error: layer 'scale' is a Scale layer \(class Scale, registered as my_package>Scale\)/,
  },
  'a TensorFlow.js model.json without its .bin': {
    args: spec('keras-models/missing-bin.nn.json'),
    error: /\/models\/refused\/tfjs-missing-bin\/model\.json:153:9: error: weight file group1-shard1of1\.bin is missing: .*put it next to model\.json/,
  },
  'a TensorFlow.js model.json whose weight names are not its layers': {
    args: spec('keras-models/wrong-weight-names.nn.json'),
    error: /\/models\/refused\/tfjs-wrong-names\/model\.json:150:22: error: the model's weights are not in the file: expected dense\/kernel/,
  },
  'a Keras sigmoid output with a categorical loss': {
    args: spec('keras-models/sigmoid-output.nn.json'),
    error: /\/models\/refused\/keras-2-sigmoid-output\.json:45:7: error: the output layer 'prob' .*outputs \[1\]/,
  },
  'a Keras Embedding model on standardized CSV columns': {
    args: spec('keras-models/embedding-on-standardized-csv.nn.json'),
    error: /\/models\/keras-2\.15-embedding\.json:19:7: error: layer 'embedding' is an Embedding layer on the model's input/,
  },
  'a garbage trace given to report': {
    command: 'report',
    args: ['garbage-trace.jsonl', '--out', 'REPORT_OUT'],
    error: /^garbage-trace\.jsonl:1(:\d+)?: error: /,
  },
  'a trace path whose parent is a file': {
    args: ['unknown-top-level-field.nn.json', '--steps', '2', '--trace', 'malformed.nn.json/run.jsonl'],
    error: /malformed\.nn\.json\/run\.jsonl: error: /,
  },
};
