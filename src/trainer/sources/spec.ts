// The `*.nn.json` source: the model is built from `model.layers`, or read from
// the Keras / TensorFlow.js topology `model.keras` names; then optional saved
// weights are loaded (`model.weights`) and layers frozen (`training.freeze`).

import type { TrainOptions } from '../../shared/protocol';
import { loadData } from '../data';
import { resolveDataPath } from '../data/files';
import type { DataSpec, LoadContext, LoadedData } from '../data/types';
import { buildModel, createOptimizer } from '../model';
import { loadModelSpec } from '../../spec';
import type { ParsedSpec, WeightsSpec } from '../../spec/types';
import type { LossName } from '../training/objectives';
import { checkModelFitsData, type ProblemSite } from './check';
import { buildKerasModel } from './keras';
import type { ModelSource, SourceIO } from './types';
import { applyFreeze, describeWeightLoad, loadWeightsInto } from './weights';
import type * as tf from '@tensorflow/tfjs';

export async function loadSpecSource(file: string, options: TrainOptions, io: SourceIO): Promise<ModelSource> {
  io.progress('reading the model spec');
  const parsed = loadModelSpec(file);
  const { spec } = parsed;
  for (const w of parsed.warnings) io.progress(`warning: ${w.field ?? ''} ${w.message}`.trim());
  const seed = options.seed ?? spec.training.seed;
  const loadContext: LoadContext = { specFile: file, seed, dataRoot: options.dataRoot, onProgress: (m) => io.progress(m) };

  io.progress('loading data');
  const data = await loadData(spec.data as unknown as DataSpec, loadContext);
  io.progress('building the model');
  const site = siteIn(parsed);
  const model = spec.model.keras !== undefined ? await kerasModel(parsed, data, seed, loadContext, io) : buildModel(parsed, data, seed);
  if (spec.model.weights !== undefined) {
    const bare = typeof spec.model.weights === 'string';
    const weights: WeightsSpec = typeof spec.model.weights === 'string' ? { path: spec.model.weights } : spec.model.weights;
    const resolved = resolveDataPath(weights.path, bare ? 'model.weights' : 'model.weights.path', loadContext);
    io.progress('loading saved weights');
    // A bare path is reported at `model.weights`; an object at its own fields.
    const report = loadWeightsInto(model, weights, resolved, (f) => site(bare ? 'model.weights' : f), 'model.weights');
    io.log('info', describeWeightLoad(report));
  }
  if (spec.training.freeze !== undefined) logFrozen(model, applyFreeze(model, spec.training.freeze, site), io);
  return {
    kind: spec.model.keras !== undefined ? 'keras' : 'spec',
    name: spec.name,
    model,
    optimizer: createOptimizer(spec.training.optimizer),
    optimizerName: spec.training.optimizer.type,
    loss: spec.training.loss as LossName,
    metrics: spec.training.metrics,
    data,
    training: { ...spec.training, seed },
    // Keras layers have lines in their own file, not in the spec.
    layerLines: spec.model.keras !== undefined ? {} : parsed.layerLines,
    diagnosticsConfig: spec.diagnostics ?? {},
    sourceFile: file,
  };
}

/** Errors about a spec field, at the field's position when the parser recorded one. */
function siteIn(parsed: ParsedSpec): (field: string) => ProblemSite {
  return (field) => {
    const at = parsed.positions[field];
    return { file: parsed.file, field, ...(at ? { line: at.line, column: at.column } : {}) };
  };
}

async function kerasModel(parsed: ParsedSpec, data: LoadedData, seed: number, ctx: LoadContext, io: SourceIO): Promise<tf.LayersModel> {
  const { spec } = parsed;
  const site = siteIn(parsed)('model.keras');
  const file = resolveDataPath(spec.model.keras!, 'model.keras', ctx);
  const keras = await buildKerasModel(file, seed, site);
  const { model } = keras;
  for (const note of keras.notes) io.log('info', note);
  if (keras.hasWeights) {
    // The file's own weights: same topology, so every weight must be there.
    const report = loadWeightsInto(model, { path: file, strict: true }, file, () => keras.manifestSite([]), 'weightsManifest', keras.manifestSite);
    io.log('info', describeWeightLoad(report));
  }
  checkModelFitsData(model, data, spec.training.loss as LossName, spec.training.metrics, site, `the model in ${spec.model.keras}`, keras.layerSite);
  return model;
}

export function logFrozen(model: tf.LayersModel, frozen: string[], io: SourceIO): void {
  const withWeights = model.layers.filter((l) => l.weights.length > 0);
  const trainable = withWeights.filter((l) => l.trainable).map((l) => l.name);
  io.log('info', `frozen (not trained, activations still measured): ${frozen.join(', ')}; trained: ${trainable.join(', ') || 'nothing'}`);
  if (trainable.length === 0) {
    io.log('warning', 'every layer with weights is frozen: training will not change the model');
  }
}
