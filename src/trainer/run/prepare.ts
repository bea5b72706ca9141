// Turns the start options into a RunContext: backend, model source (spec,
// Keras topology or TS/JS module: src/trainer/sources), data, model,
// optimizer and settings. Every user-input problem surfaces here as a
// UserError, before any training step.

import * as tf from '@tensorflow/tfjs';
import * as path from 'node:path';
import type { TrainOptions } from '../../shared/protocol';
import { isUserError, UserError } from '../../shared/errors';
import { resolveDiagnosticsConfig } from '../../shared/diagnosticsConfig';
import type { LayerInfo, ModelTopology, RunSettings } from '../../shared/stats';
import { defaultKernelThreads, initBackend } from '../backend/select';
import { loadModelSource } from '../sources/load';
import { getLearningRate, SUPPORTED_METRICS } from '../training/objectives';
import type { RunContext } from './context';

const DEFAULT_STATS_EVERY = 10;
const DEFAULT_HISTOGRAMS_EVERY = 100;

export async function prepareRun(
  options: TrainOptions,
  progress: (message: string) => void,
  log: (level: 'info' | 'warning', message: string) => void = (level, message) => progress(`${level}: ${message}`),
): Promise<RunContext> {
  const modelFile = path.resolve(options.modelFile);
  progress('starting the TensorFlow.js backend');
  if (options.threads !== undefined) positiveInteger(options.threads, 'threads', modelFile);
  const backend = await initBackend(options.backend ?? 'auto', { threads: options.threads ?? defaultKernelThreads() });

  // The model source: a JSON spec, a spec pointing at a Keras topology, or a TS/JS module.
  const source = await loadModelSource(options, { progress, log });
  const { training, data } = source;
  const seed = options.seed ?? training.seed;
  const epochs = options.epochs ?? training.epochs;
  const batchSize = options.batchSize ?? training.batchSize;
  positiveInteger(epochs, 'epochs', modelFile);
  positiveInteger(batchSize, 'batchSize', modelFile);
  if (options.steps !== undefined) positiveInteger(options.steps, 'steps', modelFile);
  for (const metric of source.metrics) {
    if (!SUPPORTED_METRICS.includes(metric)) {
      throw new UserError({ file: modelFile, field: 'training.metrics', message: `unknown metric '${metric}'` });
    }
  }
  if (batchSize > data.train.count) {
    throw new UserError({
      file: modelFile,
      field: 'training.batchSize',
      message: `batch size ${batchSize} is larger than the ${data.train.count} training samples`,
    });
  }

  const { model, optimizer } = source;
  const topology = describeModel(model, source.name, source.layerLines);
  const settings: RunSettings = {
    modelFile,
    epochs,
    maxSteps: options.steps ?? null,
    batchSize,
    seed,
    shuffle: options.shuffle ?? training.shuffle,
    statsEvery: options.statsEvery ?? training.statsEvery ?? DEFAULT_STATS_EVERY,
    histogramsEvery: options.histogramsEvery ?? DEFAULT_HISTOGRAMS_EVERY,
    optimizer: source.optimizerName,
    learningRate: getLearningRate(optimizer),
    loss: source.loss,
    metrics: source.metrics,
    dataDescription: data.description,
    trainSamples: data.train.count,
    validationSamples: data.validation?.count ?? 0,
    testSamples: data.test?.count ?? 0,
  };
  positiveInteger(settings.statsEvery, 'statsEvery', modelFile);
  return {
    model,
    optimizer,
    loss: source.loss,
    metrics: source.metrics,
    data,
    settings,
    topology,
    backend,
    layerLines: source.layerLines,
    diagnosticsConfig: mergeDiagnostics(source.diagnosticsConfig, options.diagnostics),
    ...(source.hooks ? { hooks: source.hooks } : {}),
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
    merged[kind] = value && typeof value === 'object' && base && typeof base === 'object' ? { ...(base as object), ...(value as object) } : value;
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
function describeModel(model: tf.LayersModel, name: string, layerLines: Record<string, number> = {}): ModelTopology {
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
