// Runs the rules on every step and epoch and turns their findings into
// diagnostics with a lifecycle: one `open` when a condition starts (after it
// has persisted), `active` updates now and then while it holds, `closed` when
// it clears. Never one message per step.

import type { DiagnosticKind, EpochStats, StepStats, TrainingDiagnostic } from '../../shared/stats';
import type { DiagnosticsHook } from '../stepControl';
import { resolveDiagnosticsConfig, type DiagnosticsConfig } from '../../shared/diagnosticsConfig';
import { RunHistory } from './history';
import * as rules from './rules';
import type { Finding } from './rules';
import { REMEDIES, SEVERITY } from './text';

/** An active diagnostic re-announces its count every this many holds. */
const UPDATE_EVERY = 50;
/** Evaluations without the finding before an open diagnostic closes (hysteresis against flapping). */
const CLOSE_AFTER = 5;

interface Tracked {
  pending: number;
  misses: number;
  diagnostic: TrainingDiagnostic | null;
}

interface Position {
  step: number;
  epoch: number;
  batch: number;
}

export class DiagnosticsEngine implements DiagnosticsHook {
  readonly config: DiagnosticsConfig;
  private readonly history: RunHistory;
  private readonly tracked = new Map<string, Tracked>();
  private readonly epochs: EpochStats[] = [];
  private readonly everOpened = new Map<string, TrainingDiagnostic>();

  constructor(overrides?: Record<string, unknown>, file?: string) {
    this.config = resolveDiagnosticsConfig(overrides, file);
    const window = Math.max(this.config['exploding-gradient'].window, this.config['vanishing-gradient'].window);
    this.history = new RunHistory(window, Math.max(2 * this.config.plateau.window, this.config['vanishing-gradient'].window));
  }

  onStep(s: StepStats): TrainingDiagnostic[] {
    const c = this.config;
    const at = { step: s.step, epoch: s.epoch, batch: s.batch };
    const out: TrainingDiagnostic[] = [];
    // Rules compare the step with the history *before* it.
    this.update('non-finite', rules.nonFinite(s), at, out);
    if (this.tracked.get('non-finite')?.diagnostic) {
      // Once NaN/Inf is in the numbers every other rule reads garbage: the
      // non-finite diagnostic is the one to act on.
      return out;
    }
    const results: [DiagnosticKind, Finding[] | null][] = [
      ['exploding-gradient', rules.explodingGradient(s, this.history, c)],
      ['dead-relu', rules.deadRelu(s, c)],
      ['saturation', rules.saturation(s, c)],
    ];
    this.history.record(s);
    results.push(['vanishing-gradient', rules.vanishingGradient(s, this.history, c)]);
    for (const [kind, findings] of results) this.update(kind, findings, at, out);
    this.update('learning-rate', rules.learningRate(s, this.history, c, this.starvedLayers()), at, out);
    this.update('plateau', rules.plateau(s, this.history, c), at, out);
    return out;
  }

  onEpoch(e: EpochStats): TrainingDiagnostic[] {
    this.epochs.push(e);
    const out: TrainingDiagnostic[] = [];
    const at = { step: e.step, epoch: e.epoch, batch: -1 };
    this.update('overfitting', rules.overfitting(this.epochs, this.config), at, out);
    return out;
  }

  /** Layers with open dead-relu or vanishing-gradient diagnostics. */
  private starvedLayers(): Set<string> {
    const layers = new Set<string>();
    for (const d of this.active()) if (d.kind === 'dead-relu' || d.kind === 'vanishing-gradient') d.layers.forEach((l) => layers.add(l));
    return layers;
  }

  /** Diagnostics open right now. */
  active(): TrainingDiagnostic[] {
    return [...this.tracked.values()].map((t) => t.diagnostic).filter((d): d is TrainingDiagnostic => d !== null);
  }

  /** Every diagnostic that opened during the run, in its latest state. */
  all(): TrainingDiagnostic[] {
    return [...this.everOpened.values()];
  }

  private update(kind: DiagnosticKind, findings: Finding[] | null, at: Position, out: TrainingDiagnostic[]): void {
    if (findings === null || !this.config[kind].enabled) return; // not evaluated this time
    const persistence = this.persistence(kind);
    const seen = new Set<string>();
    for (const f of findings) {
      seen.add(f.id);
      const t = this.tracked.get(f.id) ?? { pending: 0, misses: 0, diagnostic: null };
      this.tracked.set(f.id, t);
      t.misses = 0;
      t.pending += 1;
      if (!t.diagnostic) {
        if (t.pending < persistence) continue;
        t.diagnostic = this.make(f, at, 'open', t.pending);
        this.everOpened.set(f.id, t.diagnostic);
        out.push(t.diagnostic);
      } else {
        // The explanation quotes the evidence: both are this step's (a Problems entry shows them with this step).
        t.diagnostic = { ...t.diagnostic, state: 'active', count: t.diagnostic.count + 1, evidence: f.evidence, layers: f.layers, explanation: f.explanation };
        this.everOpened.set(f.id, t.diagnostic);
        if (t.diagnostic.count % UPDATE_EVERY === 0) out.push({ ...t.diagnostic, ...at });
      }
    }
    for (const [id, t] of this.tracked) {
      if (seen.has(id) || !id.startsWith(kind)) continue;
      t.pending = 0;
      if (!t.diagnostic) continue;
      t.misses += 1;
      const closeAfter = kind === 'overfitting' ? 1 : CLOSE_AFTER;
      if (t.misses >= closeAfter) {
        const closed = { ...t.diagnostic, ...at, state: 'closed' as const };
        this.everOpened.set(id, closed);
        out.push(closed);
        t.diagnostic = null;
      }
    }
  }

  private persistence(kind: DiagnosticKind): number {
    const cfg = this.config[kind] as { persistence?: number };
    return Math.max(1, cfg.persistence ?? 1);
  }

  private make(f: Finding, at: Position, state: TrainingDiagnostic['state'], count: number): TrainingDiagnostic {
    return {
      id: f.id,
      kind: f.kind,
      severity: f.severity ?? SEVERITY[f.kind],
      state,
      step: at.step,
      epoch: at.epoch,
      batch: at.batch,
      layers: f.layers,
      evidence: f.evidence,
      explanation: f.explanation,
      remedies: REMEDIES[f.kind],
      count,
    };
  }
}
