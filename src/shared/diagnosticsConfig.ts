// Thresholds of the diagnostics, their defaults and how a run overrides them
// (the spec's `diagnostics` section, VS Code settings). The reasoning and
// sources for every default are in docs/diagnostics.md.

import { UserError } from './errors';
import { DIAGNOSTIC_KINDS, type DiagnosticKind } from './diagnosticKinds';

export interface DiagnosticsConfig {
  /** Steps ignored by the gradient-history rules while the network settles. */
  warmupSteps: number;
  // What each threshold means: THRESHOLD_DESCRIPTIONS below (also the text of package.json's settings).
  'non-finite': { enabled: boolean };
  'exploding-gradient': { enabled: boolean; historyFactor: number; window: number; persistence: number; updateRatio: number };
  'vanishing-gradient': { enabled: boolean; layerRatio: number; window: number; unconvergedLoss: number };
  'dead-relu': { enabled: boolean; deadFraction: number; persistence: number };
  saturation: { enabled: boolean; saturatedFraction: number; persistence: number };
  'learning-rate': { enabled: boolean; tooHigh: number; tooLow: number; window: number };
  overfitting: { enabled: boolean; patience: number; rise: number; trainDrop: number; smoothing: number };
  plateau: { enabled: boolean; window: number; minImprovement: number; unconvergedLoss: number };
}

type ThresholdDescriptions = { warmupSteps: string } & {
  [K in DiagnosticKind]: Record<Exclude<keyof DiagnosticsConfig[K], 'enabled'>, string>;
};

/**
 * One sentence per threshold (without its default, which comes from
 * DEFAULT_DIAGNOSTICS_CONFIG). The compiler asks for one per threshold of
 * every kind; `npm run sync-package` writes them into package.json's
 * neuralDebugger.diagnostics setting.
 */
export const THRESHOLD_DESCRIPTIONS: ThresholdDescriptions = {
  warmupSteps: 'Steps ignored by the gradient-history rules while the network settles',
  'non-finite': {},
  'exploding-gradient': {
    historyFactor: "A layer's gradient norm this many times above the median of its own history",
    window: 'Steps of history the median is taken over',
    persistence: 'Consecutive steps the condition must hold',
    updateRatio: 'Update larger than this fraction of the weight itself, ||dW||/||W||',
  },
  'vanishing-gradient': {
    layerRatio: "A layer's RMS gradient below this fraction of the largest layer's",
    window: 'Steps the medians are taken over',
    unconvergedLoss: 'Loss still above this fraction of its starting value counts as not converged',
  },
  'dead-relu': {
    deadFraction: "Fraction of a ReLU layer's units that output zero for every sample of the batch",
    persistence: 'Consecutive measured steps the condition must hold',
  },
  saturation: {
    saturatedFraction: 'Fraction of sigmoid/tanh outputs within 1% of a bound',
    persistence: 'Consecutive measured steps the condition must hold',
  },
  'learning-rate': {
    tooHigh: 'Median update-to-weight ratio above this: learning rate too high',
    tooLow: 'Median update-to-weight ratio below this: learning rate too low',
    window: 'Measured steps the median is taken over',
  },
  overfitting: {
    patience: 'Epochs since the best validation loss',
    // In each of the last `patience` epochs.
    rise: 'Validation loss this fraction above its best',
    trainDrop: 'Training loss at least this fraction below its value at the best epoch',
    // Validation loss on a small set is noisy.
    smoothing: 'Epochs averaged before comparing',
  },
  plateau: {
    // The mean loss of the last window is compared with the window before's.
    window: 'Steps per window compared with the window before',
    minImprovement: 'Relative improvement below this is not improving',
    // A converged run may rest.
    unconvergedLoss: 'Only while the loss is above this fraction of its starting value',
  },
};

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
        throw new UserError({
          file,
          field: `${field}.${name}`,
          message: `expected ${typeof target[name] === 'boolean' ? 'true or false' : 'a non-negative number'}`,
        });
      }
      target[name] = v;
    }
  }
  return config as unknown as DiagnosticsConfig;
}
