// Field types shared by several layers: activations, initializers,
// regularizers.

import { type FieldDef, type FieldType, type UnionDef, POSITIVE_NUMBER } from './fields';

const ACTIVATIONS = ['sigmoid', 'tanh', 'relu', 'leakyReLU', 'elu', 'gelu', 'softmax', 'linear'] as const;

const activationType: FieldType = { kind: 'enum', values: ACTIVATIONS };

const NAMED_INITIALIZERS: Record<string, string> = {
  zeros: 'All zeros.',
  ones: 'All ones.',
  glorotUniform: 'Glorot/Xavier uniform: U(-l, l), l = sqrt(6 / (fanIn + fanOut)). Good default for tanh/sigmoid.',
  glorotNormal: 'Glorot/Xavier normal: truncated normal with stddev sqrt(2 / (fanIn + fanOut)).',
  heNormal: 'He normal: truncated normal with stddev sqrt(2 / fanIn). Good default for ReLU.',
  heUniform: 'He uniform: U(-l, l), l = sqrt(6 / fanIn).',
  leCunNormal: 'LeCun normal: truncated normal with stddev sqrt(1 / fanIn).',
  leCunUniform: 'LeCun uniform: U(-l, l), l = sqrt(3 / fanIn).',
};

const initializerUnion: UnionDef = {
  description:
    'How a weight is initialised: a name such as "heNormal", or an object {"type": ..., parameters}. ' +
    'Every initializer is seeded from training.seed and the layer position, so runs are reproducible. ' +
    'A deliberately bad init: {"type": "randomNormal", "stddev": 5}.',
  discriminator: 'type',
  noun: 'initializer',
  shorthand: true,
  common: {},
  variants: {
    ...Object.fromEntries(Object.entries(NAMED_INITIALIZERS).map(([name, description]) => [name, { description, fields: {} }])),
    constant: {
      description: 'Every value equal to `value` (e.g. a large negative bias to kill ReLU units).',
      fields: { value: { type: { kind: 'number' }, description: 'The constant.', required: true } },
    },
    randomNormal: {
      description: 'Normal distribution N(mean, stddev²).',
      fields: {
        mean: { type: { kind: 'number' }, description: 'Mean.', default: 0 },
        stddev: { type: POSITIVE_NUMBER, description: 'Standard deviation.', default: 0.05 },
      },
    },
    truncatedNormal: {
      description: 'Normal distribution cut at two standard deviations.',
      fields: {
        mean: { type: { kind: 'number' }, description: 'Mean.', default: 0 },
        stddev: { type: POSITIVE_NUMBER, description: 'Standard deviation.', default: 0.05 },
      },
    },
    randomUniform: {
      description: 'Uniform distribution U(minval, maxval).',
      fields: {
        minval: { type: { kind: 'number' }, description: 'Lower bound.', default: -0.05 },
        maxval: { type: { kind: 'number' }, description: 'Upper bound.', default: 0.05 },
      },
    },
    varianceScaling: {
      description: 'Variance scaling: stddev = sqrt(scale / n), n from `mode`. A large `scale` makes exploding activations.',
      fields: {
        scale: { type: POSITIVE_NUMBER, description: 'Multiplier of the variance.', default: 1 },
        mode: { type: { kind: 'enum', values: ['fanIn', 'fanOut', 'fanAvg'] }, description: 'Which fan n is.', default: 'fanIn' },
        distribution: {
          type: { kind: 'enum', values: ['normal', 'uniform', 'truncatedNormal'] },
          description: 'Distribution the values are drawn from.',
          default: 'normal',
        },
      },
    },
    orthogonal: {
      description: 'Random orthogonal matrix (the default for recurrent kernels).',
      fields: { gain: { type: POSITIVE_NUMBER, description: 'Multiplier of the matrix.', default: 1 } },
    },
  },
};

const initializerType: FieldType = { kind: 'union', def: initializerUnion };

const regularizerType: FieldType = {
  kind: 'object',
  def: {
    description: 'Weight penalty added to the loss: l1·Σ|w| + l2·Σw².',
    fields: {
      l1: { type: { kind: 'number', min: 0 }, description: 'L1 factor.', default: 0 },
      l2: { type: { kind: 'number', min: 0 }, description: 'L2 factor (weight decay).', default: 0 },
    },
  },
};

export function activationField(defaultValue: string, what = 'Activation applied to the output.'): FieldDef {
  return {
    type: activationType,
    description: `${what} One of ${ACTIVATIONS.join(', ')}. leakyReLU adds a LeakyReLU layer named <layer>_leakyReLU after this one.`,
    default: defaultValue,
  };
}

export const alphaField: FieldDef = {
  type: { kind: 'number', min: 0 },
  description: 'Slope for negative inputs when the activation is leakyReLU.',
  default: 0.2,
};

export function initializerField(defaultValue: string, what: string): FieldDef {
  return { type: initializerType, description: `Initializer of the ${what}.`, default: defaultValue };
}

export function regularizerField(what: string): FieldDef {
  return { type: regularizerType, description: `L1/L2 penalty on the ${what}.` };
}
