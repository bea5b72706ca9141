// Loss and the first metric: the training value of every step, the epoch
// averages and the validation values at each epoch's end, epoch boundaries
// marked.

import type { Change, Store } from '../store/store';
import { LineChart, type LineSeries } from './lineChart';

export class LossView {
  readonly loss: LineChart;
  readonly metric: LineChart;
  private metricName: string | null = null;

  constructor(
    parent: HTMLElement,
    private readonly store: Store,
  ) {
    this.loss = new LineChart(parent, 'loss', 'Training loss per step, and training and validation loss per epoch', {
      yScale: 'linear',
      yLabel: 'loss',
      height: 10,
    });
    this.metric = new LineChart(parent, 'metric', 'Training metric per step, and training and validation metric per epoch', {
      yScale: 'linear',
      yLabel: 'metric',
      height: 8,
    });
  }

  update(changes: ReadonlySet<Change>): void {
    if (!(changes.has('steps') || changes.has('epochs') || changes.has('cursor') || changes.has('run'))) return;
    const { series, epochs } = this.store;
    const cursor = this.store.pinnedStep === null ? null : this.store.currentStep;
    const marks = epochs.map((e) => e.step);
    const epochSteps = epochs.map((e) => e.step);
    const lossLines: LineSeries[] = [
      { key: 'train', xs: series.steps, ys: series.loss, className: 'loss-line train', label: 'training loss (per step)' },
      { key: 'val', xs: epochSteps, ys: epochs.map((e) => e.valLoss ?? NaN), className: 'loss-line val', label: 'validation loss (per epoch)' },
    ];
    this.loss.render({
      lines: lossLines,
      points: epochs.flatMap((e) => [
        { x: e.step, y: e.loss, className: 'epoch-point train', label: `epoch ${e.epoch}: training loss ${e.loss.toPrecision(4)}` },
        ...(e.valLoss === null
          ? []
          : [{ x: e.step, y: e.valLoss, className: 'epoch-point val', label: `epoch ${e.epoch}: validation loss ${e.valLoss.toPrecision(4)}` }]),
      ]),
      marks,
      cursor,
      pointLegend: [{ className: 'epoch-point train', label: 'training loss (epoch mean)' }],
    });
    this.metricName = this.store.settings?.metrics[0] ?? series.metrics.keys().next().value ?? null;
    const name = this.metricName;
    this.metric.svg.classed('hidden', !name);
    if (!name) return;
    this.metric.svg.select('.axis-label').text(name);
    this.metric.render({
      lines: [
        { key: 'train', xs: series.steps, ys: series.metrics.get(name) ?? [], className: 'loss-line train', label: `training ${name} (per step)` },
        { key: 'val', xs: epochSteps, ys: epochs.map((e) => e.valMetrics[name] ?? NaN), className: 'loss-line val', label: `validation ${name} (per epoch)` },
      ],
      points: epochs.flatMap((e) =>
        e.valMetrics[name] === undefined
          ? []
          : [
              {
                x: e.step,
                y: e.valMetrics[name],
                className: 'epoch-point val',
                label: `epoch ${e.epoch}: validation ${name} ${e.valMetrics[name].toPrecision(4)}`,
              },
            ],
      ),
      marks,
      cursor,
    });
  }
}
