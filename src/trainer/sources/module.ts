// The `*.model.ts` / `*.model.js` source. The contract (docs/model-modules.md):
//   default export (or `model`): (tf) => tf.LayersModel | Promise<tf.LayersModel>
//   data:     a built-in data spec, or (tf) => { train, validation?, test? } / batches
//   training: optional, the JSON spec's training fields (optimizer may be a tf.Optimizer)
//   hooks:    optional { onEpochEnd(stats, model), onTrainEnd(summary, model) }
//   diagnostics, timeoutSeconds: optional
// A compiled model's loss, optimizer and metrics are used when `training`
// does not name them.

import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { TrainOptions } from '../../shared/protocol';
import { UserError } from '../../shared/errors';
import type { EpochStats } from '../../shared/stats';
import { createOptimizer } from '../model';
import { LOSSES, trainingSection } from '../../spec/catalog/sections';
import { closestName } from '../../spec/suggest';
import type { FreezeSpec, MetricName, OptimizerSpec } from '../../spec/types';
import { SUPPORTED_METRICS, type LossName } from '../training/objectives';
import { bundleModule } from './bundle';
import { asGraphModel, checkModelFitsData, describeReturned, isLayersModel } from './check';
import { loadModuleData } from './moduleData';
import { moduleTimeoutFromEnv } from '../../node/userCodePhases';
import { validateExport } from './section';
import { logFrozen } from './spec';
import type { ModelSource, RunHooks, SourceIO } from './types';
import { UserCode } from './userCode';
import { applyFreeze } from './weights';

const KNOWN_EXPORTS = ['default', 'model', 'data', 'training', 'hooks', 'diagnostics', 'timeoutSeconds'];
const CLASS_LOSSES: string[] = ['categoricalCrossentropy', 'sparseCategoricalCrossentropy', 'binaryCrossentropy'];

interface ModuleTraining {
  epochs?: number;
  batchSize?: number;
  optimizer?: OptimizerSpec | OptimizerSpec['type'];
  loss?: LossName;
  metrics?: MetricName[];
  seed?: number;
  shuffle?: boolean;
  statsEvery?: number;
  freeze?: FreezeSpec;
}

export async function loadModuleSource(file: string, options: TrainOptions, io: SourceIO): Promise<ModelSource> {
  const base = path.basename(file);
  const fail = (field: string | undefined, message: string): never => {
    throw new UserError({ file, ...(field ? { field } : {}), message });
  };
  io.progress(`bundling ${base}`);
  const code = new UserCode(bundleModule(file), moduleTimeoutFromEnv(), (m) => io.progress(m));
  const evaluated = await code.evaluate();
  // `module.exports = function …` in a .js module: the function is the model.
  const exports: Record<string, unknown> = typeof evaluated === 'function' ? { default: evaluated } : evaluated;
  for (const name of Object.keys(exports)) {
    const near = KNOWN_EXPORTS.includes(name) ? undefined : closestName(name, KNOWN_EXPORTS);
    if (near) io.log('warning', `${base}: export '${name}' is ignored; did you mean '${near}'?`);
  }
  if (exports.timeoutSeconds !== undefined) {
    const seconds = exports.timeoutSeconds;
    if (typeof seconds !== 'number' || !(seconds > 0)) fail('timeoutSeconds', `expected a positive number of seconds, got ${String(seconds)}`);
    code.setTimeLimit((seconds as number) * 1000);
  }
  const build = exports.default ?? exports.model;
  if (typeof build !== 'function') {
    fail(
      undefined,
      `${base} exports no model function: add \`export default function model(tf) { …; return model; }\` (or a named export "model")${isLayersModel(build) ? " — it exports a model object; wrap it in a function so it is built with the trainer's TensorFlow.js" : ''}`,
    );
  }
  const { training, optimizerInstance } = readTraining(exports.training, file);

  const model = await code.call(`model() of ${base}`, () => (build as (t: typeof tf) => unknown)(code.tf));
  if (!isLayersModel(model)) {
    return fail(
      undefined,
      `model() of ${base} returned ${describeReturned(model)}; return a tf.LayersModel (tf.sequential(…) or tf.model({ inputs, outputs }))`,
    );
  }
  const compiled = model as tf.LayersModel & { loss?: unknown; metrics?: unknown; optimizer?: tf.Optimizer };
  const graph = asGraphModel(model);
  if (!graph) fail(undefined, `model() of ${base} returned a tf.sequential without an input shape; give its first layer an inputShape (e.g. inputShape: [2])`);
  const loss = training.loss ?? (typeof compiled.loss === 'string' ? compiled.loss : undefined);
  if (loss === undefined)
    fail(
      'training.loss',
      'no loss: add it to the training export (export const training = { loss: "categoricalCrossentropy" }) or compile the model with a loss name',
    );
  if (!(LOSSES as readonly string[]).includes(loss!))
    fail(
      undefined,
      `the model is compiled with loss '${String(loss)}', which the trainer does not have; name one of ${LOSSES.join(', ')} in the training export`,
    );
  const compiledMetrics = Array.isArray(compiled.metrics) ? compiled.metrics.filter((m): m is string => typeof m === 'string') : undefined;
  const metrics: string[] = training.metrics ?? compiledMetrics ?? (CLASS_LOSSES.includes(loss!) ? ['accuracy'] : []);
  for (const m of metrics) if (!SUPPORTED_METRICS.includes(m)) fail('training.metrics', `unknown metric '${m}'; use ${SUPPORTED_METRICS.join(', ')}`);

  let optimizer: tf.Optimizer;
  let optimizerName: string;
  if (optimizerInstance) [optimizer, optimizerName] = [optimizerInstance, optimizerInstance.getClassName().toLowerCase()];
  else if (training.optimizer !== undefined) {
    const spec: OptimizerSpec = typeof training.optimizer === 'string' ? { type: training.optimizer } : training.optimizer;
    [optimizer, optimizerName] = [createOptimizer(spec), spec.type];
  } else if (isOptimizer(compiled.optimizer)) [optimizer, optimizerName] = [compiled.optimizer, compiled.optimizer.getClassName().toLowerCase()];
  else [optimizer, optimizerName] = [createOptimizer({ type: 'adam' }), 'adam'];

  const seed = options.seed ?? training.seed ?? 42;
  io.progress('loading data');
  const trained = graph!;
  const outputShape = trained.outputs[0].shape.slice(1);
  const data = await loadModuleData(exports.data, { code, seed, dataRoot: options.dataRoot, io, loss: loss as LossName, outputShape });
  checkModelFitsData(trained, data, loss as LossName, metrics, { file }, `the model of ${base}`);
  if (training.freeze)
    logFrozen(
      trained,
      applyFreeze(trained, training.freeze, (field) => ({ file, field })),
      io,
    );

  const layerLines: Record<string, number> = {};
  for (const layer of trained.layers) {
    const site = code.layerSites.get(layer);
    if (site) layerLines[layer.name] = site.line;
  }
  return {
    kind: 'module',
    name: base.replace(/\.model\.[cm]?[jt]s$/, ''),
    model: trained,
    optimizer,
    optimizerName,
    loss: loss as LossName,
    metrics,
    data,
    training: {
      epochs: training.epochs ?? 10,
      batchSize: training.batchSize ?? 32,
      seed,
      shuffle: training.shuffle ?? true,
      ...(training.statsEvery !== undefined ? { statsEvery: training.statsEvery } : {}),
    },
    layerLines,
    diagnosticsConfig: readDiagnostics(exports.diagnostics, file),
    sourceFile: file,
    hooks: readHooks(exports.hooks, code, model as tf.LayersModel),
  };
}

/** tf.Optimizer's instanceof check reads `.minimize` of the value: undefined would throw. */
function isOptimizer(value: unknown): value is tf.Optimizer {
  return typeof value === 'object' && value !== null && value instanceof tf.Optimizer;
}

/** The training export, checked against the spec's training fields; a tf.Optimizer instance is taken as is. */
function readTraining(value: unknown, file: string): { training: ModuleTraining; optimizerInstance?: tf.Optimizer } {
  if (value === undefined) return { training: {} };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UserError({
      file,
      field: 'training',
      message: 'must be an object with the training fields of a model spec (epochs, batchSize, optimizer, loss, …)',
    });
  }
  const { optimizer, ...rest } = value as Record<string, unknown>;
  const optimizerInstance = isOptimizer(optimizer) ? optimizer : undefined;
  const plain = optimizerInstance ? rest : (value as Record<string, unknown>);
  // loss is optional here (a compiled model may carry it): check a copy that has one.
  validateExport({ loss: 'meanSquaredError', ...plain }, { kind: 'object', def: trainingSection }, 'training', file);
  return { training: plain as ModuleTraining, optimizerInstance };
}

function readDiagnostics(value: unknown, file: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UserError({ file, field: 'diagnostics', message: 'must be an object of diagnostic thresholds (see docs/diagnostics.md)' });
  }
  return value as Record<string, unknown>;
}

function readHooks(value: unknown, code: UserCode, model: tf.LayersModel): RunHooks | undefined {
  if (value === undefined) return undefined;
  const file = code.file;
  const base = path.basename(file);
  if (typeof value !== 'object' || value === null) throw new UserError({ file, field: 'hooks', message: 'must be an object { onEpochEnd?, onTrainEnd? }' });
  const hooks = value as Record<string, unknown>;
  for (const [name, fn] of Object.entries(hooks)) {
    if (name !== 'onEpochEnd' && name !== 'onTrainEnd') {
      throw new UserError({ file, field: `hooks.${name}`, message: `unknown hook; the hooks are onEpochEnd and onTrainEnd` });
    }
    if (typeof fn !== 'function') throw new UserError({ file, field: `hooks.${name}`, message: 'must be a function' });
  }
  const onEpochEnd = hooks.onEpochEnd as ((stats: EpochStats, m: tf.LayersModel) => unknown) | undefined;
  const onTrainEnd = hooks.onTrainEnd as ((summary: unknown, m: tf.LayersModel) => unknown) | undefined;
  return {
    ...(onEpochEnd
      ? {
          onEpochEnd: async (stats: EpochStats) =>
            (await code.call(`hooks.onEpochEnd() of ${base}`, () => onEpochEnd(stats, model))) === 'stop' ? 'stop' : undefined,
        }
      : {}),
    ...(onTrainEnd ? { onTrainEnd: async (summary) => void (await code.call(`hooks.onTrainEnd() of ${base}`, () => onTrainEnd(summary, model))) } : {}),
  } as RunHooks;
}
