// The one store of a webview: everything the views draw, fed by trainer
// events (live from the host, or from a trace in the report). Views never
// keep their own copy of the data; they subscribe and re-render the parts
// whose change flag is set. Updates are coalesced to one notification per
// animation frame by the app, so a 100 steps/s stream costs one render.

import type { TrainerEvent } from '../../src/shared/protocol';
import type {
  BackendReport,
  EpochStats,
  ModelTopology,
  RunSettings,
  StepStats,
  TrainingDiagnostic,
} from '../../src/shared/stats';
import type { SessionInfo } from '../../src/shared/webviewProtocol';
import { layerHealth, type Health } from './health';
import { SeriesTable } from './series';

export type Change = 'run' | 'steps' | 'detail' | 'epochs' | 'diagnostics' | 'status' | 'selection' | 'cursor';

export type RunStatus = 'waiting' | 'running' | 'paused' | 'finished' | 'failed';

/** Steps kept exactly before the older half is thinned (see SeriesTable). */
export const STEP_CAPACITY = 100_000;
/** Detailed steps (activation statistics, weight norms) kept in full. */
export const DETAIL_CAPACITY = 400;
/** Steps with histograms kept in full (they are the largest records). */
export const HISTOGRAM_CAPACITY = 60;

export interface StatusLine {
  status: RunStatus;
  text: string;
}

export class Store {
  topology: ModelTopology | null = null;
  settings: RunSettings | null = null;
  backend: BackendReport | null = null;
  session: SessionInfo | null = null;
  /** Shown above the views (e.g. "the trace is truncated"). */
  notes: string[] = [];
  status: StatusLine = { status: 'waiting', text: 'waiting for a training run' };

  /** Per-step numbers: `loss`, `gradNorm`, `lr`, `m:<metric>`, `g:<layer>` (gradient norm). */
  readonly series = new SeriesTable(STEP_CAPACITY);
  /** Per detailed step, per layer: `mean:`, `std:`, `min:`, `max:`, `zero:`, `sat:`, `dead:` + layer. */
  readonly activations = new SeriesTable(STEP_CAPACITY);
  private readonly detailed = new Map<number, StepStats>();
  private readonly withHistograms = new Map<number, StepStats>();
  epochs: EpochStats[] = [];
  /** Every record of each diagnostic id, in arrival order. */
  readonly diagnosticHistory = new Map<string, TrainingDiagnostic[]>();
  /** Steps where training paused, for the timeline. */
  stops: { step: number; reason: string }[] = [];

  selectedLayer: string | null = null;
  /** Step the views show; null follows the latest step. */
  pinnedStep: number | null = null;

  private readonly pending = new Set<Change>();
  private readonly listeners: ((changes: ReadonlySet<Change>) => void)[] = [];

  subscribe(listener: (changes: ReadonlySet<Change>) => void): void {
    this.listeners.push(listener);
  }

  /** Hands the accumulated changes to the listeners (called once per frame by the app). */
  flush(): void {
    if (this.pending.size === 0) return;
    const changes = new Set(this.pending);
    this.pending.clear();
    for (const listener of this.listeners) listener(changes);
  }

  /** The accumulated changes, cleared (the app renders them once per frame). */
  takeChanges(): Set<Change> {
    const changes = new Set(this.pending);
    this.pending.clear();
    return changes;
  }

  get hasPendingChanges(): boolean {
    return this.pending.size > 0;
  }

  /** Marks changes without changing data (a resize redraws everything). */
  touch(...changes: Change[]): void {
    this.mark(...changes);
  }

  private mark(...changes: Change[]): void {
    for (const c of changes) this.pending.add(c);
  }

  // ---- feeding ---------------------------------------------------------------

  reset(session: SessionInfo | null, notes: string[] = []): void {
    this.topology = null;
    this.settings = null;
    this.backend = null;
    this.session = session;
    this.notes = notes;
    this.status = { status: 'waiting', text: session ? 'waiting for the trainer' : 'no training run' };
    this.series.clear();
    this.activations.clear();
    this.detailed.clear();
    this.withHistograms.clear();
    this.epochs = [];
    this.diagnosticHistory.clear();
    this.stops = [];
    this.mark('run', 'steps', 'detail', 'epochs', 'diagnostics', 'status', 'cursor', 'selection');
  }

  setSession(session: SessionInfo): void {
    this.session = session;
    if (!session.live && (this.status.status === 'running' || this.status.status === 'paused')) {
      this.status = { status: 'finished', text: 'the debug session ended' };
    }
    this.mark('status');
  }

  apply(events: readonly TrainerEvent[]): void {
    for (const event of events) this.applyOne(event);
  }

  private applyOne(event: TrainerEvent): void {
    switch (event.type) {
      case 'header':
        this.reset(this.session, this.notes);
        this.topology = event.topology;
        this.settings = event.settings;
        this.backend = event.backend;
        this.status = { status: 'running', text: 'training' };
        if (this.selectedLayer && !event.topology.layers.some((l) => l.name === this.selectedLayer)) this.selectedLayer = null;
        return;
      case 'step':
        this.addStep(event.stats);
        if (this.status.status !== 'paused') this.status = { status: 'running', text: 'training' };
        this.mark('steps', 'status', ...(this.pinnedStep === null ? (['cursor'] as Change[]) : []));
        return;
      case 'epoch':
        this.epochs = this.epochs.filter((e) => e.epoch < event.stats.epoch);
        this.epochs.push(event.stats);
        this.mark('epochs');
        return;
      case 'diagnostic': {
        const d = event.diagnostic;
        const history = this.diagnosticHistory.get(d.id) ?? [];
        history.push(d);
        this.diagnosticHistory.set(d.id, history);
        this.mark('diagnostics');
        return;
      }
      case 'stopped':
        if (event.stats) {
          // Full statistics at the pause: they replace the step's lighter record.
          if (this.series.lastStep === null || event.stats.step > this.series.lastStep) this.addStep(event.stats);
          else this.addDetail(event.stats);
        }
        this.stops = this.stops.filter((s) => s.step !== event.step);
        this.stops.push({ step: event.step, reason: event.reason });
        this.status = { status: 'paused', text: `paused (${event.reason}) at step ${event.step}` };
        this.mark('status', 'steps', 'detail', ...(this.pinnedStep === null ? (['cursor'] as Change[]) : []));
        return;
      case 'resumed':
        this.status = { status: 'running', text: 'training' };
        this.mark('status');
        return;
      case 'restored':
        // A step back: what was recorded after the restored step is replayed.
        if (this.series.lastStep !== null && this.series.lastStep > event.step) this.rewindTo(event.step + 1);
        this.mark('steps', ...(this.pinnedStep === null ? (['cursor'] as Change[]) : []));
        return;
      case 'learningRate':
        // The rate the header line shows is the one in effect now.
        if (this.settings) this.settings = { ...this.settings, learningRate: event.to };
        this.mark('run');
        return;
      case 'finished':
        this.status = { status: 'finished', text: `${event.reason === 'completed' ? 'finished' : 'stopped'} after ${event.steps} steps` };
        this.mark('status');
        return;
      case 'error':
        if (event.fatal) this.status = { status: 'failed', text: `error: ${event.error.message}` };
        else this.notes = [...this.notes, event.error.message];
        this.mark('status');
        return;
      case 'progress':
        if (this.status.status === 'waiting') {
          this.status = { status: 'waiting', text: event.message };
          this.mark('status');
        }
        return;
      default:
        return; // backend, reply, breakpoints, log: nothing to draw
    }
  }

  private addStep(stats: StepStats): void {
    const last = this.series.lastStep;
    if (last !== null && stats.step <= last) this.rewindTo(stats.step);
    const row: Record<string, number> = { loss: stats.loss, gradNorm: stats.gradNorm, lr: stats.learningRate, epoch: stats.epoch };
    for (const [name, value] of Object.entries(stats.metrics)) row[`m:${name}`] = value;
    for (const layer of stats.layers) row[`g:${layer.name}`] = layer.gradNorm ?? NaN;
    this.series.push(stats.step, row);
    if (stats.detailed) this.addDetail(stats);
  }

  private addDetail(stats: StepStats): void {
    this.detailed.set(stats.step, stats);
    trimOldest(this.detailed, DETAIL_CAPACITY);
    if (stats.withHistograms) {
      this.withHistograms.set(stats.step, stats);
      trimOldest(this.withHistograms, HISTOGRAM_CAPACITY);
    }
    const last = this.activations.lastStep;
    if (last === null || stats.step > last) {
      const row: Record<string, number> = {};
      for (const layer of stats.layers) {
        const a = layer.activationStats;
        if (!a) continue;
        row[`mean:${layer.name}`] = a.mean;
        row[`std:${layer.name}`] = a.std;
        row[`min:${layer.name}`] = a.min;
        row[`max:${layer.name}`] = a.max;
        row[`zero:${layer.name}`] = a.zeroFraction;
        row[`dead:${layer.name}`] = a.deadFraction;
        row[`sat:${layer.name}`] = a.saturatedFraction ?? NaN;
      }
      if (Object.keys(row).length > 0) this.activations.push(stats.step, row);
    }
    this.mark('detail');
  }

  /** A step back: later steps are replayed, so what was recorded after `step - 1` goes. */
  private rewindTo(step: number): void {
    this.series.truncateFrom(step);
    this.activations.truncateFrom(step);
    for (const map of [this.detailed, this.withHistograms]) for (const s of [...map.keys()]) if (s >= step) map.delete(s);
    this.epochs = this.epochs.filter((e) => e.step < step);
    this.mark('epochs', 'detail');
  }

  // ---- selection -------------------------------------------------------------

  selectLayer(layer: string | null): void {
    if (layer === this.selectedLayer) return;
    this.selectedLayer = layer;
    this.mark('selection');
  }

  /** Pins the views to `step` (clamped to the recorded range); null follows the latest step. */
  pinStep(step: number | null): void {
    const clamped = step === null || this.series.length === 0 ? step : Math.min(Math.max(step, this.series.steps[0]), this.series.lastStep!);
    // The last step means "follow the latest", so new steps move the views along.
    const next = clamped !== null && clamped === this.series.lastStep ? null : clamped;
    if (next === this.pinnedStep) return;
    this.pinnedStep = next;
    this.mark('cursor');
  }

  // ---- queries -----------------------------------------------------------------

  /** The step every view shows: the pinned one, or the latest. */
  get currentStep(): number | null {
    if (this.pinnedStep !== null) {
      const i = this.series.indexAtOrBefore(this.pinnedStep);
      return i >= 0 ? this.series.steps[i] : this.series.steps[0] ?? null;
    }
    return this.series.lastStep;
  }

  /** Layers that have trainable weights (one gradient line each). */
  get weightedLayers(): string[] {
    return (this.topology?.layers ?? []).filter((l) => l.paramCount > 0 && l.trainable).map((l) => l.name);
  }

  /** The latest detailed statistics at or before `step`. */
  detailAt(step: number | null): StepStats | undefined {
    return latestAtOrBefore(this.detailed, step);
  }

  /** The latest statistics with histograms at or before `step`. */
  histogramsAt(step: number | null): StepStats | undefined {
    return latestAtOrBefore(this.withHistograms, step);
  }

  /** Each diagnostic's latest record at or before `step` (all of them when step is null). */
  diagnosticsAt(step: number | null): TrainingDiagnostic[] {
    const result: TrainingDiagnostic[] = [];
    for (const history of this.diagnosticHistory.values()) {
      let latest: TrainingDiagnostic | undefined;
      for (const d of history) if (step === null || d.step <= step) latest = d;
      if (latest) result.push(latest);
    }
    return result;
  }

  healthAt(step: number | null): Map<string, Health> {
    const layers = (this.topology?.layers ?? []).map((l) => ({ name: l.name, params: l.trainable ? l.paramCount : 0 }));
    if (step === null) return new Map(layers.map((l) => [l.name, l.params > 0 ? 'healthy' : 'none'] as [string, Health]));
    const i = this.series.indexAtOrBefore(step);
    return layerHealth({
      layers,
      gradNorm: (layer) => (i < 0 || !this.series.has(`g:${layer}`) ? NaN : this.series.column(`g:${layer}`)[i]),
      detail: this.detailAt(step),
      active: this.diagnosticsAt(step).filter((d) => d.state !== 'closed'),
    });
  }

  /** Epoch, batch of a step (from the series), for labels. */
  epochAt(step: number): number {
    return this.series.valueAt('epoch', step);
  }
}

function trimOldest<V>(map: Map<number, V>, capacity: number): void {
  while (map.size > capacity) {
    let oldest = Infinity;
    for (const key of map.keys()) oldest = Math.min(oldest, key);
    map.delete(oldest);
  }
}

function latestAtOrBefore<V>(map: Map<number, V>, step: number | null): V | undefined {
  let best = -Infinity;
  for (const key of map.keys()) if (key > best && (step === null || key <= step)) best = key;
  return best === -Infinity ? undefined : map.get(best);
}
