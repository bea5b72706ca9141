// Bar chart of one Histogram (activations, weights or gradients).

import * as d3 from 'd3';
import type { Histogram } from '../../src/shared/stats';
import { formatNumber } from '../format';
import { ElementSize } from './size';

export class HistogramChart {
  readonly svg: d3.Selection<SVGSVGElement, unknown, null, undefined>;
  private readonly plot: d3.Selection<SVGGElement, unknown, null, undefined>;
  private readonly note: d3.Selection<SVGTextElement, unknown, null, undefined>;
  private readonly size: ElementSize;

  constructor(parent: HTMLElement, id: string, ariaLabel: string, heightEm = 8) {
    this.svg = d3
      .select(parent)
      .append('svg')
      .attr('id', id)
      .attr('class', 'chart histogram')
      .attr('role', 'img')
      .attr('aria-label', ariaLabel)
      .style('height', `${heightEm}em`);
    this.svg.append('title').text(ariaLabel);
    this.plot = this.svg.append('g');
    this.plot.append('g').attr('class', 'axis x-axis');
    this.plot.append('g').attr('class', 'bars');
    this.note = this.svg.append('text').attr('class', 'empty-note').attr('x', 8).attr('y', 18);
    this.size = new ElementSize(this.svg.node()!, 300, 100);
  }

  render(histogram: Histogram | undefined, emptyText: string): void {
    const margin = { top: 6, right: 10, bottom: 20, left: 10 };
    const width = Math.max(80, this.size.width) - margin.left - margin.right;
    const height = Math.max(30, this.size.height) - margin.top - margin.bottom;
    this.plot.attr('transform', `translate(${margin.left},${margin.top})`);
    const bins = histogram ? histogram.counts.map((count, i) => ({ lo: histogram.edges[i], hi: histogram.edges[i + 1], count })) : [];
    this.note.text(bins.length ? '' : emptyText);
    const lo = bins.length ? bins[0].lo : 0;
    const hi = bins.length ? bins[bins.length - 1].hi : 1;
    const x = d3
      .scaleLinear()
      .domain([lo, hi === lo ? lo + 1 : hi])
      .range([0, width]);
    const y = d3
      .scaleLinear()
      .domain([0, d3.max(bins, (b) => b.count) || 1])
      .range([height, 0]);
    this.plot
      .select<SVGGElement>('.x-axis')
      .attr('transform', `translate(0,${height})`)
      .call(d3.axisBottom(x).ticks(Math.max(2, width / 80), '.2~g'));
    this.plot
      .select('.bars')
      .selectAll<SVGRectElement, (typeof bins)[number]>('rect')
      .data(bins)
      .join((enter) =>
        enter
          .append('rect')
          .attr('class', 'hist-bar')
          .call((r) => r.append('title')),
      )
      .attr('x', (b) => x(b.lo))
      .attr('width', (b) => Math.max(0.5, x(b.hi) - x(b.lo) - 1))
      .attr('y', (b) => y(b.count))
      .attr('height', (b) => height - y(b.count))
      .select('title')
      .text((b) => `[${formatNumber(b.lo)}, ${formatNumber(b.hi)}): ${b.count}`);
  }
}
