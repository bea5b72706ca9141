// Shape checks before a layer is applied, so that a misfit is reported in the
// spec's words ("kernel size 5 is larger than its input 4x4 from
// 'maxPooling2d_2'") instead of a tfjs stack trace.

import type { LayerSpec } from '../../spec/types';

/** "a" or "an" before a layer type ("an embedding layer", "an add layer"). */
function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

export type SampleShape = (number | null)[];

export interface ShapedInput {
  /** Name of the layer or model input that produces it. */
  from: string;
  /** Shape of one sample (no batch axis). */
  shape: SampleShape;
  /** True for the model input itself. */
  modelInput: boolean;
  /** True when it is the model input and the data gives token ids. */
  tokenIds: boolean;
}

export function formatShape(shape: SampleShape): string {
  return `[${shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

function tuple(value: unknown, dims: number, fallback: number): number[] {
  if (Array.isArray(value)) return value as number[];
  return new Array(dims).fill(typeof value === 'number' ? value : fallback);
}

const SPATIAL: Record<string, { dims: 1 | 2; window: 'kernelSize' | 'poolSize' | null }> = {
  conv1d: { dims: 1, window: 'kernelSize' },
  conv2d: { dims: 2, window: 'kernelSize' },
  maxPooling1d: { dims: 1, window: 'poolSize' },
  maxPooling2d: { dims: 2, window: 'poolSize' },
  averagePooling1d: { dims: 1, window: 'poolSize' },
  averagePooling2d: { dims: 2, window: 'poolSize' },
  globalAveragePooling1d: { dims: 1, window: null },
  globalAveragePooling2d: { dims: 2, window: null },
  globalMaxPooling1d: { dims: 1, window: null },
  globalMaxPooling2d: { dims: 2, window: null },
};

const SEQUENCE_LAYERS = ['simpleRNN', 'lstm', 'gru', 'transformerEncoder'];

/**
 * A description of why `layer` cannot read `inputs`, or null when the
 * shapes fit (as far as these checks go; tfjs checks the rest).
 */
export function inputShapeProblem(layer: LayerSpec, inputs: ShapedInput[]): string | null {
  const [first] = inputs;
  const { shape, from } = first;
  const type = layer.type;

  const spatial = SPATIAL[type];
  if (spatial) return spatialProblem(layer, spatial.dims, spatial.window, first);

  if (SEQUENCE_LAYERS.includes(type)) {
    if (shape.length !== 2) {
      const hint = shape.length === 1 ? `; add a reshape layer with targetShape [${shape[0] ?? -1}, 1] to treat each value as one step` : '';
      return `${article(type)} ${type} layer needs a [steps, features] input, but '${from}' gives ${formatShape(shape)}${hint}`;
    }
    if (type === 'transformerEncoder' && layer.keyDim === undefined) {
      const width = shape[1];
      const heads = layer.numHeads as number;
      if (width !== null && width % heads !== 0) {
        return `the input width ${width} from '${from}' is not divisible by numHeads ${heads}; change numHeads or set keyDim`;
      }
    }
    return null;
  }

  if (type === 'embedding' || type === 'positionalEmbedding') {
    if (!first.tokenIds) {
      const what = first.modelInput ? 'the data holds real-valued features, not token ids' : `'${from}' computes real values, not token ids`;
      return `${article(type)} ${type} layer reads integer token ids, but ${what}; use it first in the model, on token data (e.g. the token-reverse and token-sort data sets, or CSV columns of whole numbers with data.normalize "none")`;
    }
    if (shape.length !== 1) return `${article(type)} ${type} layer needs a [steps] input of token ids, but '${from}' gives ${formatShape(shape)}`;
    const maxLength = layer.maxLength as number | undefined;
    if (type === 'positionalEmbedding' && maxLength !== undefined && shape[0] !== null && shape[0] > maxLength) {
      return `the sequence length ${shape[0]} from '${from}' is longer than maxLength ${maxLength}`;
    }
    return null;
  }

  if (type === 'flatten' && shape.length < 2) {
    return `'${from}' already gives a flat ${formatShape(shape)}; remove this flatten layer`;
  }

  if (type === 'reshape') return reshapeProblem(layer.targetShape as number[], first);

  if (type === 'add' || type === 'multiply' || type === 'average') {
    const different = inputs.find((input) => formatShape(input.shape) !== formatShape(shape));
    if (different) {
      return `${article(type)} ${type} layer needs inputs of the same shape, but '${from}' gives ${formatShape(shape)} and '${different.from}' gives ${formatShape(different.shape)}`;
    }
    return null;
  }

  if (type === 'concatenate') return concatenateProblem(layer, inputs);
  return null;
}

function spatialProblem(layer: LayerSpec, dims: 1 | 2, window: 'kernelSize' | 'poolSize' | null, input: ShapedInput): string | null {
  const { shape, from } = input;
  const wanted = dims === 1 ? '[steps, channels]' : '[height, width, channels]';
  if (shape.length !== dims + 1) {
    let hint = '';
    if (dims === 2 && shape.length === 1 && shape[0] !== null) {
      // A square picture of 1 or 3 channels, if the count allows one.
      const guess = [1, 3].map((c) => [Math.round(Math.sqrt(shape[0]! / c)), c]).find(([side, c]) => side * side * c === shape[0]);
      const target = guess ? `[${guess[0]}, ${guess[0]}, ${guess[1]}]` : '[height, width, channels]';
      hint = input.modelInput
        ? `; set data.inputShape to ${target} to reshape each sample (or, for MNIST, drop "flatten": true from data)`
        : `; add a reshape layer with targetShape ${target} first`;
    } else if (dims === 1 && shape.length === 1) {
      hint = `; add a reshape layer with targetShape [${shape[0] ?? -1}, 1] first`;
    }
    return `a ${layer.type} layer needs a ${wanted} input, but '${from}' gives ${formatShape(shape)}${hint}`;
  }
  if (window === null || (layer.padding ?? 'valid') !== 'valid') return null;
  const size = tuple(layer[window], dims, 2);
  const dilation = window === 'kernelSize' ? tuple(layer.dilationRate, dims, 1) : new Array(dims).fill(1);
  const effective = size.map((k, i) => (k - 1) * dilation[i] + 1);
  const spatialInput = shape.slice(0, dims);
  const tooBig = effective.some((k, i) => spatialInput[i] !== null && k > (spatialInput[i] as number));
  if (!tooBig) return null;
  const what = window === 'kernelSize' ? 'kernel size' : 'pool size';
  const sizeText = size.every((k) => k === size[0]) ? String(size[0]) : size.join('x');
  const dilated = effective.some((k, i) => k !== size[i]) ? ` (${effective.join('x')} with dilation)` : '';
  return `${what} ${sizeText}${dilated} is larger than its input ${spatialInput.join('x')} from '${from}'; use a smaller ${window}, "padding": "same", or fewer pooling layers before it`;
}

function reshapeProblem(target: number[], input: ShapedInput): string | null {
  if (input.shape.some((d) => d === null)) return null;
  const count = (input.shape as number[]).reduce((a, b) => a * b, 1);
  const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const fits = target.includes(-1) ? count % known === 0 : count === known;
  if (fits) return null;
  return `cannot reshape ${formatShape(input.shape)} from '${input.from}' (${count} values) to ${formatShape(target)}${target.includes(-1) ? '' : ` (${known} values)`}`;
}

function concatenateProblem(layer: LayerSpec, inputs: ShapedInput[]): string | null {
  const rank = inputs[0].shape.length;
  const axisOption = (layer.axis as number | undefined) ?? -1;
  // The spec's axis counts the batch axis as 0, like tfjs.
  const axis = axisOption < 0 ? rank + axisOption : axisOption - 1;
  if (axis < 0 || axis >= rank)
    return `axis ${axisOption} does not exist for inputs of shape ${formatShape(inputs[0].shape)} (the batch axis 0 cannot be joined)`;
  for (const other of inputs.slice(1)) {
    const mismatch = other.shape.length !== rank || other.shape.some((d, i) => i !== axis && d !== inputs[0].shape[i]);
    if (mismatch) {
      return `a concatenate layer (axis ${axisOption}) needs inputs that match except on that axis, but '${inputs[0].from}' gives ${formatShape(inputs[0].shape)} and '${other.from}' gives ${formatShape(other.shape)}`;
    }
  }
  return null;
}
