// A reusable step-axis chart: lines (LTTB-downsampled to the pixel width, one
// density over the whole line), bands, points, epoch boundaries and the
// timeline cursor, a legend above it and hover values. Each call to `render`
// updates the existing elements (d3 data joins keyed by series).

import * as d3 from 'd3';
import { lttbIndices, uniformPointCount } from '../lttb';
import { ChartHover } from './chartHover';
import { ChartLegend, type LegendEntry } from './chartLegend';
import { ElementSize } from './size';

export interface LineSeries {
  key: string;
  xs: ArrayLike<number>;
  ys: ArrayLike<number>;
  className: string;
  /** Shown in the legend, the hover values and the line's aria label. */
  label: string;
  color?: string;
  /** A stroke-dasharray, so that lines stay apart where colours repeat. */
  dash?: string;
}

interface BandSeries {
  key: string;
  xs: ArrayLike<number>;
  lower: ArrayLike<number>;
  upper: ArrayLike<number>;
  className: string;
  /** Legend and hover label. */
  label: string;
}

interface ChartPoint {
  x: number;
  y: number;
  className: string;
  label: string;
}

export interface LineChartInput {
  lines: LineSeries[];
  bands?: BandSeries[];
  points?: ChartPoint[];
  /** Vertical dashed lines (epoch boundaries). */
  marks?: number[];
  cursor: number | null;
  highlight?: string | null;
  xDomain?: [number, number];
  /** Fixed y range (e.g. [0, 1] for fractions); otherwise from the data. */
  yDomain?: [number, number];
  /** Legend entries of the points, by class (the lines and bands have theirs). */
  pointLegend?: { className: string; label: string }[];
}

export interface LineChartOptions {
  yScale: 'linear' | 'log';
  yLabel: string;
  height: number;
  /** Called with the key of a clicked line (or legend entry). */
  onLineClick?: (key: string) => void;
}

// The y-axis title sits in the top margin, above the tick labels, so that
// the two never overlap whatever the tick labels' width.
const MARGIN = { top: 20, right: 12, bottom: 22, left: 52 };
/** Points drawn over all lines of a chart. */
const POINT_BUDGET = 6000;
const round1 = (v: number) => Math.round(v * 10) / 10;

export class LineChart {
  readonly svg: d3.Selection<SVGSVGElement, unknown, null, undefined>;
  private readonly plot: d3.Selection<SVGGElement, unknown, null, undefined>;
  private readonly xAxis: d3.Selection<SVGGElement, unknown, null, undefined>;
  private readonly yAxis: d3.Selection<SVGGElement, unknown, null, undefined>;
  private readonly bandLayer: d3.Selection<SVGGElement, unknown, null, undefined>;
  private readonly lineLayer: d3.Selection<SVGGElement, unknown, null, undefined>;
  private readonly markLayer: d3.Selection<SVGGElement, unknown, null, undefined>;
  private readonly pointLayer: d3.Selection<SVGGElement, unknown, null, undefined>;
  private readonly cursorLine: d3.Selection<SVGLineElement, unknown, null, undefined>;
  private readonly empty: d3.Selection<SVGTextElement, unknown, null, undefined>;
  private readonly size: ElementSize;
  private readonly legend: ChartLegend;
  private readonly hover: ChartHover;

  constructor(
    parent: HTMLElement,
    id: string,
    ariaLabel: string,
    private readonly options: LineChartOptions,
  ) {
    this.legend = new ChartLegend(parent, `Legend: ${ariaLabel}`, options.onLineClick);
    const box = document.createElement('div');
    box.className = 'chart-box';
    parent.appendChild(box);
    this.svg = d3
      .select(box)
      .append('svg')
      .attr('id', id)
      .attr('class', 'chart')
      .attr('role', 'img')
      .attr('aria-label', ariaLabel)
      .style('height', `${options.height}em`);
    this.svg.append('title').text(ariaLabel);
    this.plot = this.svg.append('g').attr('transform', `translate(${MARGIN.left},${MARGIN.top})`);
    this.xAxis = this.plot.append('g').attr('class', 'axis x-axis');
    this.yAxis = this.plot.append('g').attr('class', 'axis y-axis');
    this.markLayer = this.plot.append('g').attr('class', 'marks');
    this.bandLayer = this.plot.append('g').attr('class', 'bands');
    this.lineLayer = this.plot.append('g').attr('class', 'lines');
    this.pointLayer = this.plot.append('g').attr('class', 'points');
    this.cursorLine = this.plot.append('line').attr('class', 'cursor');
    this.empty = this.plot.append('text').attr('class', 'empty-note').attr('x', 8).attr('y', 16);
    this.svg.append('text').attr('class', 'axis-label').attr('x', 4).attr('y', 12).text(options.yLabel);
    this.size = new ElementSize(this.svg.node()!, 400, 160);
    this.hover = new ChartHover(box, this.svg, this.plot);
  }

  render(input: LineChartInput): void {
    const width = Math.max(120, this.size.width) - MARGIN.left - MARGIN.right;
    const height = Math.max(40, this.size.height) - MARGIN.top - MARGIN.bottom;
    const bands = input.bands ?? [];
    const points = input.points ?? [];
    let xMin = Infinity;
    let xMax = -Infinity;
    for (const s of [...input.lines, ...bands]) {
      if (s.xs.length === 0) continue;
      xMin = Math.min(xMin, s.xs[0]);
      xMax = Math.max(xMax, s.xs[s.xs.length - 1]);
    }
    for (const p of points) {
      xMin = Math.min(xMin, p.x);
      xMax = Math.max(xMax, p.x);
    }
    if (input.xDomain) [xMin, xMax] = input.xDomain;
    const hasData = Number.isFinite(xMin);
    this.empty.text(hasData ? '' : 'no data yet');
    if (!hasData) {
      xMin = 0;
      xMax = 1;
    }
    if (xMax === xMin) xMax = xMin + 1;
    const x = d3.scaleLinear().domain([xMin, xMax]).range([0, width]);
    // About one point per pixel for a few lines; with many lines a shared
    // budget (they overlap anyway), so 50 layers cost as much as a few.
    const threshold = Math.max(24, Math.round(Math.min(width, POINT_BUDGET / Math.max(1, input.lines.length))));
    // Lines over the same steps share the step column: its density is computed once.
    const counts = new Map<ArrayLike<number>, number>();
    const pointCount = (xs: ArrayLike<number>): number => {
      let count = counts.get(xs);
      if (count === undefined) counts.set(xs, (count = uniformPointCount(xs, threshold)));
      return count;
    };

    // Downsample first: the y domain is taken from what is drawn.
    const drawn = input.lines.map((s) => ({ series: s, indices: lttbIndices(s.xs, s.ys, pointCount(s.xs), this.options.yScale === 'log') }));
    const drawnBands = bands.map((b) => ({ band: b, indices: lttbIndices(b.xs, b.upper, pointCount(b.xs)) }));
    let yMin = Infinity;
    let yMax = -Infinity;
    const extend = (v: number) => {
      if (Number.isFinite(v) && (this.options.yScale === 'linear' || v > 0)) {
        if (v < yMin) yMin = v;
        if (v > yMax) yMax = v;
      }
    };
    for (const { series, indices } of drawn) for (const i of indices) extend(series.ys[i]);
    for (const { band, indices } of drawnBands) {
      for (const i of indices) {
        extend(band.lower[i]);
        extend(band.upper[i]);
      }
    }
    for (const p of points) extend(p.y);
    if (input.yDomain) [yMin, yMax] = input.yDomain;
    if (!Number.isFinite(yMin)) [yMin, yMax] = this.options.yScale === 'log' ? [1e-3, 1] : [0, 1];
    if (yMin === yMax) [yMin, yMax] = this.options.yScale === 'log' ? [yMin / 2, yMax * 2] : [yMin - 0.5, yMax + 0.5];
    const y = (this.options.yScale === 'log' ? d3.scaleLog() : d3.scaleLinear()).domain([yMin, yMax]).range([height, 0]);
    if (this.options.yScale === 'linear') y.nice();

    this.xAxis.attr('transform', `translate(0,${height})`).call(d3.axisBottom(x).ticks(Math.max(2, width / 90), 'd'));
    this.yAxis.call(
      this.options.yScale === 'log' ? d3.axisLeft(y).ticks(Math.max(2, height / 30), '.0e') : d3.axisLeft(y).ticks(Math.max(2, height / 30), '.3~g'),
    );

    const clampY = (v: number) => y(this.options.yScale === 'log' ? Math.max(v, yMin) : v);
    const pathOf = (xs: ArrayLike<number>, ys: ArrayLike<number>, indices: number[]): string => {
      let d = '';
      for (let k = 0; k < indices.length; k++) {
        const i = indices[k];
        d += `${k === 0 ? 'M' : 'L'}${round1(x(xs[i]))},${round1(clampY(ys[i]))}`;
      }
      return d;
    };

    this.lineLayer
      .selectAll<SVGPathElement, (typeof drawn)[number]>('path')
      .data(drawn, (d) => d.series.key)
      .join((enter) =>
        enter
          .append('path')
          .attr('data-layer', (d) => d.series.key)
          .attr('tabindex', -1)
          .on('click', (_event, d) => this.options.onLineClick?.(d.series.key))
          .call((p) => p.append('title')),
      )
      .attr(
        'class',
        (d) =>
          `${d.series.className}${input.highlight === d.series.key ? ' highlighted' : ''}${input.highlight && input.highlight !== d.series.key ? ' dimmed' : ''}`,
      )
      .style('stroke', (d) => d.series.color ?? null)
      .style('stroke-dasharray', (d) => d.series.dash ?? null)
      .attr('aria-label', (d) => d.series.label)
      .attr('d', (d) => pathOf(d.series.xs, d.series.ys, d.indices))
      .select('title')
      .text((d) => d.series.label);
    // The highlighted line is drawn last, on top of the others.
    this.lineLayer.selectAll<SVGPathElement, (typeof drawn)[number]>('path.highlighted').raise();

    this.bandLayer
      .selectAll<SVGPathElement, (typeof drawnBands)[number]>('path')
      .data(drawnBands, (d) => d.band.key)
      .join('path')
      .attr('class', (d) => d.band.className)
      .attr('d', (d) => {
        const { xs, lower, upper } = d.band;
        const usable = d.indices.filter((i) => Number.isFinite(lower[i]) && Number.isFinite(upper[i]));
        if (usable.length === 0) return '';
        const top = usable.map((i) => `${x(xs[i]).toFixed(1)},${clampY(upper[i]).toFixed(1)}`);
        const bottom = usable.reverse().map((i) => `${x(xs[i]).toFixed(1)},${clampY(lower[i]).toFixed(1)}`);
        return `M${top.join('L')}L${bottom.join('L')}Z`;
      });

    this.pointLayer
      .selectAll<SVGCircleElement, ChartPoint>('circle')
      .data(points.filter((p) => Number.isFinite(p.y)))
      .join((enter) =>
        enter
          .append('circle')
          .attr('r', 3)
          .call((c) => c.append('title')),
      )
      .attr('class', (p) => p.className)
      .attr('cx', (p) => x(p.x))
      .attr('cy', (p) => clampY(p.y))
      .select('title')
      .text((p) => p.label);

    this.markLayer
      .selectAll<SVGLineElement, number>('line')
      .data(
        thinMarks(
          (input.marks ?? []).filter((m) => m >= xMin && m <= xMax),
          width / 14,
        ),
      )
      .join('line')
      .attr('class', 'epoch-mark')
      .attr('x1', (m) => x(m))
      .attr('x2', (m) => x(m))
      .attr('y1', 0)
      .attr('y2', height);

    const cursorVisible = input.cursor !== null && hasData;
    this.cursorLine
      .attr('visibility', cursorVisible ? 'visible' : 'hidden')
      .attr('x1', cursorVisible ? x(input.cursor!) : 0)
      .attr('x2', cursorVisible ? x(input.cursor!) : 0)
      .attr('y1', 0)
      .attr('y2', height);

    this.legend.render(legendEntries(input), input.highlight);
    this.hover.update({
      x,
      y: clampY,
      width,
      height,
      left: MARGIN.left,
      top: MARGIN.top,
      highlight: input.highlight ?? null,
      series: [
        ...input.lines.filter(hasValues).map((s) => ({ key: s.key, label: s.label, xs: s.xs, ys: s.ys, className: s.className, color: s.color })),
        ...bands.map((b) => ({ key: b.key, label: b.label, xs: b.xs, ys: b.upper, lower: b.lower, className: b.className })),
      ],
    });
  }
}

function hasValues(s: LineSeries): boolean {
  for (let i = 0; i < s.ys.length; i++) if (Number.isFinite(s.ys[i])) return true;
  return false;
}

function legendEntries(input: LineChartInput): LegendEntry[] {
  return [
    ...input.lines.filter(hasValues).map((s) => ({ key: s.key, label: s.label, className: s.className, shape: 'line' as const, color: s.color, dash: s.dash })),
    ...(input.pointLegend ?? []).map((p) => ({ key: p.className, label: p.label, className: p.className, shape: 'point' as const })),
    ...(input.bands ?? []).map((b) => ({ key: b.key, label: b.label, className: b.className, shape: 'band' as const })),
  ];
}

/** At most `max` marks, evenly picked (120 epochs would hide the chart behind dashes). */
function thinMarks(marks: number[], max: number): number[] {
  if (marks.length <= max) return marks;
  const every = Math.ceil(marks.length / Math.max(1, max));
  return marks.filter((_, i) => (i + 1) % every === 0);
}
