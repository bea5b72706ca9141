// Gradient inspection panel (side bar): a sortable table of every weight
// tensor at the current step — layer, shape, norm, gradient norm (with a
// log-scale bar), update ratio, health — the gradient histogram of the
// selected row, and a button that reveals its layer in the training view.

import * as d3 from 'd3';
import type { WeightStats } from '../../src/shared/stats';
import { BELOW_RESOLUTION_EXPLANATION, BELOW_RESOLUTION_LABEL, updateBelowResolution } from '../../src/shared/updateRatio';
import { formatNumber } from '../format';
import { HEALTH_LABEL, HEALTH_ORDER, type Health } from '../store/health';
import type { Change, Store } from '../store/store';
import { HistogramChart } from './histogramChart';

interface Row {
  weight: WeightStats;
  health: Health;
}

type SortKey = 'layer' | 'size' | 'norm' | 'gradNorm' | 'updateRatio' | 'health';

const COLUMNS: { key: SortKey; label: string; title: string; numeric: boolean }[] = [
  { key: 'layer', label: 'Weight', title: 'Layer and weight tensor (model order)', numeric: false },
  { key: 'size', label: 'Shape', title: 'Tensor shape', numeric: true },
  { key: 'norm', label: 'Norm', title: 'L2 norm of the weight', numeric: true },
  { key: 'gradNorm', label: 'Grad', title: 'L2 norm of the gradient (bar: log scale)', numeric: true },
  { key: 'updateRatio', label: 'Update', title: 'Update ratio ‖ΔW‖/‖W‖ (≈1e-3 is typical)', numeric: true },
  { key: 'health', label: 'Health', title: 'Gradient health of the layer', numeric: false },
];

/** `dense_1/dense_1/kernel` → `kernel`: the layer is shown next to it. */
function shortWeightName(w: WeightStats): string {
  return w.name.split('/').pop() ?? w.name;
}

function sortValue(row: Row, key: SortKey, order: Map<string, number>): number | string {
  const w = row.weight;
  switch (key) {
    case 'layer':
      return (order.get(w.layer) ?? 0) * 1000 + order.size; // stable sort keeps kernel before bias
    case 'size':
      return w.shape.reduce((a, b) => a * b, 1);
    case 'health':
      return HEALTH_ORDER.indexOf(row.health);
    default: {
      const v = w[key];
      return v === null || Number.isNaN(v) ? -Infinity : v;
    }
  }
}

export class InspectorView {
  readonly root: HTMLElement;
  readonly histogram: HistogramChart;
  private readonly caption: HTMLElement;
  private readonly tbody: d3.Selection<HTMLTableSectionElement, unknown, null, undefined>;
  private readonly headers: d3.Selection<HTMLTableCellElement, (typeof COLUMNS)[number], HTMLTableRowElement, unknown>;
  private readonly detailTitle: HTMLElement;
  private readonly reveal: HTMLButtonElement;
  private sort: { key: SortKey; descending: boolean } = { key: 'layer', descending: false };
  private selectedWeight: string | null = null;

  constructor(
    parent: HTMLElement,
    private readonly store: Store,
    private readonly onSelectLayer: (layer: string) => void,
    onReveal: (layer: string) => void,
  ) {
    this.root = document.createElement('div');
    this.root.id = 'inspector';
    parent.appendChild(this.root);
    this.caption = document.createElement('div');
    this.caption.id = 'inspector-caption';
    this.caption.setAttribute('aria-live', 'polite');
    this.root.appendChild(this.caption);
    const table = d3.select(this.root).append('table').attr('id', 'weights-table').attr('aria-label', 'Weight tensors at the current step');
    this.headers = table
      .append('thead')
      .append('tr')
      .selectAll<HTMLTableCellElement, (typeof COLUMNS)[number]>('th')
      .data(COLUMNS)
      .join('th')
      .attr('scope', 'col')
      .attr('class', (c) => (c.numeric ? 'numeric' : ''))
      .attr('title', (c) => c.title);
    this.headers
      .append('button')
      .attr('type', 'button')
      .attr('class', 'sort-button')
      .attr('data-sort', (c) => c.key)
      .text((c) => c.label)
      .on('click', (_event, c) => {
        this.sort = { key: c.key, descending: this.sort.key === c.key ? !this.sort.descending : c.numeric };
        this.renderTable();
      });
    this.tbody = table.append('tbody');
    const detail = document.createElement('section');
    detail.id = 'weight-detail';
    this.root.appendChild(detail);
    this.detailTitle = document.createElement('h3');
    detail.appendChild(this.detailTitle);
    this.histogram = new HistogramChart(detail, 'grad-histogram', 'Gradient histogram of the selected weight', 7);
    this.reveal = document.createElement('button');
    this.reveal.type = 'button';
    this.reveal.id = 'reveal-layer';
    this.reveal.textContent = 'Reveal layer in graph';
    this.reveal.addEventListener('click', () => {
      const layer = this.selectedRow()?.weight.layer ?? this.store.selectedLayer;
      if (layer) onReveal(layer);
    });
    detail.appendChild(this.reveal);
  }

  update(changes: ReadonlySet<Change>): void {
    if (changes.has('selection') && this.store.selectedLayer && this.selectedRow()?.weight.layer !== this.store.selectedLayer) {
      this.selectedWeight = null; // the layer changed elsewhere: show its first weight
    }
    if (changes.has('detail') || changes.has('cursor') || changes.has('selection') || changes.has('run') || changes.has('diagnostics')) this.renderTable();
  }

  private rows(): Row[] {
    const step = this.store.currentStep;
    const detail = this.store.detailAt(step);
    const health = this.store.healthAt(step);
    return (detail?.weights ?? []).map((weight) => ({ weight, health: health.get(weight.layer) ?? 'none' }));
  }

  private selectedRow(): Row | undefined {
    const rows = this.rows();
    return rows.find((r) => r.weight.name === this.selectedWeight) ?? rows.find((r) => r.weight.layer === this.store.selectedLayer);
  }

  private renderTable(): void {
    const step = this.store.currentStep;
    const detail = this.store.detailAt(step);
    this.caption.textContent = detail
      ? `step ${detail.step}${step !== null && detail.step !== step ? ` (latest measured before step ${step})` : ''} · ${detail.weights.length} weight tensors`
      : this.store.topology
        ? 'no per-weight statistics yet (measured every statsEvery steps and at pauses)'
        : 'no training run';
    const order = new Map((this.store.topology?.layers ?? []).map((l, i) => [l.name, i]));
    const rows = this.rows();
    const { key, descending } = this.sort;
    rows.sort((a, b) => {
      const va = sortValue(a, key, order);
      const vb = sortValue(b, key, order);
      const c = va < vb ? -1 : va > vb ? 1 : 0;
      return descending ? -c : c;
    });
    this.headers.attr('aria-sort', (c) => (c.key === key ? (descending ? 'descending' : 'ascending') : 'none'));
    const grads = rows.map((r) => r.weight.gradNorm ?? NaN).filter((v) => Number.isFinite(v) && v > 0);
    const lo = grads.length ? Math.log10(Math.min(...grads)) : 0;
    const hi = grads.length ? Math.log10(Math.max(...grads)) : 1;
    const barWidth = (v: number | null) => (v === null || !Number.isFinite(v) || v <= 0 ? 0 : hi === lo ? 100 : 8 + (92 * (Math.log10(v) - lo)) / (hi - lo));
    const selected = this.selectedRow()?.weight.name ?? null;
    const tr = this.tbody
      .selectAll<HTMLTableRowElement, Row>('tr')
      .data(rows, (r) => r.weight.name)
      .join((enter) =>
        enter
          .append('tr')
          .attr('tabindex', 0)
          .on('click', (_event, r) => this.pick(r))
          .on('keydown', (event: KeyboardEvent, r) => this.onKey(event, r))
          .call((row) => {
            for (const c of COLUMNS) row.append('td').attr('class', `col-${c.key}${c.numeric ? ' numeric' : ''}`);
            row.select('td.col-layer').append('span').attr('class', 'layer-name');
            row.select('td.col-layer').append('span').attr('class', 'weight-name');
            row.select('td.col-gradNorm').append('span').attr('class', 'value');
            row.select('td.col-gradNorm').append('span').attr('class', 'mini-bar').attr('aria-hidden', 'true');
            row.select('td.col-health').append('span').attr('class', 'health-dot').attr('aria-hidden', 'true');
            row.select('td.col-health').append('span').attr('class', 'value');
          }),
      )
      .attr('data-weight', (r) => r.weight.name)
      .attr('data-layer', (r) => r.weight.layer)
      .attr('aria-selected', (r) => String(r.weight.name === selected))
      .classed('selected', (r) => r.weight.name === selected)
      .attr('class', (r) => `health-${r.health}${r.weight.name === selected ? ' selected' : ''}`);
    tr.order();
    tr.select('td.col-layer').attr('title', (r) => r.weight.name);
    tr.select('td.col-layer .layer-name').text((r) => r.weight.layer);
    tr.select('td.col-layer .weight-name').text((r) => shortWeightName(r.weight));
    tr.attr('aria-label', (r) => `${r.weight.name}, gradient norm ${formatNumber(r.weight.gradNorm)}, ${HEALTH_LABEL[r.health]}`);
    tr.select('td.col-size').text((r) => `[${r.weight.shape.join('×')}]`);
    tr.select('td.col-norm').text((r) => formatNumber(r.weight.norm));
    tr.select('td.col-gradNorm .value').text((r) => formatNumber(r.weight.gradNorm));
    tr.select<HTMLSpanElement>('td.col-gradNorm .mini-bar').style('width', (r) => `${barWidth(r.weight.gradNorm).toFixed(1)}%`);
    // A 0 beside a gradient that is not 0 is an update rounded away in float32: said so, with why in the tooltip.
    const learningRate = detail?.learningRate ?? 0;
    tr.select('td.col-updateRatio')
      .classed('below-resolution', (r) => updateBelowResolution(r.weight, learningRate))
      .text((r) => (updateBelowResolution(r.weight, learningRate) ? BELOW_RESOLUTION_LABEL : formatNumber(r.weight.updateRatio)))
      .attr('title', (r) => (updateBelowResolution(r.weight, learningRate) ? `0: ${BELOW_RESOLUTION_EXPLANATION}` : null));
    tr.select('td.col-health .value').text((r) => HEALTH_LABEL[r.health]);
    this.renderDetail();
  }

  private renderDetail(): void {
    const row = this.selectedRow();
    const withHistograms = this.store.histogramsAt(this.store.currentStep);
    const histogram = row ? withHistograms?.weights.find((w) => w.name === row.weight.name)?.gradHistogram : undefined;
    this.detailTitle.textContent = row
      ? `${row.weight.name} — gradient histogram${withHistograms && histogram ? ` (step ${withHistograms.step})` : ''}`
      : 'Select a weight';
    this.histogram.render(histogram, row ? 'gradient histograms are recorded every 100th step and at pauses' : '');
    this.histogram.svg.classed('hidden', !row);
    this.reveal.disabled = !row;
  }

  private pick(row: Row): void {
    this.selectedWeight = row.weight.name;
    this.onSelectLayer(row.weight.layer);
    this.renderTable();
  }

  private onKey(event: KeyboardEvent, row: Row): void {
    const target = event.currentTarget as HTMLTableRowElement;
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      this.pick(row);
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const next = (event.key === 'ArrowDown' ? target.nextElementSibling : target.previousElementSibling) as HTMLElement | null;
      next?.focus();
    }
  }
}
