// The key of a line chart: one entry per line (and per kind of band or
// point), each with a swatch drawn with the same classes and colour as the
// chart, so the legend explains exactly what is drawn. Clicking an entry of a
// selectable line selects it (a layer in the gradient chart).

import * as d3 from 'd3';

export interface LegendEntry {
  key: string;
  label: string;
  /** The drawn element's class (e.g. `grad-line`, `epoch-point train`). */
  className: string;
  shape: 'line' | 'point' | 'band';
  color?: string;
  dash?: string;
}

const NS = 'http://www.w3.org/2000/svg';

function swatch(entry: LegendEntry): SVGSVGElement {
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('class', 'legend-swatch');
  svg.setAttribute('viewBox', '0 0 18 10');
  svg.setAttribute('aria-hidden', 'true');
  const shape =
    entry.shape === 'line'
      ? document.createElementNS(NS, 'line')
      : entry.shape === 'point'
        ? document.createElementNS(NS, 'circle')
        : document.createElementNS(NS, 'rect');
  const attributes: Record<string, string> =
    entry.shape === 'line'
      ? { x1: '1', y1: '5', x2: '17', y2: '5' }
      : entry.shape === 'point'
        ? { cx: '9', cy: '5', r: '3' }
        : { x: '1', y: '1', width: '16', height: '8' };
  for (const [name, value] of Object.entries(attributes)) shape.setAttribute(name, value);
  shape.setAttribute('class', entry.className);
  if (entry.color) shape.style.stroke = entry.color;
  if (entry.color && entry.shape !== 'line') shape.style.fill = entry.color;
  if (entry.dash) shape.style.strokeDasharray = entry.dash;
  svg.appendChild(shape);
  return svg;
}

export class ChartLegend {
  readonly root: HTMLUListElement;
  private signature = '';

  constructor(
    parent: HTMLElement,
    ariaLabel: string,
    private readonly onSelect?: (key: string) => void,
  ) {
    this.root = document.createElement('ul');
    this.root.className = 'chart-legend';
    this.root.setAttribute('aria-label', ariaLabel);
    parent.appendChild(this.root);
  }

  render(entries: LegendEntry[], highlight: string | null | undefined): void {
    // The legend changes with the run and the selection, not with each step: skip the DOM when nothing changed.
    const signature = JSON.stringify([entries, highlight ?? null]);
    if (signature === this.signature) return;
    this.signature = signature;
    const onSelect = this.onSelect;
    d3.select(this.root)
      .selectAll<HTMLLIElement, LegendEntry>('li')
      .data(entries, (e) => `${e.shape}:${e.key}`)
      .join((enter) => {
        const li = enter.append('li');
        li.append('span');
        if (onSelect) {
          li.attr('role', 'button')
            .attr('tabindex', 0)
            .on('click', (_event: MouseEvent, e) => onSelect(e.key))
            .on('keydown', (event: KeyboardEvent, e) => {
              if (event.key !== 'Enter' && event.key !== ' ') return;
              event.preventDefault();
              onSelect(e.key);
            });
        }
        return li;
      })
      .attr(
        'class',
        (e) => `chart-legend-item${highlight === e.key ? ' highlighted' : ''}${highlight && highlight !== e.key && e.shape === 'line' ? ' dimmed' : ''}`,
      )
      .attr('data-key', (e) => e.key)
      .attr('aria-pressed', onSelect ? (e) => String(highlight === e.key) : null)
      .each(function (e) {
        // Drawn again only when the entry's look changed (charts re-render several times a second).
        const look = [e.shape, e.className, e.color ?? '', e.dash ?? ''].join('|');
        if (this.dataset.look !== look) {
          this.dataset.look = look;
          const old = this.querySelector('svg');
          if (old) old.replaceWith(swatch(e));
          else this.prepend(swatch(e));
        }
        const text = this.lastElementChild!;
        if (text.textContent !== e.label) text.textContent = e.label;
      });
  }
}
