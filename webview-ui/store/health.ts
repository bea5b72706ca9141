// Gradient health of each layer at one step, for the graph colours, the depth
// profile and the inspector. Open diagnostics decide first (they are what the
// trainer's rules concluded over a window of steps); the step's own numbers
// add what a single step shows: non-finite values, a layer whose RMS gradient
// is below 1e-3 of the strongest layer's (the vanishing-gradient rule's
// default ratio), and ReLU layers with half their units dead.

import { DEFAULT_DIAGNOSTICS_CONFIG } from '../../src/shared/diagnosticsConfig';
import type { DiagnosticKind, StepStats, TrainingDiagnostic } from '../../src/shared/stats';

export type Health = 'healthy' | 'vanishing' | 'exploding' | 'dead' | 'non-finite' | 'none';

export const HEALTH_ORDER: readonly Health[] = ['non-finite', 'exploding', 'vanishing', 'dead', 'healthy', 'none'];

export const HEALTH_LABEL: Record<Health, string> = {
  healthy: 'healthy',
  vanishing: 'vanishing',
  exploding: 'exploding',
  dead: 'dead units',
  'non-finite': 'NaN / Inf',
  none: 'no gradient',
};

const KIND_HEALTH: Partial<Record<DiagnosticKind, Health>> = {
  'non-finite': 'non-finite',
  'exploding-gradient': 'exploding',
  'vanishing-gradient': 'vanishing',
  'dead-relu': 'dead',
};

/** Step-local thresholds: the diagnostics' defaults (src/shared/diagnosticsConfig.ts). */
const VANISHING_RMS_RATIO = DEFAULT_DIAGNOSTICS_CONFIG['vanishing-gradient'].layerRatio;
const DEAD_FRACTION = DEFAULT_DIAGNOSTICS_CONFIG['dead-relu'].deadFraction;

function worse(a: Health, b: Health): Health {
  return HEALTH_ORDER.indexOf(a) <= HEALTH_ORDER.indexOf(b) ? a : b;
}

export interface HealthInputs {
  /** Layer names in model order with their trainable parameter counts. */
  layers: { name: string; params: number }[];
  /** Gradient norm of each layer at the step (NaN when not measured / no weights). */
  gradNorm: (layer: string) => number;
  /** Per-layer detail measured at or shortly before the step, if any. */
  detail: StepStats | undefined;
  /** Diagnostics whose state at the step is open or active. */
  active: TrainingDiagnostic[];
}

export function layerHealth(input: HealthInputs): Map<string, Health> {
  const result = new Map<string, Health>();
  let strongestRms = 0;
  const rms = new Map<string, number>();
  for (const { name, params } of input.layers) {
    const g = input.gradNorm(name);
    if (params > 0 && Number.isFinite(g)) {
      const r = g / Math.sqrt(params);
      rms.set(name, r);
      strongestRms = Math.max(strongestRms, r);
    }
  }
  for (const { name, params } of input.layers) {
    const g = input.gradNorm(name);
    let health: Health = params > 0 && !Number.isNaN(g) ? 'healthy' : 'none';
    if (params > 0 && (g === Infinity || g === -Infinity)) health = 'non-finite';
    const r = rms.get(name);
    if (r !== undefined && strongestRms > 0 && r < VANISHING_RMS_RATIO * strongestRms) health = worse(health, 'vanishing');
    result.set(name, health);
  }
  if (input.detail) {
    for (const layer of input.detail.layers) {
      const a = layer.activationStats;
      if (!a || !result.has(layer.name)) continue;
      if (a.nonFinite > 0) result.set(layer.name, 'non-finite');
      else if (a.deadFraction >= DEAD_FRACTION && layer.activation?.includes('relu')) {
        result.set(layer.name, worse(result.get(layer.name)!, 'dead'));
      }
    }
    for (const w of input.detail.weights) {
      if ((w.gradNonFinite > 0 || w.weightNonFinite > 0) && result.has(w.layer)) result.set(w.layer, 'non-finite');
    }
  }
  for (const d of input.active) {
    const health = KIND_HEALTH[d.kind];
    if (!health) continue;
    for (const layer of d.layers) {
      const current = result.get(layer);
      if (current !== undefined) result.set(layer, worse(current === 'none' ? 'healthy' : current, health));
    }
  }
  return result;
}
