// Turns the topology of a Keras / TensorFlow.js model file into the Keras 2
// form that TensorFlow.js deserialises: finds the topology inside a tfjs
// model.json, rewrites the Keras 3 serialisation (module/registered_name keys,
// DTypePolicy objects, `batch_shape`, `__keras_tensor__` inbound nodes), and
// seeds initialisers so a run is reproducible.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

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
    if (typeof node.model_config === 'string') {
      try {
        node = JSON.parse(node.model_config) as Json;
      } catch {
        return null; // reported as "not a Keras or TensorFlow.js model"
      }
    } else node = node.model_config;
  }
  // Keras ≤ 2.2.2 and tfjs-layers ≤ 1.2 write a Sequential's config as the list of its layers.
  if (!isObject(node) || typeof node.class_name !== 'string' || !(isObject(node.config) || Array.isArray(node.config))) return null;
  return { format, path, topology: node, hasWeights };
}

const KERAS3_ONLY_KEYS = ['module', 'registered_name', 'build_config', 'compile_config'];

/** Classes that hold layers of their own (a nested model is a layer of the outer one). */
export const MODEL_CLASSES = ['Sequential', 'Functional', 'Model'];

type JsonPath = (string | number)[];

export interface LayerEntry {
  name: string;
  className: string;
  /** Keras 3 `registered_name` of a custom class ("package>Class"), else null. */
  registeredName: string | null;
  /** JSON path of the layer's `{class_name, config}` object, relative to the topology. */
  path: JsonPath;
}

/**
 * Every layer of the topology with its path: nested models' layers and the
 * layer a wrapper (Bidirectional, TimeDistributed) holds included, in file order.
 */
export function layerEntries(topology: JsonObject, base: JsonPath = []): LayerEntry[] {
  const entries: LayerEntry[] = [];
  const visit = (layer: Json, at: JsonPath) => {
    if (!isObject(layer) || typeof layer.class_name !== 'string') return;
    const config = layer.config;
    const nameValue = isObject(config) && typeof config.name === 'string' ? config.name : layer.name;
    const registered = typeof layer.registered_name === 'string' && layer.registered_name.includes('>') ? layer.registered_name : null;
    entries.push({ name: typeof nameValue === 'string' ? nameValue : '?', className: layer.class_name, registeredName: registered, path: at });
    if (MODEL_CLASSES.includes(layer.class_name)) entries.push(...layerEntries(layer, at));
    else if (isObject(config)) for (const key of ['layer', 'backward_layer']) if (isObject(config[key])) visit(config[key], [...at, 'config', key]);
  };
  const config = topology.config;
  if (Array.isArray(config)) config.forEach((layer, i) => visit(layer, [...base, 'config', i]));
  else if (isObject(config) && Array.isArray(config.layers)) config.layers.forEach((layer, i) => visit(layer, [...base, 'config', 'layers', i]));
  return entries;
}

/** Keras 1 / Keras 3 → Keras 2 serialisation, on a deep copy; returns the copy. */
export function toKeras2(topology: JsonObject, kerasVersion?: string): JsonObject {
  const copy = JSON.parse(JSON.stringify(topology)) as JsonObject;
  if (kerasVersion?.startsWith('1.')) renameKeras1(copy);
  rewrite(copy, sequentialNames(copy));
  return copy;
}

/** The value at `path` inside `root`, or undefined. */
export function valueAt(root: Json, path: JsonPath): Json | undefined {
  let value: Json | undefined = root;
  for (const key of path) value = Array.isArray(value) || isObject(value) ? (value as Record<string | number, Json>)[key] : undefined;
  return value;
}

/** The first layer of a Sequential topology gives no input shape (TensorFlow.js then cannot build the model). */
export function lacksInputShape(topology: JsonObject, first: LayerEntry): boolean {
  const layer = valueAt(topology, first.path);
  if (topology.class_name !== 'Sequential' || !isObject(layer) || layer.class_name === 'InputLayer' || MODEL_CLASSES.includes(String(layer.class_name)))
    return false;
  const config = isObject(layer.config) ? layer.config : {};
  return ['batch_input_shape', 'batch_shape', 'input_shape', 'input_dim'].every((key) => config[key] === undefined || config[key] === null);
}

/** Names of the nested Sequential models (Keras 3 numbers their calls from 0, TensorFlow.js from 1). */
function sequentialNames(topology: JsonObject): Set<string> {
  return new Set(
    layerEntries(topology)
      .filter((e) => e.className === 'Sequential')
      .map((e) => e.name),
  );
}

function rewrite(value: Json, sequentials: Set<string>): void {
  if (Array.isArray(value)) {
    value.forEach((v) => rewrite(v, sequentials));
    return;
  }
  if (!isObject(value)) return;
  if (typeof value.class_name === 'string') for (const key of KERAS3_ONLY_KEYS) delete value[key];
  if (MODEL_CLASSES.includes(String(value.class_name)) && isObject(value.config)) {
    for (const key of ['input_layers', 'output_layers']) {
      // Keras 3 writes a single input as ["name", 0, 0] instead of [["name", 0, 0]], in nested models too.
      const ends = value.config[key];
      if (Array.isArray(ends) && typeof ends[0] === 'string') value.config[key] = [ends];
    }
  }
  for (const [key, child] of Object.entries(value)) {
    if (key === 'dtype' && isObject(child) && isObject(child.config) && typeof child.config.name === 'string') {
      value[key] = child.config.name; // {class_name: "DTypePolicy", config: {name: "float32"}}
    } else if (key === 'batch_shape' && value.batch_input_shape === undefined) {
      value.batch_input_shape = child;
      delete value.batch_shape;
    } else if (key === 'inbound_nodes' && Array.isArray(child)) {
      value[key] = child.map((n) => keras2Node(n, sequentials));
    } else if (key !== 'compile_config' && key !== 'training_config') {
      rewrite(child, sequentials);
    }
  }
}

/** A Keras 3 node `{args: [keras tensors], kwargs}` → Keras 2 `[[layer, node, tensor, kwargs], …]`. */
function keras2Node(node: Json, sequentials: Set<string>): Json {
  if (!isObject(node) || !Array.isArray(node.args)) return node;
  const tensors: Json[] = [];
  const collect = (v: Json) => {
    if (Array.isArray(v)) v.forEach(collect);
    else if (isObject(v) && v.class_name === '__keras_tensor__' && isObject(v.config) && Array.isArray(v.config.keras_history)) {
      const [layer, nodeIndex, tensorIndex] = v.config.keras_history;
      // A built TensorFlow.js Sequential has its own input node first; Keras 3's has none.
      const shift = typeof layer === 'string' && sequentials.has(layer) && typeof nodeIndex === 'number' ? 1 : 0;
      tensors.push([layer, typeof nodeIndex === 'number' ? nodeIndex + shift : nodeIndex, tensorIndex, {}]);
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

/** Keras 1 argument names → Keras 2, as Keras 2's legacy interfaces renamed them when loading Keras 1 files. */
const KERAS1_COMMON: Record<string, string> = {
  output_dim: 'units',
  init: 'kernel_initializer',
  W_regularizer: 'kernel_regularizer',
  b_regularizer: 'bias_regularizer',
  W_constraint: 'kernel_constraint',
  b_constraint: 'bias_constraint',
  bias: 'use_bias',
  input_dtype: 'dtype',
  border_mode: 'padding',
  subsample: 'strides',
  nb_filter: 'filters',
};
const KERAS1_BY_CLASS: Record<string, Record<string, string>> = {
  Dropout: { p: 'rate' },
  Embedding: { init: 'embeddings_initializer', W_regularizer: 'embeddings_regularizer', W_constraint: 'embeddings_constraint', output_dim: 'output_dim' },
  LSTM: {
    inner_init: 'recurrent_initializer',
    inner_activation: 'recurrent_activation',
    U_regularizer: 'recurrent_regularizer',
    dropout_W: 'dropout',
    dropout_U: 'recurrent_dropout',
  },
  GRU: {
    inner_init: 'recurrent_initializer',
    inner_activation: 'recurrent_activation',
    U_regularizer: 'recurrent_regularizer',
    dropout_W: 'dropout',
    dropout_U: 'recurrent_dropout',
  },
  SimpleRNN: { inner_init: 'recurrent_initializer', U_regularizer: 'recurrent_regularizer', dropout_W: 'dropout', dropout_U: 'recurrent_dropout' },
};
const KERAS1_CLASSES: Record<string, string> = { Convolution1D: 'Conv1D', Convolution2D: 'Conv2D' };

function renameKeras1(topology: JsonObject): void {
  for (const entry of layerEntries(topology)) {
    const layer = valueAt(topology, entry.path);
    if (!isObject(layer) || !isObject(layer.config)) continue;
    const className = KERAS1_CLASSES[entry.className] ?? entry.className;
    layer.class_name = className;
    const config = layer.config;
    const renames = { ...KERAS1_COMMON, ...KERAS1_BY_CLASS[className] };
    for (const [from, to] of Object.entries(renames)) {
      if (from in config && !(to in config)) {
        config[to] = config[from];
        if (from !== to) delete config[from];
      }
    }
    if (config.nb_row !== undefined && config.nb_col !== undefined) config.kernel_size = [config.nb_row, config.nb_col];
    if (config.dim_ordering === 'tf') config.data_format = 'channels_last';
    if (config.dim_ordering === 'th') config.data_format = 'channels_first';
  }
}
