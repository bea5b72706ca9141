// Checks that a model made outside our spec builder (a module's model(), a
// Keras topology) can be trained here: one input and one output, the input
// shape the data gives, an output that fits the data's target and the loss.

import * as tf from '@tensorflow/tfjs';
import type { UserErrorInfo } from '../../shared/protocol';
import { UserError } from '../../shared/errors';
import { inputShapeFix } from '../data/inputShape';
import type { LoadedData } from '../data/types';
import { formatShape } from '../model/shapes';
import { metricProblem, outputProblem } from '../model/output';
import type { LayerSpec, LossName, MetricName } from '../../spec/types';

/** Where a problem is reported: the file (module, spec) and, for a spec, the field and position. */
export type ProblemSite = Omit<UserErrorInfo, 'message'>;

export function isLayersModel(value: unknown): value is tf.LayersModel {
  const candidate = value as Partial<tf.LayersModel> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    Array.isArray(candidate.layers) &&
    Array.isArray(candidate.inputs) &&
    Array.isArray(candidate.outputs) &&
    typeof candidate.apply === 'function' &&
    typeof candidate.getWeights === 'function'
  );
}

/**
 * The graph model inside a tf.Sequential (same layers and weights). A
 * Sequential lists no input or output layers of its own, which the
 * instrumentation and the topology need. Null when the Sequential was never
 * built (its first layer has no input shape).
 */
export function asGraphModel(model: tf.LayersModel): tf.LayersModel | null {
  if (model.getClassName() !== 'Sequential') return model;
  const inner = (model as unknown as { model?: tf.LayersModel }).model;
  if (inner && inner.inputs?.length > 0) return inner;
  // Deserialised Sequentials are not built yet, but know their tensors.
  if (model.inputs?.length > 0 && model.outputs?.length > 0) return tf.model({ inputs: model.inputs, outputs: model.outputs, name: model.name });
  return null;
}

/** What a returned value is, for "returned X instead of a model" messages. */
export function describeReturned(value: unknown): string {
  if (value === undefined) return 'nothing (undefined)';
  if (value === null) return 'null';
  if (typeof value === 'object') {
    const name = (value as { constructor?: { name?: string } }).constructor?.name;
    if (name === 'SymbolicTensor') return 'a SymbolicTensor (pass it to tf.model({inputs, outputs}))';
    if (name === 'Tensor' || name === 'Variable') return `a ${name} (a value, not a model)`;
    return name && name !== 'Object' ? `a ${name}` : 'an object that is not a LayersModel';
  }
  return `a ${typeof value}`;
}

/** The activation of the layer that produces the model's output, as a LayerSpec stand-in for outputProblem. */
function outputLayerSpec(model: tf.LayersModel): LayerSpec | undefined {
  const layer = model.outputLayers[0];
  const config = layer.getConfig() as Record<string, unknown>;
  if (typeof config.activation === 'string') return { type: 'activation', activation: config.activation };
  if (layer.getClassName() === 'Softmax') return { type: 'activation', activation: 'softmax' };
  return undefined;
}

/**
 * Throws a UserError at `site` when the model cannot be trained on this data
 * with this loss. `what` names the model in messages ("the model of custom.model.ts").
 */
export function checkModelFitsData(
  model: tf.LayersModel,
  data: Pick<LoadedData, 'inputShape' | 'target' | 'inputIsTokenIds' | 'train' | 'validation' | 'test'>,
  loss: LossName,
  metrics: string[],
  site: ProblemSite,
  what: string,
  layerSite?: (layer: string) => ProblemSite,
): void {
  const fail = (message: string, layer?: string): never => {
    throw new UserError({ ...(layer && layerSite ? layerSite(layer) : site), message });
  };
  if (model.inputs.length !== 1) fail(`${what} has ${model.inputs.length} inputs; one is supported (the data has a single input)`, model.inputLayers[1]?.name);
  if (model.outputs.length !== 1)
    fail(`${what} has ${model.outputs.length} outputs; one is supported (the data has a single target)`, model.outputLayers[1]?.name);
  const inputShape = model.inputs[0].shape.slice(1);
  const fits = inputShape.length === data.inputShape.length && inputShape.every((d, i) => d === null || d === data.inputShape[i]);
  const inputName = model.inputLayers[0]?.name;
  if (!fits) {
    const fix = inputShapeFix(inputShape, data.inputShape) ?? "change the model's input shape";
    fail(`${what} takes inputs of shape ${formatShape(inputShape)}, but the data gives ${formatShape(data.inputShape)}; ${fix}`, inputName);
  }
  const embeddingProblem = embeddingOnInputProblem(model, data);
  if (embeddingProblem) fail(embeddingProblem.message, embeddingProblem.layer);
  const outputName = model.outputLayers[0].name;
  const where = `the output layer '${outputName}' of ${what}`;
  // Unknown dimensions (a variable-length sequence) take the data's size.
  const outputShape = model.outputs[0].shape.slice(1).map((d, i) => (d === null && inputShape[i] === null ? (data.inputShape[i] ?? null) : d));
  const problem = outputProblem(outputShape, outputLayerSpec(model), where, data.target, loss);
  if (problem) fail(problem, outputName);
  const metricIssue = metricProblem(metrics as MetricName[], data.target);
  if (metricIssue) fail(metricIssue);
}

/**
 * An Embedding layer that reads the model's input needs whole-number indices
 * below its input_dim; anything else fails inside the gather at the first
 * step (GatherV2: index -1 …), so it is checked here.
 */
function embeddingOnInputProblem(
  model: tf.LayersModel,
  data: Pick<LoadedData, 'inputIsTokenIds' | 'train' | 'validation' | 'test'>,
): { layer: string; message: string } | null {
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'Embedding') continue;
    const source = layer.inboundNodes[0]?.inboundLayers[0];
    if (!source || source.getClassName() !== 'InputLayer') continue;
    if (!data.inputIsTokenIds) {
      return {
        layer: layer.name,
        message:
          `layer '${layer.name}' is an Embedding layer on the model's input: it reads whole-number indices (0, 1, 2 …), but the data holds real-valued features; ` +
          `CSV columns are standardized unless data.normalize is "none": set it to "none" when the columns hold indices`,
      };
    }
    const inputDim = Number(layer.getConfig().inputDim);
    let largest = 0;
    for (const split of [data.train, data.validation, data.test]) if (split) for (let i = 0; i < split.x.length; i++) largest = Math.max(largest, split.x[i]);
    if (largest >= inputDim) {
      return {
        layer: layer.name,
        message: `layer '${layer.name}' is an Embedding layer with input_dim ${inputDim} (indices 0 to ${inputDim - 1}), but the data holds the index ${largest}; give it input_dim ${largest + 1} or more`,
      };
    }
  }
  return null;
}
