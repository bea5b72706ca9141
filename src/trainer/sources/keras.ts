// Builds the model of a spec whose `model.keras` points at a topology saved by
// Keras (`model.to_json()`, Keras 2 or 3) or a TensorFlow.js model.json
// (tensorflowjs_converter, our checkpoints). Layers TensorFlow.js cannot build
// are reported by name, class and line in that file, before building.

import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { findNodeAtLocation, getNodeValue, type Node } from 'jsonc-parser';
import { UserError } from '../../shared/errors';
import { displayPath } from '../data/files';
import { parseJsonWithPositions, propertyKey, propertyValue, type LineMap } from '../../spec/json';
import { layerConfigs, locateTopology, SERIALIZATION_CLASSES, seedInitializers, toKeras2, type LocatedTopology } from './kerasFormat';
import { asGraphModel, type ProblemSite } from './check';

export interface KerasModel {
  model: tf.LayersModel;
  /** The topology file, absolute. */
  file: string;
  format: LocatedTopology['format'];
  /** The file lists weights (tfjs model.json): load them after building. */
  hasWeights: boolean;
}

/** Python-side layers: what to do instead. */
const REMEDIES: Record<string, string> = {
  Lambda:
    'a Lambda layer holds Python code, which cannot run in JavaScript; write the model as a *.model.ts module and implement it as a custom layer (a tf.layers.Layer subclass)',
  TFOpLambda:
    'it is a raw TensorFlow operation recorded by Keras; write the model as a *.model.ts module and do this step with tf.* functions in a custom layer',
  SlicingOpLambda: 'it is a tensor slice recorded by Keras; write the model as a *.model.ts module',
};
const DEFAULT_REMEDY = 'replace it with a layer TensorFlow.js has, or write the model as a *.model.ts module with a custom layer (a tf.layers.Layer subclass)';

const ACTIVATION_KEYS = ['activation', 'recurrent_activation'];
const ACTIVATIONS = ['linear', 'relu', 'relu6', 'elu', 'selu', 'sigmoid', 'hard_sigmoid', 'tanh', 'softmax', 'softplus', 'softsign', 'gelu', 'swish', 'mish'];

function registeredClasses(): Record<string, unknown> {
  return tf.serialization.SerializationMap.getMap().classNameMap as Record<string, unknown>;
}

function property(node: Node, key: string): Node | undefined {
  const found = (node.children ?? []).find((p) => propertyKey(p) === key);
  return found ? propertyValue(found) : undefined;
}

/**
 * The first object in the topology whose `class_name` TensorFlow.js does not
 * have, as a UserError at its line: the layer's name and class, or the layer
 * and the option that holds the class (an initializer, a regularizer).
 */
function checkClasses(topologyNode: Node, file: string, lines: LineMap | null): void {
  const at = (node: Node): { line?: number; column?: number } => (lines ? lines.positionAt(node.offset) : {});
  const known = registeredClasses();
  const visit = (node: Node, layer: string | null, key: string | null, isLayer: boolean): void => {
    if (node.type === 'array') {
      (node.children ?? []).forEach((child) => visit(child, layer, key, key === 'layers'));
      return;
    }
    if (node.type !== 'object') return;
    const classNode = property(node, 'class_name');
    const config = property(node, 'config');
    const className = classNode?.type === 'string' ? String(classNode.value) : null;
    const nameNode = (config && property(config, 'name')) ?? property(node, 'name');
    const name = isLayer && nameNode?.type === 'string' ? String(nameNode.value) : layer;
    if (className && !SERIALIZATION_CLASSES.has(className) && !(className in known)) {
      const { line, column } = at(node);
      const message = isLayer
        ? `layer '${name ?? '?'}' is a ${className} layer (class ${className}), which TensorFlow.js does not support; ${REMEDIES[className] ?? DEFAULT_REMEDY}`
        : `${name ? `layer '${name}'` : 'the model'} uses class ${className}${key ? ` (in ${key})` : ''}, which TensorFlow.js does not support; use one it has`;
      throw new UserError({ file, line, column, message });
    }
    for (const child of node.children ?? []) {
      const value = propertyValue(child);
      const childKey = propertyKey(child);
      if (value?.type === 'string' && ACTIVATION_KEYS.includes(childKey)) checkActivation(String(value.value), value, name, childKey);
      else if (value) visit(value, name, childKey, false);
    }
  };
  const checkActivation = (activation: string, node: Node, layer: string | null, key: string) => {
    // tfjs reads Keras' snake_case names in camelCase ('hard_sigmoid' → 'hardSigmoid').
    const camel = activation.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
    if (activation in known || camel in known) return;
    const { line, column } = at(node);
    throw new UserError({
      file,
      line,
      column,
      message: `${layer ? `layer '${layer}'` : 'the model'} uses ${key} '${activation}', which TensorFlow.js does not have; use one it has (${ACTIVATIONS.join(', ')})`,
    });
  };
  visit(topologyNode, null, null, false);
}

/** Reads, checks and builds the model in `file`. `site` is where the spec names it (for "not found"). */
export async function buildKerasModel(file: string, runSeed: number, site: ProblemSite): Promise<KerasModel> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const shown = displayPath(file);
    const why =
      code === 'ENOENT'
        ? `${shown} does not exist`
        : code === 'EISDIR'
          ? `${shown} is a folder; give the model.json file in it`
          : `${shown} cannot be read (${code})`;
    throw new UserError({ ...site, message: `${why}; give the path of a Keras model.to_json() file or a TensorFlow.js model.json` });
  }
  const json = parseJsonWithPositions(text.replace(/^\uFEFF/, ''), file);
  const located = locateTopology(getNodeValue(json.root));
  if (!located) {
    throw new UserError({
      file,
      message:
        'not a Keras or TensorFlow.js model: expected {"class_name": …, "config": …} (Keras model.to_json()) or {"modelTopology": …} (a TensorFlow.js model.json)',
    });
  }
  const { topology } = located;
  if (!['Sequential', 'Functional', 'Model'].includes(String(topology.class_name))) {
    throw new UserError({ file, message: `the top-level class is ${String(topology.class_name)}; expected a Sequential or Functional model` });
  }
  const topologyNode = findNodeAtLocation(json.root, located.path);
  // A model_config stored as a JSON string has no positions in the file.
  if (topologyNode && topologyNode.type === 'object') checkClasses(topologyNode, file, json.lines);
  else checkClasses(parseJsonWithPositions(JSON.stringify(topology), file).root, file, null);
  if (layerConfigs(topology).length === 0) throw new UserError({ file, message: 'the model has no layers' });

  const keras2 = toKeras2(topology);
  seedInitializers(keras2, runSeed);
  let model: tf.LayersModel;
  try {
    model = await tf.models.modelFromJSON({ modelTopology: keras2 } as unknown as tf.io.ModelJSON);
  } catch (e) {
    throw new UserError({
      file,
      ...layerPosition(e as Error, keras2, json, located),
      message: `TensorFlow.js cannot build this model: ${(e as Error).message}`,
    });
  }
  const graph = asGraphModel(model);
  if (!graph)
    throw new UserError({ file, message: 'the Sequential model has no input shape; give its first layer a batch_input_shape (or add an InputLayer)' });
  return { model: graph, file, format: located.format, hasWeights: located.hasWeights };
}

/** The line of the layer a build error is about: the first layer whose config contains the word the message quotes. */
function layerPosition(
  error: Error,
  topology: Record<string, unknown>,
  json: ReturnType<typeof parseJsonWithPositions>,
  located: LocatedTopology,
): { line?: number; column?: number } {
  const words = [...error.message.matchAll(/[:'"]\s*([A-Za-z_][\w.-]*)/g)].map((m) => m[1]);
  const layers = layerConfigs(topology as never);
  const index = layers.findIndex((layer) => {
    const text = JSON.stringify(layer);
    return words.some((w) => text.includes(`"${w}"`));
  });
  if (index < 0) return {};
  const configNode = findNodeAtLocation(json.root, [...located.path, 'config']);
  const layerNode = configNode?.type === 'array' ? configNode.children?.[index] : findNodeAtLocation(json.root, [...located.path, 'config', 'layers', index]);
  return layerNode ? json.lines.positionAt(layerNode.offset) : {};
}
