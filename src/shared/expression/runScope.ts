// The names a breakpoint condition or a watch expression can use, built from
// the latest step and epoch statistics. Documented in docs/expressions.md.

import type { EpochStats, StepStats } from '../stats';

/** `null`: the name exists but was not measured this step (aggregates skip it). */
export interface ScopeObject {
  [name: string]: number | null | ScopeObject;
}

/** Activation-statistic fields: only measured on detailed steps. */
export const ACTIVATION_FIELDS = ['mean', 'std', 'min', 'max', 'zeroFraction', 'deadFraction', 'saturatedFraction'] as const;

export function buildScope(step: StepStats | null, lastEpoch: EpochStats | null, learningRate: number): ScopeObject {
  const scope: ScopeObject = {
    step: step?.step ?? 0,
    epoch: step?.epoch ?? 1,
    // 1-based, as the Call Stack, the status bar and the views say it (StepStats.batch is 0-based); 0 before the first step.
    batch: step ? step.batch + 1 : 0,
    loss: step?.loss ?? NaN,
    lr: learningRate,
    learning_rate: learningRate,
    grad_norm: step?.gradNorm ?? NaN,
    non_finite: step?.nonFinite ?? 0,
    val_loss: lastEpoch?.valLoss ?? NaN,
    epoch_loss: lastEpoch?.loss ?? NaN,
  };
  for (const [name, value] of Object.entries(step?.metrics ?? {})) scope[name] = value;
  for (const [name, value] of Object.entries(lastEpoch?.valMetrics ?? {})) scope[`val_${name}`] = value;
  const layers: ScopeObject = {};
  for (const layer of step?.layers ?? []) {
    const entry: ScopeObject = { gradNorm: layer.gradNorm };
    const a = layer.activationStats;
    for (const field of ACTIVATION_FIELDS) entry[field] = a ? a[field] : null;
    entry.nonFinite = a ? a.nonFinite : null;
    layers[layer.name] = entry;
  }
  scope.layers = layers;
  const weights: ScopeObject = {};
  for (const w of step?.weights ?? []) {
    weights[w.name] = {
      norm: w.norm,
      gradNorm: w.gradNorm,
      updateRatio: w.updateRatio,
    };
  }
  scope.weights = weights;
  return scope;
}

/**
 * The names a step will provide, before any step ran (values unknown):
 * breakpoint conditions are checked against it before training starts.
 */
export function skeletonScope(layers: string[], weights: string[], metrics: string[], learningRate: number): ScopeObject {
  const scope = buildScope(null, null, learningRate);
  for (const m of metrics) {
    scope[m] = null;
    scope[`val_${m}`] = null;
  }
  const layerScope: ScopeObject = {};
  for (const name of layers) {
    const entry: ScopeObject = { gradNorm: null, nonFinite: null };
    for (const field of ACTIVATION_FIELDS) entry[field] = null;
    layerScope[name] = entry;
  }
  scope.layers = layerScope;
  scope.weights = Object.fromEntries(weights.map((w) => [w, { norm: null, gradNorm: null, updateRatio: null }]));
  return scope;
}
