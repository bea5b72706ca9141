// Hover on a line chart: a crosshair at the step under the pointer and a
// tooltip with each series' exact value there (a per-epoch series shows its
// latest value at or before that step, with the step it was taken at).

import * as d3 from 'd3';
import { formatNumber } from '../format';

interface HoverSeries {
  key: string;
  label: string;
  xs: ArrayLike<number>;
  ys: ArrayLike<number>;
  className: string;
  color?: string;
  /** A band's other edge: the row reads "lower … upper". */
  lower?: ArrayLike<number>;
}

export interface HoverFrame {
  x: d3.ScaleLinear<number, number>;
  y: (v: number) => number;
  width: number;
  height: number;
  left: number;
  top: number;
  series: HoverSeries[];
  highlight: string | null;
}

/** Rows listed in the tooltip; the rest are counted ("+N more"). */
const MAX_ROWS = 14;

/** Index of the last x <= `x` in ascending `xs`, or -1. */
function indexAtOrBefore(xs: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] <= x) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** The x of `xs` nearest to `x`. */
function nearest(xs: ArrayLike<number>, x: number): number {
  const i = indexAtOrBefore(xs, x);
  if (i < 0) return xs[0];
  if (i === xs.length - 1) return xs[i];
  return x - xs[i] <= xs[i + 1] - x ? xs[i] : xs[i + 1];
}

export class ChartHover {
  private readonly tooltip: HTMLDivElement;
  private readonly line: d3.Selection<SVGLineElement, unknown, null, undefined>;
  private readonly dots: d3.Selection<SVGGElement, unknown, null, undefined>;
  private frame: HoverFrame | null = null;
  /** The hovered position in plot pixels, while the pointer is over the plot. */
  private pointerX: number | null = null;

  constructor(box: HTMLElement, svg: d3.Selection<SVGSVGElement, unknown, null, undefined>, plot: d3.Selection<SVGGElement, unknown, null, undefined>) {
    this.tooltip = document.createElement('div');
    this.tooltip.className = 'chart-tooltip hidden';
    this.tooltip.setAttribute('role', 'status');
    box.appendChild(this.tooltip);
    this.line = plot.append('line').attr('class', 'hover-line').attr('visibility', 'hidden');
    this.dots = plot.append('g').attr('class', 'hover-dots');
    svg.on('pointermove', (event: PointerEvent) => {
      const [px] = d3.pointer(event, plot.node());
      this.pointerX = this.frame && px >= 0 && px <= this.frame.width ? px : null;
      this.show();
    });
    svg.on('pointerleave', () => {
      this.pointerX = null;
      this.show();
    });
    // Keyboard: with the chart focused, arrow keys move the crosshair a step (Shift: a tenth of the width), Escape hides it.
    svg.attr('tabindex', 0).on('keydown', (event: KeyboardEvent) => this.onKey(event));
    svg.on('blur', () => {
      this.pointerX = null;
      this.show();
    });
  }

  private onKey(event: KeyboardEvent): void {
    const frame = this.frame;
    const dense = frame?.series.filter((s) => s.xs.length > 0).reduce<HoverSeries | null>((a, b) => (a && a.xs.length >= b.xs.length ? a : b), null);
    if (!frame || !dense) return;
    if (event.key === 'Escape') {
      this.pointerX = null;
    } else if (event.key === 'ArrowLeft' || event.key === 'ArrowRight' || event.key === 'Home' || event.key === 'End') {
      const xs = dense.xs;
      const current = this.pointerX === null ? xs.length - 1 : Math.max(0, indexAtOrBefore(xs, nearest(xs, frame.x.invert(this.pointerX))));
      const jump = event.shiftKey ? Math.max(1, Math.round(xs.length / 10)) : 1;
      const target =
        event.key === 'Home'
          ? 0
          : event.key === 'End'
            ? xs.length - 1
            : Math.min(xs.length - 1, Math.max(0, current + (event.key === 'ArrowLeft' ? -jump : jump)));
      this.pointerX = frame.x(xs[target]);
    } else return;
    event.preventDefault();
    this.show();
  }

  /** The chart was drawn again: keep the tooltip on the same position with the new data. */
  update(frame: HoverFrame): void {
    this.frame = frame;
    this.show();
  }

  private show(): void {
    const frame = this.frame;
    const withData = frame?.series.filter((s) => s.xs.length > 0) ?? [];
    if (!frame || this.pointerX === null || withData.length === 0) {
      this.tooltip.classList.add('hidden');
      this.line.attr('visibility', 'hidden');
      this.dots.selectAll('*').remove();
      return;
    }
    // Snap to a step the first (densest) series has.
    const dense = withData.reduce((a, b) => (b.xs.length > a.xs.length ? b : a));
    const step = nearest(dense.xs, frame.x.invert(this.pointerX));
    const sx = frame.x(step);
    this.line.attr('visibility', 'visible').attr('x1', sx).attr('x2', sx).attr('y1', 0).attr('y2', frame.height);
    const rows = withData.map((s) => {
      const i = indexAtOrBefore(s.xs, step);
      const value = i < 0 ? NaN : s.ys[i];
      const at = i < 0 ? null : s.xs[i];
      const text = i < 0 ? '–' : s.lower ? `${formatNumber(s.lower[i])} … ${formatNumber(value)}` : formatNumber(value);
      return { series: s, value, at, text: at !== null && at !== step ? `${text} (step ${at})` : text };
    });
    const shown = rows.length > MAX_ROWS ? rows.filter((r, k) => k < MAX_ROWS - 1 || r.series.key === frame.highlight) : rows;
    this.dots
      .selectAll<SVGCircleElement, (typeof rows)[number]>('circle')
      .data(shown.filter((r) => r.at !== null && Number.isFinite(r.value) && !r.series.lower))
      .join('circle')
      .attr('class', (r) => `hover-dot ${r.series.className}`)
      .attr('r', 3)
      .attr('cx', (r) => frame.x(r.at!))
      .attr('cy', (r) => frame.y(r.value))
      .style('stroke', (r) => r.series.color ?? null);
    this.tooltip.replaceChildren();
    this.tooltip.dataset.step = String(step);
    const head = document.createElement('div');
    head.className = 'tooltip-step';
    head.textContent = `step ${step}`;
    this.tooltip.appendChild(head);
    for (const r of shown) {
      const row = document.createElement('div');
      row.className = `tooltip-row${r.series.key === frame.highlight ? ' highlighted' : ''}`;
      row.dataset.key = r.series.key;
      const name = document.createElement('span');
      name.className = 'tooltip-name';
      name.textContent = r.series.label;
      const value = document.createElement('span');
      value.className = 'tooltip-value';
      value.textContent = r.text;
      row.append(name, value);
      this.tooltip.appendChild(row);
    }
    if (shown.length < rows.length) {
      const more = document.createElement('div');
      more.className = 'tooltip-more';
      more.textContent = `+${rows.length - shown.length} more (click a line or legend entry to pick one)`;
      this.tooltip.appendChild(more);
    }
    this.tooltip.classList.remove('hidden');
    // Beside the crosshair, on the side with more room.
    const boxWidth = (this.tooltip.parentElement?.clientWidth ?? 0) || frame.left + frame.width;
    const left = frame.left + sx;
    const tipWidth = this.tooltip.offsetWidth;
    const x = left + 12 + tipWidth <= boxWidth ? left + 12 : Math.max(0, left - 12 - tipWidth);
    this.tooltip.style.left = `${x}px`;
    this.tooltip.style.top = `${frame.top}px`;
  }
}
