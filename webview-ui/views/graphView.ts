// Network graph: one node per layer (name, type, output shape, parameter
// count), data-flow edges, colour = gradient health at the current step, a
// sparkline of the layer's gradient norm. Click or Enter selects a layer;
// arrow keys move between layers; d3-zoom pans and zooms.

import * as d3 from 'd3';
import type { LayerInfo } from '../../src/shared/stats';
import { formatCount, formatShape } from '../format';
import { lttbIndices } from '../lttb';
import { HEALTH_LABEL, HEALTH_ORDER, type Health } from '../store/health';
import type { Change, Store } from '../store/store';
import { layoutGraph, type GraphLayout } from './graphLayout';

const SPARK_POINTS = 32;

export class GraphView {
  readonly svg: d3.Selection<SVGSVGElement, unknown, null, undefined>;
  private readonly viewport: d3.Selection<SVGGElement, unknown, null, undefined>;
  private readonly zoom: d3.ZoomBehavior<SVGSVGElement, unknown>;
  private layout: GraphLayout | null = null;
  private layoutToken = 0;
  private nodeSize = { width: 200, height: 60 };
  /** The user panned or zoomed since the last fit: a resize keeps their view (clamped) instead of fitting again. */
  private userMoved = false;
  private lastSize = { width: 0, height: 0 };

  constructor(
    parent: HTMLElement,
    private readonly store: Store,
    private readonly onSelect: (layer: string) => void,
  ) {
    this.svg = d3
      .select(parent)
      .append('svg')
      .attr('id', 'graph')
      .attr('class', 'graph')
      .attr('role', 'group')
      .attr('aria-label', 'Network graph: one node per layer, coloured by gradient health');
    const defs = this.svg.append('defs');
    defs
      .append('marker')
      .attr('id', 'arrow')
      .attr('viewBox', '0 0 10 10')
      .attr('refX', 9)
      .attr('refY', 5)
      .attr('markerWidth', 7)
      .attr('markerHeight', 7)
      .attr('orient', 'auto-start-reverse')
      .append('path')
      .attr('class', 'arrow-head')
      .attr('d', 'M0,0L10,5L0,10z');
    this.viewport = this.svg.append('g').attr('class', 'viewport');
    this.viewport.append('g').attr('class', 'edges');
    this.viewport.append('g').attr('class', 'nodes');
    this.zoom = d3
      .zoom<SVGSVGElement, unknown>()
      .scaleExtent([0.05, 4])
      .filter((event: Event) => !(event.type === 'dblclick'))
      .extent(() => {
        const { width, height } = this.viewSize();
        return [
          [0, 0],
          [width, height],
        ];
      })
      .on('zoom', (event: d3.D3ZoomEvent<SVGSVGElement, unknown>) => {
        if (event.sourceEvent) this.userMoved = true;
        this.viewport.attr('transform', event.transform.toString());
      });
    this.svg.call(this.zoom);
    // After a resize the graph is fitted again (or, if the user moved it, kept in view).
    new ResizeObserver(() => {
      const size = this.viewSize();
      if (size.width === 0 || (Math.abs(size.width - this.lastSize.width) < 1 && Math.abs(size.height - this.lastSize.height) < 1)) return;
      this.lastSize = size;
      if (!this.layout) return;
      if (this.userMoved) this.place(d3.zoomTransform(this.svg.node()!));
      else this.fit();
    }).observe(this.svg.node()!);
  }

  /** The graph's on-screen size (0 × 0 while the view is hidden). */
  private viewSize(): { width: number; height: number } {
    const rect = this.svg.node()!.getBoundingClientRect();
    return { width: rect.width, height: rect.height };
  }

  /**
   * Applies `t` moved so that the graph covers the view as far as it can:
   * never panned past its edges into empty space (a graph narrower than
   * the view is centred, one shorter than it top-aligned).
   */
  private place(t: d3.ZoomTransform): void {
    const layout = this.layout;
    const { width, height } = this.viewSize();
    if (!layout || width === 0) return;
    const pad = 4;
    const clamp = (offset: number, content: number, view: number, short: number): number =>
      content + 2 * pad <= view ? short : Math.min(pad, Math.max(view - content - pad, offset));
    const w = layout.width * t.k;
    const h = layout.height * t.k;
    const tx = clamp(t.x, w, width, (width - w) / 2);
    const ty = clamp(t.y, h, height, pad);
    this.svg.call(this.zoom.transform, d3.zoomIdentity.translate(tx, ty).scale(t.k));
  }

  update(changes: ReadonlySet<Change>): void {
    if (changes.has('run')) void this.relayout();
    if (!this.layout) return;
    if (changes.has('run') || changes.has('steps') || changes.has('cursor') || changes.has('diagnostics') || changes.has('detail')) {
      this.paintHealth();
      this.paintSparklines();
    }
    if (changes.has('selection') || changes.has('run')) this.paintSelection();
  }

  /** Fits the graph to the panel's width (top-aligned: deep models scroll by panning). */
  fit(): void {
    if (!this.layout) return;
    const { width, height } = this.viewSize();
    if (width === 0) return; // hidden: fitted when it is shown (the resize observer)
    // Whole graph when it fits at a readable size; otherwise readable and
    // top-aligned, and the rest is a pan away (100+ layers).
    const scale = Math.min(1.2, width / (this.layout.width + 16), Math.max(height / (this.layout.height + 16), 0.8));
    this.userMoved = false;
    this.place(d3.zoomIdentity.scale(scale));
  }

  /** Pans so that `layer` is in view (after "reveal in graph"); a layer already in full view stays where it is. */
  reveal(layer: string): void {
    const placed = this.layout?.nodes.find((n) => n.name === layer);
    if (!placed) return;
    const { width, height } = this.viewSize();
    const t = d3.zoomTransform(this.svg.node()!);
    const [left, top] = t.apply([placed.x, placed.y]);
    const [right, bottom] = t.apply([placed.x + placed.width, placed.y + placed.height]);
    if (width > 0 && (left < 0 || top < 0 || right > width || bottom > height)) {
      const [cx, cy] = [placed.x + placed.width / 2, placed.y + placed.height / 2];
      this.place(d3.zoomIdentity.translate(width / 2 - cx * t.k, height / 2 - cy * t.k).scale(t.k));
    }
    (this.viewport.select(`g.layer-node[data-layer="${CSS.escape(layer)}"]`).node() as SVGGElement | null)?.focus({ preventScroll: true });
  }

  private async relayout(): Promise<void> {
    const topology = this.store.topology;
    const token = ++this.layoutToken;
    if (!topology) {
      this.layout = null;
      this.viewport.select('.nodes').selectAll('*').remove();
      this.viewport.select('.edges').selectAll('*').remove();
      return;
    }
    // Node size follows the font so that text scales with the editor font.
    const em = parseFloat(getComputedStyle(this.svg.node()!).fontSize) || 13;
    this.nodeSize = { width: Math.round(em * 18), height: Math.round(em * 4.6) };
    const layout = await layoutGraph(topology, this.nodeSize.width, this.nodeSize.height);
    if (token !== this.layoutToken) return; // a newer run arrived meanwhile
    this.layout = layout;
    this.drawStatic(topology.layers, em);
    this.fit();
    this.paintHealth();
    this.paintSparklines();
    this.paintSelection();
  }

  private drawStatic(layers: LayerInfo[], em: number): void {
    const layout = this.layout!;
    const byName = new Map(layers.map((l) => [l.name, l]));
    const line = d3
      .line<{ x: number; y: number }>()
      .x((p) => p.x)
      .y((p) => p.y);
    this.viewport
      .select('.edges')
      .selectAll('path')
      .data(layout.edges, (e) => (e as GraphLayout['edges'][number]).id)
      .join('path')
      .attr('class', 'edge')
      .attr('data-from', (e) => e.from)
      .attr('data-to', (e) => e.to)
      .attr('marker-end', 'url(#arrow)')
      .attr('d', (e) => line(e.points) ?? '');
    const { width, height } = this.nodeSize;
    const nodes = this.viewport
      .select('.nodes')
      .selectAll<SVGGElement, GraphLayout['nodes'][number]>('g.layer-node')
      .data(layout.nodes, (n) => n.name)
      .join((enter) => {
        const g = enter
          .append('g')
          .attr('class', 'layer-node')
          .attr('tabindex', 0)
          .attr('role', 'button')
          .on('click', (_event, n) => this.onSelect(n.name))
          .on('keydown', (event: KeyboardEvent, n) => this.onKey(event, n.name));
        g.append('rect').attr('class', 'node-box');
        g.append('rect').attr('class', 'health-strip');
        g.append('text').attr('class', 'node-name');
        g.append('text').attr('class', 'node-detail');
        g.append('text').attr('class', 'node-params');
        g.append('path').attr('class', 'sparkline');
        g.append('title');
        return g;
      });
    nodes.attr('data-layer', (n) => n.name).attr('transform', (n) => `translate(${n.x},${n.y})`);
    nodes.select('rect.node-box').attr('width', width).attr('height', height).attr('rx', 4);
    nodes
      .select('rect.health-strip')
      .attr('width', Math.round(em * 0.45))
      .attr('height', height)
      .attr('rx', 2);
    const textX = Math.round(em * 0.9);
    nodes
      .select('text.node-name')
      .attr('x', textX)
      .attr('y', em * 1.35)
      .text((n) => n.name);
    nodes
      .select('text.node-detail')
      .attr('x', textX)
      .attr('y', em * 2.65)
      .text((n) => {
        const l = byName.get(n.name)!;
        return `${l.className}${l.activation && l.activation !== 'linear' ? ` · ${l.activation}` : ''} · ${formatShape(l.outputShape)}`;
      });
    nodes
      .select('text.node-params')
      .attr('x', textX)
      .attr('y', em * 3.9)
      .text((n) => `${formatCount(byName.get(n.name)!.paramCount)} params`);
  }

  private paintHealth(): void {
    const step = this.store.currentStep;
    const health = this.store.healthAt(step);
    const layers = new Map((this.store.topology?.layers ?? []).map((l) => [l.name, l]));
    this.viewport.selectAll<SVGGElement, GraphLayout['nodes'][number]>('g.layer-node').each(function (n) {
      const h: Health = health.get(n.name) ?? 'none';
      const g = d3.select(this);
      if (g.attr('data-health') !== h) {
        g.attr('data-health', h);
        for (const k of HEALTH_ORDER) g.classed(`health-${k}`, k === h);
        const l = layers.get(n.name)!;
        const label = `${l.name}, ${l.className}, output ${formatShape(l.outputShape)}, ${formatCount(l.paramCount)} parameters, gradient ${HEALTH_LABEL[h]}`;
        g.attr('aria-label', label);
        g.select('title').text(label);
        g.select('text.node-params').text(`${formatCount(l.paramCount)} params${h !== 'none' && h !== 'healthy' ? ` · ${HEALTH_LABEL[h]}` : ''}`);
      }
    });
  }

  private paintSparklines(): void {
    const { series } = this.store;
    // Bottom right, beside the short "N params · health" line.
    const { width, height } = this.nodeSize;
    const sparkWidth = width * 0.3;
    const x0 = width - sparkWidth - height * 0.12;
    const y0 = height * 0.64;
    const sparkHeight = height * 0.26;
    const last = this.store.currentStep;
    const end = last === null ? 0 : series.indexAtOrBefore(last) + 1;
    this.viewport.selectAll<SVGGElement, GraphLayout['nodes'][number]>('g.layer-node').each(function (n) {
      const ys = series.layerGradNorm.get(n.name);
      const path = d3.select(this).select('path.sparkline');
      if (!ys || end < 2) {
        path.attr('d', null);
        return;
      }
      const indices = lttbIndices(series.steps, ys, SPARK_POINTS, true, 0, end);
      if (indices.length < 2) {
        path.attr('d', null);
        return;
      }
      let lo = Infinity;
      let hi = -Infinity;
      for (const i of indices) {
        const v = Math.log10(ys[i]);
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      const span = hi - lo || 1;
      const first = series.steps[indices[0]];
      const stepSpan = series.steps[indices[indices.length - 1]] - first || 1;
      let d = '';
      indices.forEach((i, k) => {
        const px = x0 + ((series.steps[i] - first) / stepSpan) * sparkWidth;
        const py = y0 + sparkHeight - ((Math.log10(ys[i]) - lo) / span) * sparkHeight;
        d += `${k ? 'L' : 'M'}${px.toFixed(1)},${py.toFixed(1)}`;
      });
      path.attr('d', d);
    });
  }

  private paintSelection(): void {
    const selected = this.store.selectedLayer;
    this.viewport
      .selectAll<SVGGElement, GraphLayout['nodes'][number]>('g.layer-node')
      .classed('selected', (n) => n.name === selected)
      .attr('aria-pressed', (n) => String(n.name === selected));
    this.viewport.selectAll<SVGPathElement, GraphLayout['edges'][number]>('path.edge').classed('selected', (e) => e.from === selected || e.to === selected);
  }

  private onKey(event: KeyboardEvent, name: string): void {
    const order = this.layout?.nodes.map((n) => n.name) ?? [];
    const index = order.indexOf(name);
    let target: string | undefined;
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      this.onSelect(name);
      return;
    }
    if (event.key === 'ArrowDown' || event.key === 'ArrowRight') target = order[index + 1];
    if (event.key === 'ArrowUp' || event.key === 'ArrowLeft') target = order[index - 1];
    if (event.key === 'Home') target = order[0];
    if (event.key === 'End') target = order[order.length - 1];
    if (target === undefined) return;
    event.preventDefault();
    this.reveal(target);
  }
}
