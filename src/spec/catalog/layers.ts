// Every layer type a spec may use, with its options. The model builder
// (src/trainer/model/layers.ts) has one factory per entry here.

import { activationField, alphaField, initializerField, regularizerField } from './common';
import { type FieldDef, type ObjectDef, type UnionDef, FRACTION, POSITIVE_INT, POSITIVE_NUMBER } from './fields';

const useBias: FieldDef = { type: { kind: 'boolean' }, description: 'Whether the layer adds a bias.', default: true };
const padding: FieldDef = {
  type: { kind: 'enum', values: ['valid', 'same'] },
  description: '"valid": no padding, the output shrinks; "same": zero-pad so that (with stride 1) the output keeps the input size.',
  default: 'valid',
};

function weightOptions(kernelDefault: string): Record<string, FieldDef> {
  return {
    useBias,
    kernelInitializer: initializerField(kernelDefault, 'kernel (weights)'),
    biasInitializer: initializerField('zeros', 'bias'),
    kernelRegularizer: regularizerField('kernel'),
    biasRegularizer: regularizerField('bias'),
  };
}

function conv(dims: 1 | 2): ObjectDef {
  const tuple = { kind: 'intOrTuple', length: dims } as const;
  const shape = dims === 1 ? '[steps, channels]' : '[height, width, channels]';
  return {
    description: `${dims}-D convolution over a ${shape} input.`,
    fields: {
      filters: { type: POSITIVE_INT, description: 'Number of output channels.', required: true },
      kernelSize: { type: tuple, description: dims === 1 ? 'Window length.' : 'Window size: n or [height, width].', required: true },
      strides: { type: tuple, description: 'Step of the window.', default: 1 },
      padding,
      dilationRate: { type: tuple, description: 'Spacing between kernel taps.', default: 1 },
      activation: activationField('linear'),
      alpha: alphaField,
      ...weightOptions('glorotUniform'),
    },
  };
}

function pooling(kind: 'max' | 'average', dims: 1 | 2): ObjectDef {
  const tuple = { kind: 'intOrTuple', length: dims } as const;
  return {
    description: `${kind === 'max' ? 'Maximum' : 'Average'} over ${dims}-D windows of a ${dims === 1 ? '[steps, channels]' : '[height, width, channels]'} input.`,
    fields: {
      poolSize: { type: tuple, description: 'Window size.', default: 2 },
      strides: { type: tuple, description: 'Step of the window; default: the pool size.' },
      padding,
    },
  };
}

function globalPooling(kind: 'max' | 'average', dims: 1 | 2): ObjectDef {
  return {
    description: `${kind === 'max' ? 'Maximum' : 'Average'} over all ${dims === 1 ? 'steps' : 'positions'} of each channel: ${dims === 1 ? '[steps, channels]' : '[height, width, channels]'} → [channels].`,
    fields: {},
  };
}

function recurrent(kind: 'simpleRNN' | 'lstm' | 'gru'): ObjectDef {
  const gated = kind !== 'simpleRNN';
  return {
    description: `${kind === 'simpleRNN' ? 'Fully-connected RNN' : kind.toUpperCase()} over a [steps, features] input.`,
    fields: {
      units: { type: POSITIVE_INT, description: 'Size of the hidden state.', required: true },
      activation: activationField('tanh', 'Activation of the state update.'),
      ...(gated ? { recurrentActivation: activationField('sigmoid', 'Activation of the gates.') } : {}),
      returnSequences: {
        type: { kind: 'boolean' },
        description: 'true: output every step ([steps, units], e.g. to stack recurrent layers); false: only the last step ([units]).',
        default: false,
      },
      dropout: { type: FRACTION, description: 'Dropout on the inputs during training.', default: 0 },
      recurrentDropout: { type: FRACTION, description: 'Dropout on the recurrent state during training.', default: 0 },
      useBias,
      kernelInitializer: initializerField('glorotUniform', 'input kernel'),
      recurrentInitializer: initializerField('orthogonal', 'recurrent kernel'),
      biasInitializer: initializerField('zeros', 'bias'),
      kernelRegularizer: regularizerField('input kernel'),
      recurrentRegularizer: regularizerField('recurrent kernel'),
      biasRegularizer: regularizerField('bias'),
    },
  };
}

function merge(what: string, extra: Record<string, FieldDef> = {}): ObjectDef {
  return {
    description: `${what} Needs \`inputs\` with at least two layer names.`,
    fields: extra,
  };
}

export const LAYER_VARIANTS: Record<string, ObjectDef> = {
  dense: {
    description: 'Fully-connected layer: output = activation(input · kernel + bias). On a [steps, features] input it applies to the last axis.',
    fields: {
      units: { type: POSITIVE_INT, description: 'Number of output units.', required: true },
      activation: activationField('linear'),
      alpha: alphaField,
      ...weightOptions('glorotUniform'),
    },
  },
  conv1d: conv(1),
  conv2d: conv(2),
  maxPooling1d: pooling('max', 1),
  maxPooling2d: pooling('max', 2),
  averagePooling1d: pooling('average', 1),
  averagePooling2d: pooling('average', 2),
  globalAveragePooling1d: globalPooling('average', 1),
  globalAveragePooling2d: globalPooling('average', 2),
  globalMaxPooling1d: globalPooling('max', 1),
  globalMaxPooling2d: globalPooling('max', 2),
  flatten: { description: 'Flattens the input to one axis (the batch axis is kept).', fields: {} },
  reshape: {
    description: 'Reshapes the input (the batch axis is kept); the number of values must not change.',
    fields: {
      targetShape: {
        type: { kind: 'shape', allowMinusOne: true },
        description: 'The new shape without the batch axis; one entry may be -1 (inferred).',
        required: true,
      },
    },
  },
  dropout: {
    description: 'Sets a fraction `rate` of the values to zero during training (and scales the rest up); does nothing at evaluation.',
    fields: { rate: { type: FRACTION, description: 'Fraction of values dropped, in [0, 1).', required: true } },
  },
  batchNormalization: {
    description: 'Normalises each channel (last axis) with batch statistics during training and moving averages at evaluation.',
    fields: {
      momentum: { type: FRACTION, description: 'Momentum of the moving averages.', default: 0.99 },
      epsilon: { type: POSITIVE_NUMBER, description: 'Added to the variance to avoid division by zero.', default: 0.001 },
      center: { type: { kind: 'boolean' }, description: 'Learn an offset (beta).', default: true },
      scale: { type: { kind: 'boolean' }, description: 'Learn a scale (gamma).', default: true },
    },
  },
  layerNormalization: {
    description: 'Normalises each sample over the last axis.',
    fields: {
      epsilon: { type: POSITIVE_NUMBER, description: 'Added to the variance to avoid division by zero.', default: 0.001 },
      center: { type: { kind: 'boolean' }, description: 'Learn an offset (beta).', default: true },
      scale: { type: { kind: 'boolean' }, description: 'Learn a scale (gamma).', default: true },
    },
  },
  simpleRNN: recurrent('simpleRNN'),
  lstm: recurrent('lstm'),
  gru: recurrent('gru'),
  embedding: {
    description: 'Maps integer token ids [steps] to vectors [steps, outputDim]. The data must give token ids.',
    fields: {
      inputDim: { type: POSITIVE_INT, description: 'Vocabulary size: token ids are 0 … inputDim-1.', required: true },
      outputDim: { type: POSITIVE_INT, description: 'Size of each embedding vector.', required: true },
      embeddingsInitializer: initializerField('randomUniform', 'embedding table'),
      embeddingsRegularizer: regularizerField('embedding table'),
    },
  },
  activation: {
    description: 'Applies an activation function on its own.',
    fields: {
      activation: { ...activationField('linear', 'The activation.'), required: true },
      alpha: alphaField,
    },
  },
  positionalEmbedding: {
    description:
      'Token embedding plus a learned position embedding, for Transformers: token ids [steps] → [steps, embedDim]. ' + 'Custom layer `PositionalEmbedding`.',
    fields: {
      vocabSize: { type: POSITIVE_INT, description: 'Vocabulary size: token ids are 0 … vocabSize-1.', required: true },
      embedDim: { type: POSITIVE_INT, description: 'Size of each embedding vector (the model width).', required: true },
      maxLength: { type: POSITIVE_INT, description: 'Longest sequence; default: the input length.' },
      embeddingsInitializer: initializerField('randomNormal', 'token and position tables (stddev 0.02 by default)'),
    },
  },
  transformerEncoder: {
    description:
      'One Transformer encoder block on [steps, width]: multi-head self-attention and a two-layer feed-forward network, ' +
      'each with a residual connection and layer normalisation. Output shape = input shape. Custom layer `TransformerEncoder`.',
    fields: {
      numHeads: { type: POSITIVE_INT, description: 'Number of attention heads.', required: true },
      keyDim: { type: POSITIVE_INT, description: 'Size of each head’s query/key/value vectors; default: width / numHeads.' },
      ffDim: { type: POSITIVE_INT, description: 'Hidden size of the feed-forward network; default: 4 × width.' },
      dropout: { type: FRACTION, description: 'Dropout on attention weights and on each residual branch during training.', default: 0 },
      activation: {
        type: { kind: 'enum', values: ['relu', 'gelu'] },
        description: 'Activation of the feed-forward hidden layer.',
        default: 'relu',
      },
      normFirst: {
        type: { kind: 'boolean' },
        description: 'true: layer norm before each sub-block (pre-LN, trains stably without warm-up); false: after the residual sum (original post-LN).',
        default: true,
      },
      epsilon: { type: POSITIVE_NUMBER, description: 'Layer-norm epsilon.', default: 1e-5 },
      kernelInitializer: initializerField('glorotUniform', 'projection and feed-forward kernels'),
    },
  },
  add: merge('Element-wise sum of its inputs (all of the same shape) — residual connections.'),
  multiply: merge('Element-wise product of its inputs (all of the same shape).'),
  average: merge('Element-wise mean of its inputs (all of the same shape).'),
  concatenate: merge('Joins its inputs along `axis`; the other axes must match.', {
    axis: { type: { kind: 'integer' }, description: 'Axis to join along, counting the batch axis as 0; -1 = last.', default: -1 },
  }),
};

export const MERGE_LAYERS = ['add', 'multiply', 'average', 'concatenate'];

export const layerUnion: UnionDef = {
  description: 'One layer: `type` plus that type’s options.',
  discriminator: 'type',
  noun: 'layer type',
  common: {
    type: { type: { kind: 'enum', values: Object.keys(LAYER_VARIANTS) }, description: 'The layer type.', required: true },
    name: {
      type: { kind: 'string' },
      description: 'Unique layer name, shown in statistics and diagnostics; default: <type>_<position>, e.g. dense_1 (1-based position in the list).',
    },
    inputs: {
      type: { kind: 'stringList', minItems: 1 },
      description: 'Names of the layers or model inputs this layer reads; default: the previous layer (the model input for the first).',
    },
    trainable: { type: { kind: 'boolean' }, description: 'false freezes the layer’s weights.', default: true },
  },
  variants: LAYER_VARIANTS,
};
