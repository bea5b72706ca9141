// Does the model's output fit the data's target and the loss? Checked once
// the graph is built, with messages that say which option to change.

import type { LayerSpec, LossName, MetricName } from '../../spec/types';
import { formatShape, type SampleShape } from './shapes';

export type TargetInfo = { kind: 'class'; numClasses: number; shape: number[] } | { kind: 'value'; shape: number[] };

const CLASS_LOSSES: LossName[] = ['categoricalCrossentropy', 'sparseCategoricalCrossentropy'];

/**
 * The per-sample output shape the loss compares with the target:
 * class targets give one probability per class (one sigmoid unit for
 * binaryCrossentropy); value targets are compared as they are.
 */
function expectedOutputShape(target: TargetInfo, loss: LossName): number[] {
  if (target.kind === 'value') return target.shape.length === 0 ? [1] : target.shape;
  if (loss === 'binaryCrossentropy') return [...target.shape, 1];
  return [...target.shape, target.numClasses];
}

function describeTarget(target: TargetInfo): string {
  if (target.kind === 'value') return `a numeric target of shape ${formatShape(target.shape)}`;
  const per = target.shape.length === 0 ? 'per sample' : `at each of ${target.shape.join('x')} positions`;
  return `one of ${target.numClasses} classes ${per}`;
}

/** The activation the output layer applies, when the spec says it (null: not known). */
function outputActivation(layer: LayerSpec | undefined): string | null {
  if (!layer) return null;
  if (layer.type === 'activation') return layer.activation as string;
  if (layer.type === 'dense' || layer.type === 'conv1d' || layer.type === 'conv2d') return (layer.activation as string | undefined) ?? 'linear';
  return null;
}

/**
 * A message saying why the output cannot be trained with this loss on this
 * target, or null. `where` names the output layer ("layer 'dense_2' (line 12)").
 */
export function outputProblem(outputShape: SampleShape, outputLayer: LayerSpec | undefined, where: string, target: TargetInfo, loss: LossName): string | null {
  const activation = outputActivation(outputLayer);
  const shapeText = formatShape(outputShape);
  const lastDim = outputShape[outputShape.length - 1];

  if (target.kind === 'value' && CLASS_LOSSES.includes(loss)) {
    return `${loss} needs class labels, but the data has ${describeTarget(target)}; use "loss": "meanSquaredError" or "meanAbsoluteError"`;
  }
  if (target.kind === 'class' && loss === 'binaryCrossentropy') {
    if (target.numClasses !== 2) {
      return `binaryCrossentropy is for 2 classes, but the data has ${target.numClasses}; use categoricalCrossentropy with a softmax layer of ${target.numClasses} units`;
    }
    if (activation === 'softmax') {
      return `${where} uses softmax, but binaryCrossentropy needs one sigmoid unit ("units": 1, "activation": "sigmoid"); or keep softmax over 2 units with categoricalCrossentropy`;
    }
  }

  const expected = expectedOutputShape(target, loss);
  if (formatShape(expected) !== shapeText) {
    let fix = '';
    if (outputShape.length === expected.length && lastDim !== expected[expected.length - 1]) {
      fix = `; the output layer needs ${expected[expected.length - 1]} units`;
      if (target.kind === 'class' && lastDim === 1 && target.numClasses === 2 && loss !== 'binaryCrossentropy') {
        fix += ' (or use binaryCrossentropy with this single sigmoid unit)';
      }
    } else if (outputShape.length > expected.length) {
      fix = '; add a flatten (or global pooling) layer before the output layer, or set "returnSequences": false on the last recurrent layer';
    } else if (outputShape.length < expected.length && target.shape.length > 0) {
      fix =
        '; the target has one label per position: keep the sequence axis (e.g. "returnSequences": true, no flatten) so the output layer sees [steps, features]';
    }
    return `${where} outputs ${shapeText} per sample, but the data has ${describeTarget(target)} and ${loss} needs ${formatShape(expected)}${fix}`;
  }

  if (target.kind === 'class' && CLASS_LOSSES.includes(loss) && activation !== null && activation !== 'softmax') {
    return `${where} uses activation '${activation}', but ${loss} needs probabilities: set "activation": "softmax" on the output layer`;
  }
  if (target.kind === 'class' && loss === 'binaryCrossentropy' && activation !== null && activation !== 'sigmoid') {
    return `${where} uses activation '${activation}', but binaryCrossentropy needs a probability: set "activation": "sigmoid"`;
  }
  return null;
}

/** A message when a metric cannot be computed for this target, or null. */
export function metricProblem(metrics: MetricName[], target: TargetInfo): string | null {
  const accuracy = metrics.find((m) => m === 'accuracy' || m === 'acc');
  if (accuracy && target.kind === 'value') {
    return `'${accuracy}' needs class labels, but the data has ${describeTarget(target)}; use "mse" or "mae"`;
  }
  return null;
}
