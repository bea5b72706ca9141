// Thresholds of the diagnostics, their defaults and how a run overrides them
// (the spec's `diagnostics` section, VS Code settings). The reasoning and
// sources for every default are in docs/diagnostics.md.

import { UserError } from './errors';
import type { DiagnosticKind } from './stats';

export interface DiagnosticsConfig {
  /** Steps ignored by the gradient-history rules while the network settles. */
  warmupSteps: number;
  'non-finite': { enabled: boolean };
  'exploding-gradient': {
    enabled: boolean;
    /** A layer's gradient norm this many times above the median of its own history. */
    historyFactor: number;
    /** Steps of history the median is taken over. */
    window: number;
    /** Consecutive steps the condition must hold. */
    persistence: number;
    /** Update larger than this fraction of the weight itself (‖ΔW‖/‖W‖). */
    updateRatio: number;
  };
  'vanishing-gradient': {
    enabled: boolean;
    /** A layer's RMS gradient below this fraction of the largest layer's. */
    layerRatio: number;
    /** Steps the medians are taken over. */
    window: number;
    /** Loss still above this fraction of its starting value counts as not converged. */
    unconvergedLoss: number;
  };
  'dead-relu': {
    enabled: boolean;
    /** Fraction of a ReLU layer's units that output zero for every sample of the batch. */
    deadFraction: number;
    /** Consecutive measured steps the condition must hold. */
    persistence: number;
  };
  saturation: {
    enabled: boolean;
    /** Fraction of sigmoid/tanh outputs within 1% of a bound. */
    saturatedFraction: number;
    persistence: number;
  };
  'learning-rate': {
    enabled: boolean;
    /** Median update-to-weight ratio above this: learning rate too high. */
    tooHigh: number;
    /** Median update-to-weight ratio below this: learning rate too low. */
    tooLow: number;
    /** Measured steps the median is taken over. */
    window: number;
  };
  overfitting: {
    enabled: boolean;
    /** Epochs since the best validation loss. */
    patience: number;
    /** Validation loss this fraction above its best, in each of the last `patience` epochs. */
    rise: number;
    /** Training loss at least this fraction below its value at the best epoch. */
    trainDrop: number;
    /** Epochs averaged before comparing (validation loss on a small set is noisy). */
    smoothing: number;
  };
  plateau: {
    enabled: boolean;
    /** Steps per window: the mean loss of the last window is compared with the window before. */
    window: number;
    /** Relative improvement below this is "not improving". */
    minImprovement: number;
    /** Only while the loss is above this fraction of its starting value (a converged run may rest). */
    unconvergedLoss: number;
  };
}

export const DEFAULT_DIAGNOSTICS_CONFIG: DiagnosticsConfig = {
  warmupSteps: 10,
  'non-finite': { enabled: true },
  'exploding-gradient': { enabled: true, historyFactor: 10, window: 50, persistence: 3, updateRatio: 1 },
  'vanishing-gradient': { enabled: true, layerRatio: 1e-3, window: 20, unconvergedLoss: 0.5 },
  'dead-relu': { enabled: true, deadFraction: 0.5, persistence: 3 },
  saturation: { enabled: true, saturatedFraction: 0.5, persistence: 3 },
  'learning-rate': { enabled: true, tooHigh: 0.1, tooLow: 1e-7, window: 5 },
  overfitting: { enabled: true, patience: 2, rise: 0.1, trainDrop: 0.05, smoothing: 3 },
  plateau: { enabled: true, window: 100, minImprovement: 0.005, unconvergedLoss: 0.25 },
};

export const DIAGNOSTIC_KINDS = Object.keys(DEFAULT_DIAGNOSTICS_CONFIG).filter((k) => k !== 'warmupSteps') as DiagnosticKind[];

/**
 * Merges user overrides into the defaults, checking every key and type so a
 * typo is an error naming the field, not a silently ignored threshold.
 */
export function resolveDiagnosticsConfig(overrides: Record<string, unknown> | undefined, file?: string): DiagnosticsConfig {
  const config = structuredClone(DEFAULT_DIAGNOSTICS_CONFIG) as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(overrides ?? {})) {
    const field = `diagnostics.${key}`;
    if (!(key in config)) {
      throw new UserError({ file, field, message: `unknown diagnostic '${key}' (known: warmupSteps, ${DIAGNOSTIC_KINDS.join(', ')})` });
    }
    const current = config[key];
    if (typeof current === 'number') {
      if (typeof value !== 'number' || !(value >= 0)) throw new UserError({ file, field, message: `expected a non-negative number` });
      config[key] = value;
      continue;
    }
    if (typeof value === 'boolean') {
      (current as Record<string, unknown>).enabled = value;
      continue;
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      throw new UserError({ file, field, message: 'expected an object of thresholds or true/false' });
    }
    const target = current as Record<string, unknown>;
    for (const [name, v] of Object.entries(value)) {
      if (!(name in target)) {
        throw new UserError({ file, field: `${field}.${name}`, message: `unknown threshold (known: ${Object.keys(target).join(', ')})` });
      }
      if (typeof v !== typeof target[name] || (typeof v === 'number' && !(v >= 0))) {
        throw new UserError({ file, field: `${field}.${name}`, message: `expected ${typeof target[name] === 'boolean' ? 'true or false' : 'a non-negative number'}` });
      }
      target[name] = v;
    }
  }
  return config as unknown as DiagnosticsConfig;
}
