// The one store of a webview: everything the views draw, fed by trainer
// events (live from the host, or from a trace in the report). Views never
// keep their own copy of the data: the app takes the accumulated change flags
// once per animation frame (`takeChanges`) and each view re-renders the parts
// whose flag is set, so a 100 steps/s stream costs one render a frame.

import type { TrainerEvent } from '../../src/shared/protocol';
import type { BackendReport, EpochStats, ModelTopology, RunSettings, StepStats, TrainingDiagnostic } from '../../src/shared/stats';
import type { SessionInfo } from '../../src/shared/webviewProtocol';
import { BoundedHistory, STEP_STATS_ENTRIES, type HistoryBounds } from '../../src/shared/boundedHistory';
import { applyToPosition, initialPosition, type RunPosition } from '../../src/shared/runPosition';
import { layerHealth, type Health } from './health';
import { ActivationSeries, StepSeries } from './series';

export type Change = 'run' | 'steps' | 'detail' | 'epochs' | 'diagnostics' | 'status' | 'selection' | 'cursor';

type RunStatus = 'waiting' | 'running' | 'paused' | 'finished' | 'failed';

/**
 * Rows of the step columns before their older half is thinned (series.ts):
 * a row is one number per layer and a few more, so 100 000 rows of a
 * 50-layer model are ~45 MB of doubles; the charts draw a few thousand
 * points of them (LTTB).
 */
const STEP_CAPACITY = 100_000;
/**
 * The per-step records the inspector and the activations view look up
 * (src/shared/boundedHistory.ts): 400 detailed steps (the numbers of every
 * weight and layer) thinned past that, and histograms on the latest 60
 * records that carry them (the largest parts of a record). More than the
 * host's catch-up keeps (50), so a view that opened mid-run loses none of it.
 */
const DETAIL_BOUNDS: HistoryBounds = { maxSteps: 400, maxHistogramRecords: 60 };

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
  /** Where the run is (step, epoch, batch, learning rate now): the fold the status bar and Variables read too. */
  position: RunPosition = initialPosition();

  /** Every step's numbers: loss, gradient norms (global and per layer), learning rate, epoch, metrics. */
  readonly series = new StepSeries(STEP_CAPACITY);
  /** Every detailed step's activation statistics, per layer. */
  readonly activations = new ActivationSeries(STEP_CAPACITY);
  /** Detailed steps' full records (pauses included), oldest first. */
  private readonly details = new BoundedHistory(STEP_STATS_ENTRIES, DETAIL_BOUNDS);
  epochs: EpochStats[] = [];
  /** Every record of each diagnostic id, in arrival order. */
  readonly diagnosticHistory = new Map<string, TrainingDiagnostic[]>();
  /** Steps where training paused, for the timeline. */
  stops: { step: number; reason: string }[] = [];

  selectedLayer: string | null = null;
  /** Step the views show; null follows the latest step. */
  pinnedStep: number | null = null;

  private readonly pending = new Set<Change>();

  /** The accumulated changes, cleared (the app renders them once per frame). */
  takeChanges(): Set<Change> {
    const changes = new Set(this.pending);
    this.pending.clear();
    return changes;
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
    this.details.clear();
    this.epochs = [];
    this.diagnosticHistory.clear();
    this.stops = [];
    this.position = initialPosition();
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
    const position = applyToPosition(this.position, event);
    if (position.learningRate !== this.position.learningRate) this.mark('run'); // the header's rate
    this.position = position;
    switch (event.type) {
      case 'header':
        this.reset(this.session, this.notes);
        this.position = position; // a header's position starts afresh: it does not depend on the one reset cleared
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
    this.series.push(stats);
    if (stats.detailed) this.addDetail(stats);
  }

  private addDetail(stats: StepStats): void {
    // A pause's full record replaces the step's lighter one.
    const records = this.details.view;
    if (records.length > 0 && records[records.length - 1].step >= stats.step) this.details.retain((r) => r.step !== stats.step);
    this.details.add(stats);
    const last = this.activations.lastStep;
    if (last === null || stats.step > last) this.activations.push(stats);
    this.mark('detail');
  }

  /** A step back: later steps are replayed, so what was recorded after `step - 1` goes. */
  private rewindTo(step: number): void {
    this.series.truncateFrom(step);
    this.activations.truncateFrom(step);
    this.details.retain((r) => r.step < step);
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
      return i >= 0 ? this.series.steps[i] : (this.series.steps[0] ?? null);
    }
    return this.series.lastStep;
  }

  /** Layers that have trainable weights (one gradient line each). */
  get weightedLayers(): string[] {
    return (this.topology?.layers ?? []).filter((l) => l.paramCount > 0 && l.trainable).map((l) => l.name);
  }

  /** The latest detailed statistics at or before `step`. */
  detailAt(step: number | null): StepStats | undefined {
    return latestAtOrBefore(this.details.view, step, () => true);
  }

  /** The latest statistics with histograms at or before `step`. */
  histogramsAt(step: number | null): StepStats | undefined {
    return latestAtOrBefore(this.details.view, step, (r) => r.withHistograms);
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
      gradNorm: (layer) => (i < 0 ? NaN : (this.series.layerGradNorm.get(layer)?.[i] ?? NaN)),
      detail: this.detailAt(step),
      active: this.diagnosticsAt(step).filter((d) => d.state !== 'closed'),
    });
  }

  /** Epoch, batch of a step (from the series), for labels. */
  epochAt(step: number): number {
    return this.series.valueAt(this.series.epoch, step);
  }
}

/** The record with the highest step at or before `step` (any when null) that passes `accept`; the later one on a tie. */
function latestAtOrBefore(records: readonly StepStats[], step: number | null, accept: (r: StepStats) => boolean): StepStats | undefined {
  let best: StepStats | undefined;
  for (const r of records) if ((step === null || r.step <= step) && (!best || r.step >= best.step) && accept(r)) best = r;
  return best;
}
