// What the CLI prints while training: a live progress bar with rate and ETA
// on a terminal, one line per epoch otherwise; diagnostics as they fire; the
// test result at the end.

import type { TrainerEvent } from '../shared/protocol';
import { describeLayerCount, type RunSettings, type StepStats, type TrainingDiagnostic } from '../shared/stats';

function fmt(n: number | null | undefined, digits = 4): string {
  if (n === null || n === undefined) return '-';
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n) && Math.abs(n) < 1e6) return String(n);
  return Math.abs(n) >= 1e4 || (Math.abs(n) < 1e-3 && n !== 0) ? n.toExponential(2) : n.toFixed(digits);
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, '0')}`;
}

function rate(samplesPerSecond: number): string {
  return samplesPerSecond >= 1000 ? `${(samplesPerSecond / 1000).toFixed(1)}k` : samplesPerSecond.toFixed(0);
}

export class ProgressPrinter {
  private settings: RunSettings | null = null;
  private readonly tty: boolean;
  private barShown = false;
  private epochStarted = Date.now();
  private epochSamples = 0;
  private lastDraw = 0;
  private readonly diagnostics = new Map<string, TrainingDiagnostic>();

  constructor(
    private readonly out: NodeJS.WriteStream | null,
    private readonly label: string,
  ) {
    this.tty = Boolean(out?.isTTY);
  }

  handle(event: TrainerEvent): void {
    switch (event.type) {
      case 'progress':
        if (this.tty) this.message(`… ${event.message}`);
        return;
      case 'backend': {
        const r = event.report;
        const why = r.reasons.length > 0 ? ` (${r.reasons.join('; ')})` : '';
        const native = r.nativeKernels ? `, native kernels ${r.nativeKernels}` : '';
        this.message(`backend: ${r.name}${native}${why}`);
        return;
      }
      case 'header': {
        this.settings = event.settings;
        const s = event.settings;
        this.message(
          `${this.label}: ${describeLayerCount(event.topology)}, ${event.topology.totalParams.toLocaleString('en-US')} parameters; ${s.dataDescription}`,
        );
        this.message(`training ${s.epochs || 'the script’s'} epoch(s), batch ${s.batchSize}, ${s.optimizer} lr ${s.learningRate}, ${s.loss}`);
        this.epochStarted = Date.now();
        return;
      }
      case 'step':
        return this.step(event.stats);
      case 'epoch': {
        const e = event.stats;
        const secs = (Date.now() - this.epochStarted) / 1000;
        const metrics = Object.entries(e.metrics).map(([k, v]) => `${k} ${fmt(v)}`);
        const val = e.valLoss !== null ? [`val_loss ${fmt(e.valLoss)}`, ...Object.entries(e.valMetrics).map(([k, v]) => `val_${k} ${fmt(v)}`)] : [];
        this.message(
          `epoch ${e.epoch}/${this.settings?.epochs || '?'}  loss ${fmt(e.loss)}  ${[...metrics, ...val].join('  ')}  (${secs.toFixed(1)} s, ${rate(this.epochSamples / Math.max(secs, 1e-3))} samples/s)`,
        );
        this.epochStarted = Date.now();
        this.epochSamples = 0;
        return;
      }
      case 'diagnostic':
        return this.diagnostic(event.diagnostic);
      case 'finished': {
        if (event.test) {
          const metrics = Object.entries(event.test.metrics).map(([k, v]) => `test ${k} ${k === 'accuracy' ? `${(v * 100).toFixed(2)}%` : fmt(v)}`);
          this.message(`test loss ${fmt(event.test.loss)}  ${metrics.join('  ')}`);
        }
        this.message(`${event.reason === 'completed' ? 'finished' : 'stopped'} after ${event.steps} steps`);
        this.summary();
        return;
      }
      case 'log':
        this.message(`${event.level}: ${event.message}`);
        return;
      case 'learningRate':
        this.message(`learning rate ${fmt(event.from)} → ${fmt(event.to)} from step ${event.step + 1}`);
        return;
      case 'restored':
        this.message(`stepped back from step ${event.fromStep} to the start of epoch ${event.epoch} (step ${event.step})`);
        this.epochStarted = Date.now();
        this.epochSamples = 0;
        return;
      default:
        return;
    }
  }

  private step(s: StepStats): void {
    this.epochSamples += s.batchSize;
    if (!this.tty || !this.out) return;
    const now = Date.now();
    if (now - this.lastDraw < 100 && s.batch + 1 < s.batchesPerEpoch) return;
    this.lastDraw = now;
    const secs = (now - this.epochStarted) / 1000;
    const perSec = this.epochSamples / Math.max(secs, 1e-3);
    const done = (s.batch + 1) / s.batchesPerEpoch;
    const width = 24;
    const filled = Math.round(done * width);
    const eta = ((1 - done) * secs) / Math.max(done, 1e-9);
    const metrics = Object.entries(s.metrics)
      .map(([k, v]) => `${k} ${fmt(v)}`)
      .join('  ');
    const line = `epoch ${s.epoch}/${this.settings?.epochs || '?'} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${s.batch + 1}/${s.batchesPerEpoch}  loss ${fmt(s.loss)}  ${metrics}  ${rate(perSec)} samples/s  ETA ${duration(eta)}`;
    this.out.write(`\r\x1b[2K${line.slice(0, (this.out.columns ?? 120) - 1)}`);
    this.barShown = true;
  }

  private diagnostic(d: TrainingDiagnostic): void {
    const known = this.diagnostics.get(d.id);
    this.diagnostics.set(d.id, d);
    if (d.state !== 'open' || known) return;
    const evidence = Object.entries(d.evidence)
      .map(([k, v]) => `${k}=${typeof v === 'number' ? fmt(v) : v}`)
      .join(', ');
    const where = d.layers.length > 0 ? ` [${d.layers.join(', ')}]` : '';
    this.message(`${d.severity}: ${d.kind}${where} at epoch ${d.epoch}, step ${d.step}: ${d.explanation} (${evidence})`);
  }

  private summary(): void {
    if (this.diagnostics.size === 0) return;
    const byKind = new Map<string, string[]>();
    for (const d of this.diagnostics.values()) byKind.set(d.kind, [...(byKind.get(d.kind) ?? []), ...d.layers]);
    this.message(`diagnostics: ${[...byKind].map(([k, layers]) => `${k}${layers.length ? ` (${[...new Set(layers)].join(', ')})` : ''}`).join('; ')}`);
  }

  message(text: string): void {
    if (!this.out) return;
    this.clearBar();
    this.out.write(`${text}\n`);
  }

  warning(text: string): void {
    this.message(text);
  }

  error(text: string): void {
    this.clearBar();
    process.stderr.write(`${text}\n`);
  }

  finish(): void {
    this.clearBar();
  }

  private clearBar(): void {
    if (this.barShown && this.out) {
      this.out.write('\r\x1b[2K');
      this.barShown = false;
    }
  }
}
