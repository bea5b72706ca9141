// Checks that need the whole layer list: names (given or generated) are
// unique and well-formed, `inputs` name a model input or an earlier layer,
// merge layers have at least two inputs, `outputs` exist.

import type { UserErrorInfo } from '../shared/protocol';
import { MERGE_LAYERS } from './catalog/layers';
import { suggestion } from './suggest';
import type { LayerSpec, ModelSection, ModelSpec, Position } from './types';

// tfjs variable names are `<layer>/<weight>`; they must match its tensor-name rule.
const LAYER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Name used in sequential form for the implicit model input. */
export const DEFAULT_INPUT_NAME = 'input';

/** The spec's `name`, else `<type>_<1-based position>` (stable across runs). */
export function layerName(layer: LayerSpec, index: number): string {
  return layer.name ?? `${layer.type}_${index + 1}`;
}

function modelInputNames(model: ModelSection): string[] {
  return model.inputs ? model.inputs.map((input) => input.name) : [DEFAULT_INPUT_NAME];
}

export function checkStructure(
  model: ModelSection,
  file: string,
  positions: Record<string, Position>,
): { errors: UserErrorInfo[]; layerLines: Record<string, number> } {
  const errors: UserErrorInfo[] = [];
  const layerLines: Record<string, number> = {};
  const fail = (field: string, message: string) => {
    const at = positions[field] ?? positionOfParent(positions, field);
    errors.push({ file, ...at, field, message: `${field}: ${message}` });
  };

  if (model.keras !== undefined) {
    for (const field of ['layers', 'input', 'inputs', 'outputs'] as const) {
      const given = field === 'layers' ? model.layers.length > 0 : model[field] !== undefined;
      if (given) fail(`model.${field}`, `'keras' gives the whole model; remove '${field}' (or remove 'keras' to build the model from 'layers')`);
    }
    return { errors, layerLines };
  }
  if (model.layers.length === 0) {
    // An explicit empty list is caught by the validator; this is a missing one.
    fail('model', "missing required option 'layers' for model (or 'keras': the path of a Keras or TensorFlow.js model.json)");
    return { errors, layerLines };
  }
  if (model.inputs && model.inputs.length > 1) {
    fail('model.inputs', `${model.inputs.length} inputs given; one is supported (the data has a single input)`);
  }
  if (model.inputs && model.input) fail('model.input', "give either 'input' (sequential form) or 'inputs' (graph form), not both");
  const inputNames = modelInputNames(model);
  const known = new Set<string>(inputNames);
  const defined: string[] = [...inputNames];

  model.layers.forEach((layer, index) => {
    const path = `model.layers[${index}]`;
    const name = layerName(layer, index);
    if (!LAYER_NAME.test(name)) {
      fail(`${path}.name`, `layer name '${name}' may contain only letters, digits, '.', '_' and '-', and must start with a letter or digit`);
    } else if (known.has(name)) {
      const clash = inputNames.includes(name) ? 'a model input' : 'another layer';
      fail(layer.name !== undefined ? `${path}.name` : path, `layer name '${name}' is already used by ${clash}; give this layer a different "name"`);
    }
    for (const [i, input] of (layer.inputs ?? []).entries()) {
      if (!known.has(input)) {
        const later = model.layers.some((other, j) => j > index && layerName(other, j) === input);
        const hint = later
          ? `'${input}' is defined after this layer; a layer can only read model inputs and layers listed before it`
          : `no model input or earlier layer is called '${input}'${suggestion(input, defined)}`;
        fail(`${path}.inputs[${i}]`, hint);
      }
    }
    if (MERGE_LAYERS.includes(layer.type) && (layer.inputs?.length ?? 0) < 2) {
      fail(path, `${withArticle(layer.type)} layer merges several layers: give "inputs" with at least two layer names`);
    }
    if (!MERGE_LAYERS.includes(layer.type) && (layer.inputs?.length ?? 0) > 1) {
      fail(`${path}.inputs`, `${withArticle(layer.type)} layer reads one input; use an add/concatenate/multiply/average layer to merge several`);
    }
    known.add(name);
    defined.push(name);
    layerLines[name] = (positions[path] ?? { line: 1 }).line;
    // The builder adds a LeakyReLU layer after a layer whose activation is leakyReLU.
    if (layer.activation === 'leakyReLU' && layer.type !== 'activation') {
      const follower = `${name}_leakyReLU`;
      if (known.has(follower)) fail(path, `the name '${follower}' (used for this layer's leakyReLU) is already taken; rename one of the layers`);
      known.add(follower);
      layerLines[follower] = layerLines[name];
    }
  });

  if (model.outputs) {
    if (model.outputs.length > 1) fail('model.outputs', `${model.outputs.length} outputs given; one is supported (the data has a single target)`);
    model.outputs.forEach((output, i) => {
      if (!known.has(output) || inputNames.includes(output)) {
        fail(`model.outputs[${i}]`, `no layer is called '${output}'${suggestion(output, defined.slice(inputNames.length))}`);
      }
    });
  }
  return { errors, layerLines };
}

function positionOfParent(positions: Record<string, Position>, field: string): Position | Record<string, never> {
  let path = field;
  while (path.length > 0) {
    path = path.replace(/(\.[^.[\]]+|\[\d+\])$/, '');
    if (positions[path]) return positions[path];
    if (!/[.[]/.test(path)) break;
  }
  return positions[path] ?? {};
}

function withArticle(word: string): string {
  return /^[aeiou]/i.test(word) ? `an ${word}` : `a ${word}`;
}

/**
 * `training.freeze` must name layers of the spec's own list (a Keras or
 * module model is checked when it is built, once its layer names are known).
 */
export function checkFreezeNames(spec: ModelSpec, file: string, positions: Record<string, Position>, names: string[]): UserErrorInfo[] {
  const freeze = spec.training.freeze;
  if (!freeze || spec.model.keras !== undefined) return [];
  const problems: UserErrorInfo[] = [];
  const check = (name: string, field: string) => {
    if (!names.includes(name)) {
      const at = positions[field] ?? positionOfParent(positions, field);
      problems.push({ file, ...at, field, message: `${field}: no layer is called '${name}'${suggestion(name, names)}` });
    }
  };
  if (Array.isArray(freeze)) freeze.forEach((name, i) => check(name, `training.freeze[${i}]`));
  else {
    if (freeze.from !== undefined) check(freeze.from, 'training.freeze.from');
    if (freeze.upTo !== undefined) check(freeze.upTo, 'training.freeze.upTo');
  }
  return problems;
}
