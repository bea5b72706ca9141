// Builds the tfjs model of a parsed spec. All model sources (JSON spec now;
// TS modules, Keras JSON later) end in one built, checked tf.LayersModel.

import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../shared/errors';
import { inputShapeFix } from '../data/inputShape';
import { DEFAULT_INPUT_NAME, layerName } from '../../spec/structure';
import type { LayerSpec, ParsedSpec, Position } from '../../spec/types';
import { createLayers } from './layers';
import { metricProblem, outputProblem, type TargetInfo } from './output';
import { inputShapeProblem, formatShape, type ShapedInput } from './shapes';

export { createOptimizer } from './optimizer';
export { BUILDABLE_LAYER_TYPES } from './layers';
export { TransformerEncoder } from './custom/transformerEncoder';
export { PositionalEmbedding } from './custom/positionalEmbedding';

export interface DataShape {
  inputShape: number[];
  target: TargetInfo;
  inputIsTokenIds: boolean;
}

interface Node {
  tensor: tf.SymbolicTensor;
  /** Spec layer index, or -1 for the model input. */
  index: number;
}

/**
 * Builds the model. `seed` (normally training.seed, or the CLI's --seed)
 * seeds every initializer together with the layer position. Shape misfits,
 * and an output that does not fit the data's target and the loss, throw a
 * UserError pointing at the layer in the spec.
 */
export function buildModel(parsed: ParsedSpec, data: DataShape, seed: number): tf.LayersModel {
  const { spec, file, positions } = parsed;
  const model = spec.model;
  const fail = (field: string, message: string): never => {
    const at: Partial<Position> = positions[field] ?? {};
    throw new UserError({ file, line: at.line, column: at.column, field, message });
  };

  const inputName = model.inputs?.[0].name ?? DEFAULT_INPUT_NAME;
  const declared = model.inputs?.[0].shape ?? model.input;
  if (declared && formatShape(declared) !== formatShape(data.inputShape)) {
    const field = model.inputs ? 'model.inputs[0].shape' : 'model.input';
    fail(
      field,
      `the model input is declared as ${formatShape(declared)} but the data gives ${formatShape(data.inputShape)}; ` +
        (inputShapeFix(declared, data.inputShape) ?? `remove this field or make it ${formatShape(data.inputShape)}`),
    );
  }
  const input = tf.input({ shape: data.inputShape, name: inputName });
  const nodes = new Map<string, Node>([[inputName, { tensor: input, index: -1 }]]);
  let previous = inputName;

  model.layers.forEach((layer, index) => {
    const name = layerName(layer, index);
    const path = `model.layers[${index}]`;
    const where = `layer '${name}' (line ${positions[path]?.line ?? '?'})`;
    const sources = layer.inputs ?? [previous];
    const inputs: ShapedInput[] = sources.map((from) => {
      const node = nodes.get(from)!;
      return { from, shape: node.tensor.shape.slice(1), modelInput: node.index === -1, tokenIds: node.index === -1 && data.inputIsTokenIds };
    });
    const problem = inputShapeProblem(layer, inputs);
    if (problem) fail(path, `${where}: ${problem}`);

    let output: tf.SymbolicTensor | tf.SymbolicTensor[] = sources.length === 1 ? nodes.get(sources[0])!.tensor : sources.map((s) => nodes.get(s)!.tensor);
    for (const tfLayer of createLayers(layer, { name, index, runSeed: seed })) {
      try {
        output = tfLayer.apply(output) as tf.SymbolicTensor;
      } catch (e) {
        const shapes = inputs.map((i) => `'${i.from}' ${formatShape(i.shape)}`).join(', ');
        fail(path, `${where}: cannot be applied to ${shapes}: ${(e as Error).message}`);
      }
    }
    const result = output as tf.SymbolicTensor;
    // A trailing LeakyReLU is registered under the layer's own name too, so
    // that later layers and `outputs` can refer to the spec name.
    nodes.set(name, { tensor: result, index });
    previous = name;
  });

  const outputName = model.outputs?.[0] ?? previous;
  const outputNode = nodes.get(outputName)!;
  checkAllLayersUsed(model.layers, outputName, fail);

  const outputLayer = outputNode.index >= 0 ? model.layers[outputNode.index] : undefined;
  const outputPath = model.outputs ? 'model.outputs[0]' : `model.layers[${outputNode.index}]`;
  const where = `the output layer '${outputName}' (line ${positions[`model.layers[${outputNode.index}]`]?.line ?? '?'})`;
  const outputIssue = outputProblem(outputNode.tensor.shape.slice(1), outputLayer, where, data.target, spec.training.loss);
  if (outputIssue) fail(outputPath, outputIssue);
  const metricIssue = metricProblem(spec.training.metrics, data.target);
  if (metricIssue) fail('training.metrics', metricIssue);

  return tf.model({ inputs: input, outputs: outputNode.tensor, name: spec.name.replace(/[^A-Za-z0-9._-]/g, '_') });
}

/** Layers that do not feed the output would train nothing and confuse statistics: reject them. */
function checkAllLayersUsed(layers: LayerSpec[], outputName: string, fail: (field: string, message: string) => never): void {
  const byName = new Map(layers.map((layer, index) => [layerName(layer, index), index]));
  const used = new Set<string>();
  const visit = (name: string) => {
    const index = byName.get(name);
    if (index === undefined || used.has(name)) return;
    used.add(name);
    const layer = layers[index];
    const sources = layer.inputs ?? (index > 0 ? [layerName(layers[index - 1], index - 1)] : []);
    sources.forEach(visit);
  };
  visit(outputName);
  layers.forEach((layer, index) => {
    const name = layerName(layer, index);
    if (!used.has(name)) {
      fail(`model.layers[${index}]`, `layer '${name}' does not lead to the output '${outputName}'; connect it through "inputs" or remove it`);
    }
  });
}
