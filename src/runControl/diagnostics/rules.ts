// The detection rules. Each looks at one step (or epoch) against the run's
// history and returns what it finds, or null when it could not look this time
// (e.g. activation statistics are only measured on detailed steps).
// Thresholds: config.ts; reasoning and sources: docs/diagnostics.md.

import type { DiagnosticKind, EpochStats, StepStats } from '../../shared/stats';
import type { DiagnosticsConfig } from '../../shared/diagnosticsConfig';
import { mean, median, type RunHistory } from './history';
import { fmt } from './text';

export interface Finding {
  /** Stable within a run: kind, plus the layer for per-layer kinds. */
  id: string;
  kind: DiagnosticKind;
  layers: string[];
  evidence: Record<string, number | string>;
  explanation: string;
  severity?: 'warning' | 'info';
}

export function nonFinite(s: StepStats): Finding[] {
  if (s.nonFinite === 0 && Number.isFinite(s.loss)) return [];
  // Where it appears first: the forward pass (activations in layer order),
  // then the weights, then the gradients (backprop starts at the last layer).
  const inActivations = s.layers.find((l) => (l.activationStats?.nonFinite ?? 0) > 0);
  const inWeights = s.weights.find((w) => w.weightNonFinite > 0);
  const inGradients = [...s.weights].reverse().find((w) => w.gradNonFinite > 0);
  const [layer, where] = inActivations
    ? [inActivations.name, 'activations']
    : inWeights
      ? [inWeights.layer, 'weights']
      : inGradients
        ? [inGradients.layer, 'gradients']
        : ['', 'loss'];
  const evidence: Record<string, number | string> = { loss: s.loss, nonFiniteValues: s.nonFinite, gradNorm: s.gradNorm, firstSeenIn: where };
  if (layer) evidence.layer = layer;
  return [
    {
      id: 'non-finite',
      kind: 'non-finite',
      layers: layer ? [layer] : [],
      evidence,
      explanation: layer
        ? `NaN/Inf values appeared in the ${where} of layer '${layer}' at step ${s.step}; once a NaN is in the weights every later step is NaN.`
        : `The loss became ${s.loss} at step ${s.step}: the layer outputs are still finite, but the loss or its gradients overflowed float32 (gradient norm ${fmt(s.gradNorm)}); the next update writes Inf/NaN into the weights.`,
    },
  ];
}

export function explodingGradient(s: StepStats, h: RunHistory, c: DiagnosticsConfig): Finding[] | null {
  const cfg = c['exploding-gradient'];
  if (s.step <= c.warmupSteps || !Number.isFinite(s.gradNorm)) return null;
  const grown: string[] = [];
  const evidence: Record<string, number | string> = { gradNorm: s.gradNorm };
  for (const l of s.layers) {
    const history = h.gradNorms.get(l.name);
    if (l.gradNorm === null || !history || history.length < 5) continue;
    const baseline = Math.max(history.median(), h.earlyGradNorm.get(l.name) ?? 0);
    if (baseline > 0 && l.gradNorm > cfg.historyFactor * baseline) {
      grown.push(l.name);
      if (grown.length === 1) {
        evidence.layer = l.name;
        evidence.layerGradNorm = l.gradNorm;
        evidence.historyMedian = baseline;
        evidence.factor = l.gradNorm / baseline;
      }
    }
  }
  const bigUpdates = s.weights.filter((w) => w.updateRatio !== null && w.updateRatio > cfg.updateRatio);
  for (const w of bigUpdates) if (!grown.includes(w.layer)) grown.push(w.layer);
  if (bigUpdates.length > 0) evidence.updateRatio = Math.max(...bigUpdates.map((w) => w.updateRatio!));
  if (grown.length === 0) return [];
  const why =
    evidence.factor !== undefined
      ? `the gradient norm of '${evidence.layer}' is ${fmt(evidence.factor as number)}× the median of its last ${h.gradNorms.get(String(evidence.layer))?.length} steps`
      : `an update changed the weights by ${fmt(evidence.updateRatio as number)}× their own size`;
  return [{ id: 'exploding-gradient', kind: 'exploding-gradient', layers: grown, evidence, explanation: `Gradients are exploding: ${why}.` }];
}

export function vanishingGradient(s: StepStats, h: RunHistory, c: DiagnosticsConfig): Finding[] | null {
  const cfg = c['vanishing-gradient'];
  // The recent-loss window must not overlap the first losses it is compared with.
  if (s.step <= Math.max(c.warmupSteps, 10) + cfg.window) return null;
  const weighted = [...h.layers.values()].filter((l) => l.params > 0 && (h.gradRms.get(l.name)?.length ?? 0) >= Math.min(cfg.window, 10));
  if (weighted.length < 2) return [];
  const rms = new Map(weighted.map((l) => [l.name, h.gradRms.get(l.name)!.median()]));
  const strongest = weighted.reduce((a, b) => (rms.get(b.name)! > rms.get(a.name)! ? b : a));
  const maxRms = rms.get(strongest.name)!;
  if (!(maxRms > 0)) return [];
  const starving = weighted.filter((l) => l.index < strongest.index && rms.get(l.name)! < cfg.layerRatio * maxRms);
  if (starving.length === 0) return [];
  const recentLoss = mean(h.losses.last(cfg.window));
  const initialLoss = h.initialLoss();
  if (!(recentLoss > cfg.unconvergedLoss * initialLoss)) return [];
  const first = starving[0];
  return [
    {
      id: 'vanishing-gradient',
      kind: 'vanishing-gradient',
      layers: starving.map((l) => l.name),
      evidence: {
        layer: first.name,
        layerGradRms: rms.get(first.name)!,
        strongestLayer: strongest.name,
        strongestGradRms: maxRms,
        ratio: rms.get(first.name)! / maxRms,
        loss: recentLoss,
        initialLoss,
      },
      explanation: `Early layers barely learn: the RMS gradient of '${first.name}' is ${fmt(rms.get(first.name)! / maxRms)}× that of '${strongest.name}' (median of ${cfg.window} steps) while the loss is still ${fmt(recentLoss / initialLoss)}× its starting value.`,
    },
  ];
}

export function deadRelu(s: StepStats, c: DiagnosticsConfig): Finding[] | null {
  if (!s.detailed) return null;
  const cfg = c['dead-relu'];
  return s.layers
    .filter((l) => l.activation === 'relu' && l.activationStats && l.activationStats.deadFraction >= cfg.deadFraction)
    .map((l) => ({
      id: `dead-relu:${l.name}`,
      kind: 'dead-relu' as const,
      layers: [l.name],
      evidence: { deadFraction: l.activationStats!.deadFraction, zeroFraction: l.activationStats!.zeroFraction },
      explanation: `${Math.round(l.activationStats!.deadFraction * 100)}% of the units of '${l.name}' output zero for every sample of the batch: they get no gradient and stop learning.`,
    }));
}

export function saturation(s: StepStats, c: DiagnosticsConfig): Finding[] | null {
  if (!s.detailed) return null;
  const cfg = c.saturation;
  const hidden = s.layers.slice(0, -1); // a confident output layer is supposed to saturate
  return hidden
    .filter((l) => l.activationStats?.saturatedFraction != null && l.activationStats.saturatedFraction >= cfg.saturatedFraction)
    .map((l) => ({
      id: `saturation:${l.name}`,
      kind: 'saturation' as const,
      layers: [l.name],
      evidence: { saturatedFraction: l.activationStats!.saturatedFraction!, activation: l.activation ?? '' },
      explanation: `${Math.round(l.activationStats!.saturatedFraction! * 100)}% of the ${l.activation} outputs of '${l.name}' sit at their bounds, where the derivative is almost zero.`,
    }));
}

export function learningRate(s: StepStats, h: RunHistory, c: DiagnosticsConfig, starvedLayers: ReadonlySet<string>): Finding[] | null {
  if (!s.detailed || s.step <= c.warmupSteps) return null;
  const cfg = c['learning-rate'];
  // Kernels only: biases start at zero, so their ratio says nothing. Layers
  // with dead units or vanishing gradients barely move whatever the learning
  // rate: their own diagnostics explain them.
  const kernels = s.weights.filter(
    (w) => w.trainable && w.shape.length >= 2 && !starvedLayers.has(w.layer) && (h.updateRatios.get(w.name)?.length ?? 0) >= cfg.window,
  );
  if (kernels.length === 0) return null;
  const ratios = kernels.map((w) => ({ w, ratio: median(h.updateRatios.get(w.name)!.last(cfg.window)) }));
  const overall = median(ratios.map((r) => r.ratio));
  const evidence = { medianUpdateRatio: overall, learningRate: s.learningRate, target: 1e-3 };
  if (overall > cfg.tooHigh) {
    return [
      {
        id: 'learning-rate:high',
        kind: 'learning-rate',
        layers: ratios.filter((r) => r.ratio > cfg.tooHigh).map((r) => r.w.layer),
        evidence,
        explanation: `The learning rate ${fmt(s.learningRate)} looks too high: each step changes the weights by ${fmt(overall)} of their size (≈1e-3 is typical).`,
      },
    ];
  }
  if (overall < cfg.tooLow) {
    return [
      {
        id: 'learning-rate:low',
        kind: 'learning-rate',
        severity: 'info',
        layers: ratios.filter((r) => r.ratio < cfg.tooLow).map((r) => r.w.layer),
        evidence,
        explanation: `The learning rate ${fmt(s.learningRate)} looks too low: each step changes the weights by only ${fmt(overall)} of their size (≈1e-3 is typical).`,
      },
    ];
  }
  return [];
}

export function plateau(s: StepStats, h: RunHistory, c: DiagnosticsConfig): Finding[] | null {
  const cfg = c.plateau;
  if (h.losses.length < 2 * cfg.window) return null;
  const values = h.losses.last(2 * cfg.window);
  const before = mean(values.slice(0, cfg.window));
  const now = mean(values.slice(cfg.window));
  const improvement = (before - now) / Math.abs(before);
  if (!(improvement < cfg.minImprovement) || !(now > cfg.unconvergedLoss * h.initialLoss())) return [];
  return [
    {
      id: 'plateau',
      kind: 'plateau',
      layers: [],
      evidence: { meanLoss: now, previousMeanLoss: before, improvement, window: cfg.window },
      explanation: `The loss has stopped improving: its mean over the last ${cfg.window} steps (${fmt(now)}) is within ${fmt(cfg.minImprovement * 100)}% of the ${cfg.window} steps before.`,
    },
  ];
}

export function overfitting(epochs: readonly EpochStats[], c: DiagnosticsConfig): Finding[] | null {
  const cfg = c.overfitting;
  const withVal = epochs.filter((e) => e.valLoss !== null && Number.isFinite(e.valLoss));
  const k = Math.max(1, Math.round(cfg.smoothing));
  if (withVal.length < k + cfg.patience) return null;
  // Moving medians over k epochs: one noisy validation epoch is not a trend.
  const smoothed = withVal.slice(k - 1).map((e, i) => {
    const span = withVal.slice(i, i + k);
    return { epoch: e.epoch, val: median(span.map((x) => x.valLoss!)), train: mean(span.map((x) => x.loss)) };
  });
  const best = smoothed.reduce((a, b) => (b.val < a.val ? b : a));
  const current = smoothed[smoothed.length - 1];
  if (current.epoch - best.epoch < cfg.patience) return [];
  if (!(current.val > best.val * (1 + cfg.rise)) || !(current.train < best.train * (1 - cfg.trainDrop))) return [];
  // Overfitting is a widening generalization gap: a validation loss still below
  // the training loss that wobbles up a little is noise of the optimisation
  // (seen on sequence-lstm: validation 0.044 → 0.052 with training at 0.19).
  if (!(current.val - current.train > Math.max(0, best.val - best.train))) return [];
  const last = withVal[withVal.length - 1];
  return [
    {
      id: 'overfitting',
      kind: 'overfitting',
      layers: [],
      evidence: {
        bestEpoch: best.epoch,
        bestValLoss: best.val,
        valLoss: current.val,
        trainLoss: current.train,
        trainLossAtBest: best.train,
        gap: current.val - current.train,
        gapAtBest: best.val - best.train,
        lastValLoss: last.valLoss!,
        smoothedOverEpochs: k,
      },
      explanation: `The model is overfitting: validation loss (median of ${k} epochs) rose from ${fmt(best.val)} (epoch ${best.epoch}) to ${fmt(current.val)} while the training loss kept falling (${fmt(best.train)} → ${fmt(current.train)}).`,
    },
  ];
}
