// Turns the start options into a RunContext: backend, spec, data, model,
// optimizer and settings. Every user-input problem surfaces here as a
// UserError, before any training step.

import * as tf from '@tensorflow/tfjs';
import * as path from 'node:path';
import type { TrainOptions } from '../../shared/protocol';
import { isUserError, UserError } from '../../shared/errors';
import { resolveDiagnosticsConfig } from '../diagnostics/config';
import type { LayerInfo, ModelTopology, RunSettings } from '../../shared/stats';
import { initBackend } from '../backend/select';
import { loadData } from '../data';
import type { DataSpec } from '../data/types';
import { buildModel, createOptimizer } from '../model';
import { loadModelSpec } from '../spec';
import { getLearningRate, SUPPORTED_METRICS, type LossName } from '../training/objectives';
import type { RunContext } from './context';

export const DEFAULT_STATS_EVERY = 10;
export const DEFAULT_HISTOGRAMS_EVERY = 100;

export async function prepareRun(options: TrainOptions, progress: (message: string) => void): Promise<RunContext> {
  const modelFile = path.resolve(options.modelFile);
  if (!modelFile.endsWith('.json')) {
    throw new UserError({ file: options.modelFile, message: 'expected a model spec (*.nn.json)' });
  }
  progress('reading the model spec');
  const parsed = loadModelSpec(modelFile);
  const { spec } = parsed;
  for (const w of parsed.warnings) progress(`warning: ${w.field ?? ''} ${w.message}`.trim());

  progress('starting the TensorFlow.js backend');
  const backend = await initBackend(options.backend ?? 'auto');

  const seed = options.seed ?? spec.training.seed;
  const epochs = options.epochs ?? spec.training.epochs;
  const batchSize = options.batchSize ?? spec.training.batchSize;
  positiveInteger(epochs, 'epochs', modelFile);
  positiveInteger(batchSize, 'batchSize', modelFile);
  if (options.steps !== undefined) positiveInteger(options.steps, 'steps', modelFile);
  for (const metric of spec.training.metrics) {
    if (!SUPPORTED_METRICS.includes(metric)) {
      throw new UserError({ file: modelFile, field: 'training.metrics', message: `unknown metric '${metric}'` });
    }
  }

  progress('loading data');
  const data = await loadData(spec.data as unknown as DataSpec, { specFile: modelFile, seed, dataRoot: options.dataRoot, onProgress: progress });
  if (batchSize > data.train.count) {
    throw new UserError({
      file: modelFile,
      field: 'training.batchSize',
      message: `batch size ${batchSize} is larger than the ${data.train.count} training samples`,
    });
  }

  progress('building the model');
  const model = buildModel(parsed, data, seed);
  const optimizer = createOptimizer(spec.training.optimizer);
  const topology = describeModel(model, spec.name, parsed.layerLines);
  const settings: RunSettings = {
    modelFile,
    epochs,
    maxSteps: options.steps ?? null,
    batchSize,
    seed,
    shuffle: options.shuffle ?? spec.training.shuffle,
    statsEvery: options.statsEvery ?? spec.training.statsEvery ?? DEFAULT_STATS_EVERY,
    histogramsEvery: options.histogramsEvery ?? DEFAULT_HISTOGRAMS_EVERY,
    optimizer: spec.training.optimizer.type,
    learningRate: getLearningRate(optimizer),
    loss: spec.training.loss,
    metrics: spec.training.metrics,
    dataDescription: data.description,
    trainSamples: data.train.count,
    validationSamples: data.validation?.count ?? 0,
    testSamples: data.test?.count ?? 0,
  };
  positiveInteger(settings.statsEvery, 'statsEvery', modelFile);
  return {
    model,
    optimizer,
    loss: spec.training.loss as LossName,
    metrics: spec.training.metrics,
    data,
    settings,
    topology,
    backend,
    layerLines: parsed.layerLines,
    diagnosticsConfig: mergeDiagnostics(spec.diagnostics, options.diagnostics),
  };
}

/**
 * Settings-level thresholds over the spec's: per kind, objects merge and
 * `true`/`false` replace. Checked here so a bad setting fails the launch.
 */
function mergeDiagnostics(fromSpec: Record<string, unknown> | undefined, fromOptions: Record<string, unknown> | undefined): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...(fromSpec ?? {}) };
  for (const [kind, value] of Object.entries(fromOptions ?? {})) {
    const base = merged[kind];
    merged[kind] =
      value && typeof value === 'object' && base && typeof base === 'object' ? { ...(base as object), ...(value as object) } : value;
  }
  try {
    resolveDiagnosticsConfig(merged);
  } catch (e) {
    if (isUserError(e)) throw new UserError({ ...e.info, message: `${e.info.message} (diagnostics setting)` });
    throw e;
  }
  return merged;
}

function positiveInteger(value: number, field: string, file: string): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new UserError({ file, field, message: `expected a positive integer, got ${value}` });
  }
}

/** The model's layers as nodes and data-flow edges, for the trace header and the graph view. */
export function describeModel(model: tf.LayersModel, name: string, layerLines: Record<string, number> = {}): ModelTopology {
  const layers: LayerInfo[] = model.layers.map((layer) => {
    const inbound = (layer as unknown as { inboundNodes: { inboundLayers: tf.layers.Layer[] }[] }).inboundNodes ?? [];
    const inputs = [...new Set(inbound.flatMap((node) => node.inboundLayers.map((l) => l.name)))];
    const config = layer.getConfig() as Record<string, unknown>;
    let outputShape: LayerInfo['outputShape'];
    try {
      outputShape = layer.outputShape as LayerInfo['outputShape'];
    } catch {
      outputShape = [];
    }
    return {
      name: layer.name,
      className: layer.getClassName(),
      activation: typeof config.activation === 'string' ? config.activation : null,
      inputs,
      outputShape,
      paramCount: layer.countParams(),
      trainable: layer.trainable,
      specLine: layerLines[layer.name],
    };
  });
  const trainableParams = model.trainableWeights.reduce((n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
  return {
    name,
    layers,
    inputs: model.inputLayers.map((l) => l.name),
    outputs: model.outputLayers.map((l) => l.name),
    totalParams: model.countParams(),
    trainableParams,
  };
}
