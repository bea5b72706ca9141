// Activations of the selected layer: distribution over the measured steps
// (min–max and mean ± std bands around the mean), the histogram at the
// current step, the zero / dead / saturated fractions, and for conv/pooling
// layers the feature maps of one sample.

import * as d3 from 'd3';
import { formatNumber, formatPercent } from '../format';
import type { ActivationColumns } from '../store/series';
import type { Change, Store } from '../store/store';
import { FeatureMapsView } from './featureMapsView';
import { HistogramChart } from './histogramChart';
import { LineChart } from './lineChart';

export class ActivationsView {
  readonly root: HTMLElement;
  readonly overTime: LineChart;
  readonly fractions: LineChart;
  readonly histogram: HistogramChart;
  readonly featureMaps: FeatureMapsView;
  private readonly heading: HTMLElement;
  private readonly numbers: HTMLElement;

  constructor(
    parent: HTMLElement,
    private readonly store: Store,
  ) {
    this.root = document.createElement('div');
    this.root.id = 'activations';
    parent.appendChild(this.root);
    this.heading = document.createElement('div');
    this.heading.className = 'activations-heading';
    this.heading.setAttribute('aria-live', 'polite');
    this.root.appendChild(this.heading);
    this.overTime = new LineChart(
      this.root,
      'activations-over-time',
      'Activation distribution of the selected layer over the steps: min–max band, mean ± std band, mean line',
      {
        yScale: 'linear',
        yLabel: 'activation',
        height: 9,
      },
    );
    this.fractions = new LineChart(this.root, 'activation-fractions', 'Fractions of zero, dead and saturated outputs of the selected layer over the steps', {
      yScale: 'linear',
      yLabel: 'fraction',
      height: 6,
    });
    const row = document.createElement('div');
    row.className = 'activations-row';
    this.root.appendChild(row);
    this.histogram = new HistogramChart(row, 'activation-histogram', 'Histogram of the selected layer’s activations at the current step');
    this.numbers = document.createElement('dl');
    this.numbers.className = 'stat-list';
    row.appendChild(this.numbers);
    this.featureMaps = new FeatureMapsView(this.root);
  }

  /** The selected layer, or the first layer with activation statistics. */
  private layer(): string | null {
    const selected = this.store.selectedLayer;
    if (selected) return selected;
    const layers = this.store.topology?.layers ?? [];
    return layers.find((l) => this.store.activations.layers.has(l.name))?.name ?? layers.find((l) => l.className !== 'InputLayer')?.name ?? null;
  }

  update(changes: ReadonlySet<Change>): void {
    if (!(changes.has('detail') || changes.has('cursor') || changes.has('selection') || changes.has('run'))) return;
    const layer = this.layer();
    const { activations } = this.store;
    const step = this.store.currentStep;
    const columns = layer === null ? undefined : activations.layers.get(layer);
    const col = (name: keyof ActivationColumns): number[] => columns?.[name] ?? [];
    const xs = activations.steps;
    const mean = col('mean');
    const std = col('std');
    const lower = Array.from(mean, (m, i) => m - std[i]);
    const upper = Array.from(mean, (m, i) => m + std[i]);
    const cursor = this.store.pinnedStep === null ? null : step;
    this.overTime.render({
      lines: [{ key: 'mean', xs, ys: mean, className: 'act-mean', label: 'mean activation' }],
      bands: [
        { key: 'range', xs, lower: col('min'), upper: col('max'), className: 'act-band range', label: 'min … max' },
        { key: 'std', xs, lower, upper, className: 'act-band std', label: 'mean ± std' },
      ],
      cursor,
      marks: this.store.epochs.map((e) => e.step),
    });
    this.fractions.render({
      lines: [
        { key: 'zero', xs, ys: col('zeroFraction'), className: 'frac-line zero', label: 'fraction of zero outputs' },
        { key: 'dead', xs, ys: col('deadFraction'), className: 'frac-line dead', label: 'fraction of dead units' },
        { key: 'sat', xs, ys: col('saturatedFraction'), className: 'frac-line sat', label: 'fraction of saturated outputs' },
      ],
      cursor,
      yDomain: [0, 1],
      xDomain: xs.length ? [xs[0], Math.max(xs[xs.length - 1], xs[0] + 1)] : undefined,
    });
    const detail = this.store.detailAt(step);
    const stats = detail?.layers.find((l) => l.name === layer)?.activationStats;
    const withHistograms = this.store.histogramsAt(step);
    const histogram = withHistograms?.layers.find((l) => l.name === layer)?.activationStats?.histogram;
    this.heading.textContent = layer ? `${layer}${detail ? ` — measured at step ${detail.step}` : ' — no activation statistics yet'}` : 'no layer';
    this.histogram.render(histogram, withHistograms ? 'no histogram for this layer' : 'histograms are recorded every 100th step and at pauses');
    if (withHistograms && histogram) this.histogram.svg.select('title').text(`Histogram of ${layer} at step ${withHistograms.step}`);
    const info = this.store.topology?.layers.find((l) => l.name === layer);
    const maps = withHistograms?.layers.find((l) => l.name === layer)?.featureMaps;
    this.featureMaps.render(layer, info, maps, withHistograms?.step);
    const rows: [string, string][] = stats
      ? [
          ['mean', formatNumber(stats.mean)],
          ['std', formatNumber(stats.std)],
          ['min … max', `${formatNumber(stats.min)} … ${formatNumber(stats.max)}`],
          ['zero', formatPercent(stats.zeroFraction)],
          ['dead units', formatPercent(stats.deadFraction)],
          ['saturated', stats.saturatedFraction === null ? 'n/a' : formatPercent(stats.saturatedFraction)],
          ['non-finite', String(stats.nonFinite)],
        ]
      : [];
    d3.select(this.numbers)
      .selectAll('div')
      .data(rows)
      .join((enter) => enter.append('div').call((d) => (d.append('dt'), d.append('dd'))))
      .call((div) => div.select('dt').text((r) => r[0]))
      .call((div) => div.select('dd').text((r) => r[1]));
  }
}
