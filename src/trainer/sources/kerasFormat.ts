// Turns the topology of a Keras / TensorFlow.js model file into the Keras 2
// form that TensorFlow.js deserialises: finds the topology inside a tfjs
// model.json, rewrites the Keras 3 serialisation (module/registered_name keys,
// DTypePolicy objects, `batch_shape`, `__keras_tensor__` inbound nodes), and
// seeds initialisers so a run is reproducible.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type TopologyFormat = 'keras' | 'tfjs';

export interface LocatedTopology {
  format: TopologyFormat;
  /** JSON path of the topology object inside the file (for positions). */
  path: (string | number)[];
  topology: JsonObject;
  /** The tfjs model.json lists weight files. */
  hasWeights: boolean;
}

/**
 * Where the `{class_name, config}` topology is: the file itself
 * (`model.to_json()`), `modelTopology` (tfjs model.json), and either one's
 * `model_config` (Keras H5 attributes). Null when there is none.
 */
export function locateTopology(file: Json): LocatedTopology | null {
  if (!isObject(file)) return null;
  let format: TopologyFormat = 'keras';
  let path: (string | number)[] = [];
  let node: Json | undefined = file;
  let hasWeights = false;
  if (isObject(file.modelTopology)) {
    format = 'tfjs';
    path = ['modelTopology'];
    node = file.modelTopology;
    const manifest = file.weightsManifest;
    hasWeights = Array.isArray(manifest) && manifest.some((group) => isObject(group) && Array.isArray(group.weights) && group.weights.length > 0);
  }
  if (isObject(node) && node.model_config !== undefined) {
    path = [...path, 'model_config'];
    // Keras H5 attributes store the config as a JSON string.
    node = typeof node.model_config === 'string' ? (JSON.parse(node.model_config) as Json) : node.model_config;
  }
  if (!isObject(node) || typeof node.class_name !== 'string' || !isObject(node.config)) return null;
  return { format, path, topology: node, hasWeights };
}

const KERAS3_ONLY_KEYS = ['module', 'registered_name', 'build_config', 'compile_config'];

/** The layer configs of a Sequential or Functional topology (Keras 2 and 3). */
export function layerConfigs(topology: JsonObject): JsonObject[] {
  const config = topology.config;
  const layers = isObject(config) ? config.layers : Array.isArray(config) ? config : undefined;
  return Array.isArray(layers) ? layers.filter(isObject) : [];
}

/** Keras 3 → Keras 2 serialisation, in place on a deep copy; returns the copy. */
export function toKeras2(topology: JsonObject): JsonObject {
  const copy = JSON.parse(JSON.stringify(topology)) as JsonObject;
  rewrite(copy);
  const config = copy.config;
  if (isObject(config)) {
    for (const key of ['input_layers', 'output_layers']) {
      // Keras 3 writes a single input as ["name", 0, 0] instead of [["name", 0, 0]].
      const value = config[key];
      if (Array.isArray(value) && typeof value[0] === 'string') config[key] = [value];
    }
  }
  return copy;
}

function rewrite(value: Json): void {
  if (Array.isArray(value)) {
    value.forEach(rewrite);
    return;
  }
  if (!isObject(value)) return;
  if (typeof value.class_name === 'string') for (const key of KERAS3_ONLY_KEYS) delete value[key];
  for (const [key, child] of Object.entries(value)) {
    if (key === 'dtype' && isObject(child) && isObject(child.config) && typeof child.config.name === 'string') {
      value[key] = child.config.name; // {class_name: "DTypePolicy", config: {name: "float32"}}
    } else if (key === 'batch_shape' && value.batch_input_shape === undefined) {
      value.batch_input_shape = child;
      delete value.batch_shape;
    } else if (key === 'inbound_nodes' && Array.isArray(child)) {
      value[key] = child.map(keras2Node);
    } else {
      rewrite(child);
    }
  }
}

/** A Keras 3 node `{args: [keras tensors], kwargs}` → Keras 2 `[[layer, node, tensor, kwargs], …]`. */
function keras2Node(node: Json): Json {
  if (!isObject(node) || !Array.isArray(node.args)) return node;
  const tensors: Json[] = [];
  const collect = (v: Json) => {
    if (Array.isArray(v)) v.forEach(collect);
    else if (isObject(v) && v.class_name === '__keras_tensor__' && isObject(v.config) && Array.isArray(v.config.keras_history)) {
      const [layer, nodeIndex, tensorIndex] = v.config.keras_history;
      tensors.push([layer, nodeIndex, tensorIndex, {}]);
    }
  };
  collect(node.args);
  return tensors;
}

/** Classes that only describe the serialisation itself (rewritten above), not something to build. */
export const SERIALIZATION_CLASSES = new Set(['__keras_tensor__', 'DTypePolicy', 'FloatDTypePolicy']);

/**
 * Gives every `"seed": null` a fixed seed derived from `runSeed` and its
 * position, so weight initialisation (and dropout) is the same on every run.
 */
export function seedInitializers(topology: JsonObject, runSeed: number): void {
  let counter = 0;
  const visit = (value: Json) => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!isObject(value)) return;
    if ('seed' in value && value.seed === null) value.seed = (runSeed * 7919 + ++counter * 104729) % 2147483647;
    Object.values(value).forEach(visit);
  };
  visit(topology);
}
