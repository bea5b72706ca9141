// Builds the model of a spec whose `model.keras` points at a topology saved by
// Keras (`model.to_json()`, Keras 2 or 3) or a TensorFlow.js model.json
// (tensorflowjs_converter, our checkpoints). Layers TensorFlow.js cannot build
// are reported by name, class and line in that file, before building.

import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { findNodeAtLocation, getNodeValue } from 'jsonc-parser';
import { UserError } from '../../shared/errors';
import { displayPath } from '../data/files';
import { parseJsonWithPositions, type ParsedJson } from '../../spec/json';
import {
  lacksInputShape,
  layerEntries,
  locateTopology,
  MODEL_CLASSES,
  SERIALIZATION_CLASSES,
  seedInitializers,
  toKeras2,
  valueAt,
  type Json,
  type JsonObject,
  type LayerEntry,
  type LocatedTopology,
} from './kerasFormat';
import { asGraphModel, type ProblemSite } from './check';

export interface KerasModel {
  model: tf.LayersModel;
  /** The topology file, absolute. */
  file: string;
  format: LocatedTopology['format'];
  /** The file lists weights (tfjs model.json): load them after building. */
  hasWeights: boolean;
  /** Where a layer (by name) is in the file; the first layer for a name the file lacks. */
  layerSite: (name: string) => ProblemSite;
  /** Where a path inside `weightsManifest` is in the file. */
  manifestSite: (path: (string | number)[]) => ProblemSite;
  /** One line per part of the file that is read but not used (compile_config …). */
  notes: string[];
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

/** Where things are in the model file: 1-based line and column of a JSON path. */
type PositionOf = (path: (string | number)[]) => { line: number; column: number };

/**
 * The position of `path`, or of the deepest part of it the file has (a
 * `model_config` stored as a JSON string has no positions inside: its string).
 */
function positionsIn(json: ParsedJson): PositionOf {
  return (path) => {
    for (let length = path.length; length >= 0; length--) {
      const node = findNodeAtLocation(json.root, path.slice(0, length));
      if (node) return json.lines.positionAt(node.offset);
    }
    return json.lines.positionAt(json.root.offset);
  };
}

/** Keys whose objects describe Python-side training, which the spec's training section replaces. */
const IGNORED_KEYS = ['compile_config', 'training_config'];

/**
 * The first object in the topology whose `class_name` TensorFlow.js does not
 * have, as a UserError at its position: the layer's name and class, or the
 * layer and the option that holds the class (an initializer, a regularizer).
 */
function checkClasses(topology: JsonObject, file: string, at: PositionOf, base: (string | number)[]): void {
  const known = registeredClasses();
  const layers = new Map(layerEntries(topology).map((e) => [e.path.join('/'), e]));
  const visit = (value: Json, path: (string | number)[], layer: string | null, key: string | null): void => {
    if (Array.isArray(value)) {
      value.forEach((child, i) => visit(child, [...path, i], layer, key));
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const entry = layers.get(path.join('/'));
    const name = entry ? entry.name : layer;
    const className = typeof value.class_name === 'string' ? value.class_name : null;
    if (className && !SERIALIZATION_CLASSES.has(className) && !(className in known)) {
      const where = at([...base, ...path]);
      const registered = entry?.registeredName ? `, registered as ${entry.registeredName}` : '';
      const message = entry
        ? `layer '${entry.name}' is a ${className} layer (class ${className}${registered}), which TensorFlow.js does not support; ${REMEDIES[className] ?? DEFAULT_REMEDY}`
        : `${name ? `layer '${name}'` : 'the model'} uses class ${className}${key ? ` (in ${key})` : ''}, which TensorFlow.js does not support; use one it has`;
      throw new UserError({ file, ...where, message });
    }
    for (const [childKey, child] of Object.entries(value)) {
      if (IGNORED_KEYS.includes(childKey)) continue;
      if (typeof child === 'string' && ACTIVATION_KEYS.includes(childKey)) checkActivation(child, [...path, childKey], name, childKey);
      else visit(child, [...path, childKey], name, childKey);
    }
  };
  const checkActivation = (activation: string, path: (string | number)[], layer: string | null, key: string) => {
    // tfjs reads Keras' snake_case names in camelCase ('hard_sigmoid' → 'hardSigmoid').
    const camel = activation.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
    if (activation in known || camel in known) return;
    throw new UserError({
      file,
      ...at([...base, ...path]),
      message: `${layer ? `layer '${layer}'` : 'the model'} uses ${key} '${activation}', which TensorFlow.js does not have; use one it has (${ACTIVATIONS.join(', ')})`,
    });
  };
  visit(topology, [], null, null);
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
  const at = positionsIn(json);
  const fileValue = getNodeValue(json.root) as Json;
  const located = locateTopology(fileValue);
  if (!located) {
    throw new UserError({
      file,
      ...at([]),
      message:
        'not a Keras or TensorFlow.js model: expected {"class_name": …, "config": …} (Keras model.to_json()) or {"modelTopology": …} (a TensorFlow.js model.json)',
    });
  }
  const { topology, path: base } = located;
  if (!MODEL_CLASSES.includes(String(topology.class_name))) {
    throw new UserError({
      file,
      ...at([...base, 'class_name']),
      message: `the top-level class is ${String(topology.class_name)}; expected a Sequential or Functional model`,
    });
  }
  checkClasses(topology, file, at, base);
  const entries = layerEntries(topology);
  if (entries.length === 0) throw new UserError({ file, ...at([...base, 'config']), message: 'the model has no layers' });
  const noInputShape = () =>
    new UserError({
      file,
      ...at([...base, ...entries[0].path]),
      message: 'the Sequential model has no input shape; give its first layer a batch_input_shape (or add an InputLayer)',
    });

  if (lacksInputShape(topology, entries[0])) throw noInputShape();
  const keras2 = toKeras2(topology, kerasVersion(fileValue, topology));
  seedInitializers(keras2, runSeed);
  let model: tf.LayersModel;
  try {
    model = await tf.models.modelFromJSON({ modelTopology: keras2 } as unknown as tf.io.ModelJSON);
  } catch (e) {
    const blamed = await blameLayer(keras2, entries, e as Error);
    throw new UserError({
      file,
      ...at(blamed ? [...base, ...blamed.entry.path] : [...base, 'class_name']),
      message: `TensorFlow.js cannot build ${blamed ? `layer '${blamed.entry.name}' (${blamed.entry.className})` : 'this model'}: ${blamed?.message ?? (e as Error).message}`,
    });
  }
  const graph = asGraphModel(model);
  if (!graph) throw noInputShape();
  const layerPath = new Map(entries.map((e) => [e.name, [...base, ...e.path]]));
  // Inside the topology (Keras 3), or next to the model_config that holds it (H5 attributes, the converter's modelTopology).
  const holders = base.at(-1) === 'model_config' ? [base, base.slice(0, -1)] : [base];
  const ignored = IGNORED_KEYS.filter((key) => holders.some((holder) => isSet(valueAt(fileValue, [...holder, key]))));
  return {
    model: graph,
    file,
    format: located.format,
    hasWeights: located.hasWeights,
    // A name the file lacks is the input layer TensorFlow.js adds in front of a Sequential: its first layer.
    layerSite: (name) => ({ file, ...at(layerPath.get(name) ?? [...base, ...entries[0].path]) }),
    manifestSite: (path) => ({ file, ...at(['weightsManifest', ...path]) }),
    notes: ignored.map((key) => `${key} in ${displayPath(file)} is ignored: the spec's training section gives the loss, optimizer and metrics`),
  };
}

function isSet(value: Json | undefined): boolean {
  return value !== undefined && value !== null;
}

/** `keras_version` next to the topology or at the top of the file (tfjs puts it in modelTopology). */
function kerasVersion(file: Json, topology: JsonObject): string | undefined {
  const candidates = [
    topology.keras_version,
    (file as JsonObject).keras_version,
    ((file as JsonObject).modelTopology as JsonObject | undefined)?.keras_version,
  ];
  const found = candidates.find((v) => typeof v === 'string');
  return typeof found === 'string' ? found : undefined;
}

/**
 * The layer a build error is about: the first layer (in file order) that
 * TensorFlow.js cannot construct on its own, else the first one the message
 * names. Null when neither finds one.
 */
async function blameLayer(keras2: JsonObject, entries: LayerEntry[], error: Error): Promise<{ entry: LayerEntry; message: string } | null> {
  for (const entry of entries) {
    if (MODEL_CLASSES.includes(entry.className)) continue;
    const layer = valueAt(keras2, entry.path);
    try {
      // modelFromJSON deserialises whatever class the topology names: here the layer alone; only a built one (an InputLayer) holds tensors.
      const alone = (await tf.models.modelFromJSON({ modelTopology: layer } as unknown as tf.io.ModelJSON)) as unknown as tf.layers.Layer;
      if (alone.built) alone.dispose();
    } catch (e) {
      return { entry, message: (e as Error).message };
    }
  }
  const quoted = [...error.message.matchAll(/["']([A-Za-z_][\w.-]*)["']/g)].map((m) => m[1]);
  const named = entries.find((e) => quoted.includes(e.name));
  return named ? { entry: named, message: error.message } : null;
}
