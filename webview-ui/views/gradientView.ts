// Gradient norms: one line per weighted layer over the steps on a log scale
// (the selected layer highlighted), and the depth profile at the current
// step: one bar per layer from input to output, the picture that shows
// vanishing gradients at a glance.

import * as d3 from 'd3';
import { formatNumber } from '../format';
import { HEALTH_LABEL } from '../store/health';
import type { Change, Store } from '../store/store';
import { LineChart } from './lineChart';
import { ElementSize } from './size';

/**
 * One colour per layer from the theme's chart palette, in depth order; past
 * the palette's seven colours the lines repeat them dashed, then dotted, so
 * that no two of the first 21 layers look alike. The legend names them.
 */
const PALETTE = ['blue', 'orange', 'green', 'purple', 'red', 'yellow', 'foreground'].map((c) => `var(--vscode-charts-${c})`);
const DASHES = [undefined, '6 3', '1.5 2.5'];

function layerLineStyle(index: number): { color: string; dash: string | undefined } {
  return { color: PALETTE[index % PALETTE.length], dash: DASHES[Math.floor(index / PALETTE.length) % DASHES.length] };
}

export class GradientView {
  readonly chart: LineChart;
  readonly depthSvg: d3.Selection<SVGSVGElement, unknown, null, undefined>;
  private readonly depthPlot: d3.Selection<SVGGElement, unknown, null, undefined>;
  private readonly depthSize: ElementSize;
  private em: number | null = null;
  private labelSignature = '';
  private emTopology: unknown = null;

  constructor(
    parent: HTMLElement,
    private readonly store: Store,
    private readonly onSelectBar: (layer: string) => void,
  ) {
    this.chart = new LineChart(parent, 'gradient-norms', 'Gradient norm of each layer over the training steps, log scale', {
      yScale: 'log',
      yLabel: '‖∇W‖',
      height: 13,
      onLineClick: onSelectBar,
    });
    this.depthSvg = d3
      .select(parent)
      .append('svg')
      .attr('id', 'depth-profile')
      .attr('class', 'chart')
      .attr('role', 'img')
      .attr('aria-label', 'Depth profile: gradient norm of each layer at the current step, input to output, log scale')
      .style('height', '10em');
    this.depthPlot = this.depthSvg.append('g');
    this.depthPlot.append('g').attr('class', 'axis y-axis');
    this.depthPlot.append('g').attr('class', 'bars');
    this.depthPlot.append('g').attr('class', 'bar-labels');
    this.depthSvg.append('text').attr('class', 'axis-label').attr('x', 4).attr('y', 12).text('depth profile at the current step (input → output)');
    this.depthSize = new ElementSize(this.depthSvg.node()!, 400, 100);
  }

  update(changes: ReadonlySet<Change>): void {
    if (!(changes.has('steps') || changes.has('cursor') || changes.has('selection') || changes.has('run') || changes.has('diagnostics'))) return;
    const { series } = this.store;
    const layers = this.store.weightedLayers;
    this.chart.render({
      lines: layers.map((name, i) => ({
        key: name,
        xs: series.steps,
        ys: series.layerGradNorm.get(name) ?? [],
        className: 'grad-line',
        label: name,
        ...layerLineStyle(i),
      })),
      cursor: this.store.pinnedStep === null ? null : this.store.currentStep,
      highlight: this.store.selectedLayer,
      marks: this.store.epochs.map((e) => e.step),
    });
    this.renderDepthProfile(layers);
  }

  private renderDepthProfile(layers: string[]): void {
    // Read once per run: getComputedStyle after the other views' writes forces a style pass.
    if (this.em === null || this.store.topology !== this.emTopology) {
      this.em = parseFloat(getComputedStyle(this.depthSvg.node()!).fontSize) || 13;
      this.emTopology = this.store.topology;
    }
    const em = this.em;
    const labelFont = em * 0.72;
    const longest = Math.max(1, ...layers.map((l) => l.length));
    const margin = { top: 20, right: 8, bottom: 0, left: 52 };
    const width = Math.max(100, this.depthSize.width) - margin.left - margin.right;
    // Layer names under the bars: across when the longest fits a bar, else
    // turned upright, every k-th one when even that is too tight.
    const band = (width / Math.max(1, layers.length)) * 0.85;
    const upright = longest * labelFont * 0.62 > band;
    const every = upright ? Math.max(1, Math.ceil((labelFont * 1.3) / (width / Math.max(1, layers.length)))) : 1;
    margin.bottom = upright ? Math.min(longest, 12) * labelFont * 0.62 + 6 : labelFont * 1.5;
    const height = Math.max(30, this.depthSize.height - margin.top - margin.bottom);
    this.depthPlot.attr('transform', `translate(${margin.left},${margin.top})`);
    const step = this.store.currentStep;
    const health = this.store.healthAt(step);
    const values = layers.map((name) => ({ name, value: step === null ? NaN : this.store.series.valueAt(this.store.series.layerGradNorm.get(name), step) }));
    const positive = values.map((v) => v.value).filter((v) => Number.isFinite(v) && v > 0);
    const [lo, hi] = positive.length ? [Math.min(...positive), Math.max(...positive)] : [1e-3, 1];
    // The lower bound sits below the smallest value so that its bar stays visible.
    const y = d3
      .scaleLog()
      .domain([lo / 3, hi])
      .range([height, 0])
      .clamp(true);
    const x = d3.scaleBand<string>().domain(layers).range([0, width]).padding(0.15);
    // Powers of ten, every k-th so that labels stay a line apart (d3's log ticks drop most labels over many decades).
    const [dLo, dHi] = y.domain().map((v) => Math.log10(v));
    const decades = d3.range(Math.ceil(dLo), Math.floor(dHi) + 1);
    const stride = Math.max(1, Math.ceil(decades.length / Math.max(2, Math.floor(height / 16))));
    this.depthPlot.select<SVGGElement>('.y-axis').call(
      d3
        .axisLeft(y)
        .tickValues(decades.filter((d) => d % stride === 0).map((d) => 10 ** d))
        .tickFormat(d3.format('.0e')),
    );
    this.depthPlot
      .select('.bars')
      .selectAll<SVGRectElement, (typeof values)[number]>('rect')
      .data(values, (d) => d.name)
      .join((enter) =>
        enter
          .append('rect')
          .on('click', (_event, d) => this.onSelectBar(d.name))
          .call((r) => r.append('title')),
      )
      .attr('class', (d) => `depth-bar health-${health.get(d.name) ?? 'none'}${d.name === this.store.selectedLayer ? ' selected' : ''}`)
      .attr('data-layer', (d) => d.name)
      .attr('x', (d) => x(d.name) ?? 0)
      .attr('width', x.bandwidth())
      .attr('y', (d) => (Number.isFinite(d.value) && d.value > 0 ? y(d.value) : height))
      .attr('height', (d) => (Number.isFinite(d.value) && d.value > 0 ? height - y(d.value) : 0))
      .select('title')
      .text((d) => `${d.name}: ${formatNumber(d.value)} (${HEALTH_LABEL[health.get(d.name) ?? 'none']})`);
    const centre = (name: string) => (x(name) ?? 0) + x.bandwidth() / 2;
    // The labels move only with the layers, the size and the selection, not with each step.
    const signature = JSON.stringify([layers, width, height, upright, every, this.store.selectedLayer]);
    if (signature === this.labelSignature) return;
    this.labelSignature = signature;
    this.depthPlot
      .select('.bar-labels')
      .selectAll<SVGTextElement, string>('text')
      .data(
        layers.filter((_, i) => i % every === 0),
        (d) => d,
      )
      .join('text')
      .attr('class', (d) => `bar-label${d === this.store.selectedLayer ? ' selected' : ''}`)
      .attr('data-layer', (d) => d)
      .style('font-size', `${labelFont}px`)
      .attr('text-anchor', upright ? 'end' : 'middle')
      .attr('dominant-baseline', upright ? 'central' : 'hanging')
      .attr('transform', (d) => (upright ? `translate(${centre(d)},${height + 4}) rotate(-90)` : `translate(${centre(d)},${height + 3})`))
      .text((d) => (d.length > 12 && upright ? `${d.slice(0, 11)}…` : d));
  }
}
