// Feature maps of the selected conv/pooling layer: one small heatmap per
// channel of the batch's first sample, at the latest step with histograms at
// or before the current step. Each channel has its own colour range (its
// min … max), a sequential scale from the theme's background through the
// chart blue to the foreground, so it reads in dark and light themes.

import * as d3 from 'd3';
import type { FeatureMaps, LayerInfo } from '../../src/shared/stats';
import { formatNumber } from '../format';

/** Longest side of one heatmap on screen, in CSS pixels. */
const MAP_SIDE_PX = 76;

interface Palette {
  low: string;
  mid: string;
  high: string;
  nonFinite: string;
}

/** True when the layer's output is `[batch, height, width, channels]`. */
function isRank4(info: LayerInfo | undefined): boolean {
  const shape = info?.outputShape;
  return Array.isArray(shape) && shape.length === 4 && !Array.isArray(shape[0]);
}

export class FeatureMapsView {
  readonly root: HTMLElement;
  private readonly heading: HTMLElement;
  private readonly grid: HTMLElement;
  /** What was drawn last, to skip redrawing the same maps on every frame. */
  private drawn: { maps: FeatureMaps | undefined; layer: string | null; theme: string; note: string } | null = null;

  constructor(parent: HTMLElement) {
    this.root = document.createElement('div');
    this.root.id = 'feature-maps';
    this.root.className = 'feature-maps';
    this.root.setAttribute('role', 'group');
    parent.appendChild(this.root);
    this.heading = document.createElement('div');
    this.heading.className = 'feature-maps-heading';
    this.root.appendChild(this.heading);
    this.grid = document.createElement('div');
    this.grid.className = 'feature-map-grid';
    this.root.appendChild(this.grid);
  }

  /**
   * Shows `maps` of `layer` measured at `step`; hides the section for layers
   * that are not rank 4, and says why there is nothing when a rank-4 layer
   * has no maps yet.
   */
  render(layer: string | null, info: LayerInfo | undefined, maps: FeatureMaps | undefined, step: number | undefined): void {
    const shown = layer !== null && isRank4(info);
    this.root.hidden = !shown;
    const note = !shown
      ? ''
      : maps && step !== undefined
        ? this.describe(layer, info, maps, step)
        : 'feature maps: recorded with the histograms (every 100th step and at pauses)';
    const theme = document.body.className;
    const last = this.drawn;
    if (last && last.maps === maps && last.layer === layer && last.theme === theme && last.note === note) return;
    this.drawn = { maps, layer, theme, note };
    this.heading.textContent = note;
    this.root.setAttribute('aria-label', shown ? `Feature maps of ${layer}` : 'Feature maps');
    const items = shown && maps ? maps.channels.map((channel, i) => ({ channel, values: maps.values[i], min: maps.min[i], max: maps.max[i] })) : [];
    const palette = items.length ? this.palette() : null;
    const size = maps ? displaySize(maps) : { width: 0, height: 0 };
    d3.select(this.grid)
      .selectAll<HTMLElement, (typeof items)[number]>('figure.feature-map')
      .data(items)
      .join((enter) =>
        enter
          .append('figure')
          .attr('class', 'feature-map')
          .call((f) => f.append('canvas').attr('role', 'img'))
          .call((f) => f.append('figcaption')),
      )
      .each(function (item) {
        const label = `${layer} channel ${item.channel} at step ${step}: min ${formatNumber(item.min)}, max ${formatNumber(item.max)}`;
        const canvas = d3.select(this).select<HTMLCanvasElement>('canvas');
        canvas
          .attr('data-channel', item.channel)
          .attr('aria-label', label)
          .attr('title', label)
          .style('width', `${size.width}px`)
          .style('height', `${size.height}px`);
        drawHeatmap(canvas.node()!, maps!.width, maps!.height, item.values, item.min, item.max, palette!);
        d3.select(this)
          .select('figcaption')
          .text(`c${item.channel} ${formatNumber(item.min)} … ${formatNumber(item.max)}`);
      });
  }

  private describe(layer: string, info: LayerInfo | undefined, maps: FeatureMaps, step: number): string {
    const shape = info?.outputShape as (number | null)[] | undefined;
    const full = shape && shape[1] !== null && shape[2] !== null ? `${shape[1]}×${shape[2]}` : null;
    const pooled = full && full !== `${maps.height}×${maps.width}` ? `, averaged from ${full}` : '';
    const total = shape && typeof shape[3] === 'number' ? shape[3] : null;
    const which =
      total !== null && total > maps.channels.length
        ? `channels ${maps.channels[0]}–${maps.channels[maps.channels.length - 1]} of ${total}`
        : `${maps.channels.length} channels`;
    return `feature maps of ${layer}, first sample of the batch at step ${step}: ${which}, ${maps.height}×${maps.width}${pooled}; each scaled to its own min … max`;
  }

  private palette(): Palette {
    const style = getComputedStyle(this.root);
    const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
    return {
      low: read('--nd-heat-low', '#1e1e1e'),
      mid: read('--nd-heat-mid', '#3794ff'),
      high: read('--nd-heat-high', '#ffffff'),
      nonFinite: read('--nd-nonfinite', '#f14c4c'),
    };
  }
}

function displaySize(maps: FeatureMaps): { width: number; height: number } {
  const scale = MAP_SIDE_PX / Math.max(maps.width, maps.height);
  return { width: Math.round(maps.width * scale), height: Math.round(maps.height * scale) };
}

/** One pixel per cell; CSS scales the canvas up without smoothing. */
function drawHeatmap(
  canvas: HTMLCanvasElement,
  width: number,
  height: number,
  values: readonly (number | null)[],
  min: number,
  max: number,
  palette: Palette,
): void {
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  if (!context) return;
  const lo = Number.isFinite(min) ? min : 0;
  const hi = Number.isFinite(max) && max > lo ? max : lo + 1;
  // A 256-entry lookup table: one colour parse per level, not per cell.
  const interpolate = d3.piecewise(d3.interpolateLab, [palette.low, palette.mid, palette.high]);
  const table = Array.from({ length: 256 }, (_, k) => d3.rgb(interpolate(k / 255)));
  const bad = d3.rgb(palette.nonFinite);
  const image = context.createImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    const v = values[i];
    // JSON turns NaN into null: both mean "no finite value in this cell".
    const rgb = typeof v === 'number' && Number.isFinite(v) ? table[Math.max(0, Math.min(255, Math.round(((v - lo) / (hi - lo)) * 255)))] : bad;
    image.data[i * 4] = rgb.r;
    image.data[i * 4 + 1] = rgb.g;
    image.data[i * 4 + 2] = rgb.b;
    image.data[i * 4 + 3] = 255;
  }
  context.putImageData(image, 0, 0);
}
