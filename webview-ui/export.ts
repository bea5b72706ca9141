// Chart export. The charts are styled by CSS using the theme's variables, which
// mean nothing outside the webview, so the exported copy gets each element's
// computed colours and fonts written onto it, plus a background.

import type { Host } from './host';

const STYLE_PROPERTIES = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-opacity',
  'stroke-dasharray',
  'opacity',
  'font-family',
  'font-size',
  'font-weight',
  'text-anchor',
  'dominant-baseline',
  'visibility',
  'display',
];

const SVG_NS = 'http://www.w3.org/2000/svg';

/** The line chart's legend (`LineChart`: the list just before the chart's box) as SVG, laid out as on screen. */
function legendOf(svg: SVGSVGElement): { group: SVGGElement; height: number } | null {
  const list = svg.parentElement?.previousElementSibling;
  if (!list?.classList.contains('chart-legend') || list.children.length === 0) return null;
  const origin = list.getBoundingClientRect();
  const group = document.createElementNS(SVG_NS, 'g');
  group.setAttribute('class', 'export-legend');
  let bottom = 0;
  for (const item of Array.from(list.children)) {
    const box = item.getBoundingClientRect();
    const y = box.top - origin.top + list.scrollTop;
    const swatch = item.querySelector('svg.legend-swatch');
    const mark = swatch?.firstElementChild;
    if (swatch && mark) {
      const s = swatch.getBoundingClientRect();
      const copy = mark.cloneNode(true) as SVGElement;
      const computed = getComputedStyle(mark);
      for (const p of ['fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-opacity', 'stroke-dasharray'])
        copy.style.setProperty(p, computed.getPropertyValue(p));
      const placed = document.createElementNS(SVG_NS, 'g');
      // The swatch's 18 × 10 viewBox scaled to its size on screen.
      placed.setAttribute('transform', `translate(${s.left - origin.left},${s.top - origin.top + list.scrollTop}) scale(${s.width / 18},${s.height / 10})`);
      placed.appendChild(copy);
      group.appendChild(placed);
    }
    const label = item.lastElementChild;
    if (label) {
      const l = label.getBoundingClientRect();
      const style = getComputedStyle(label);
      const text = document.createElementNS(SVG_NS, 'text');
      text.setAttribute('x', String(l.left - origin.left));
      text.setAttribute('y', String(l.top - origin.top + list.scrollTop + l.height / 2));
      text.setAttribute('dominant-baseline', 'central');
      for (const p of ['fill', 'font-family', 'font-size', 'font-weight']) text.style.setProperty(p, p === 'fill' ? style.color : style.getPropertyValue(p));
      text.textContent = label.textContent;
      group.appendChild(text);
    }
    bottom = Math.max(bottom, y + box.height);
  }
  return { group, height: Math.ceil(bottom) + 4 };
}

/** A standalone SVG document of `svg` with computed styles inlined. */
function serializeSvg(svg: SVGSVGElement): { text: string; width: number; height: number } {
  const { width } = svg.getBoundingClientRect();
  let { height } = svg.getBoundingClientRect();
  const clone = svg.cloneNode(true) as SVGSVGElement;
  const sources = [svg, ...Array.from(svg.querySelectorAll('*'))];
  const targets = [clone, ...Array.from(clone.querySelectorAll('*'))];
  sources.forEach((source, i) => {
    const computed = getComputedStyle(source);
    // Through the CSSOM: a CSP without 'unsafe-inline' blocks style="" attributes, not this.
    const style = (targets[i] as SVGElement).style;
    for (const p of STYLE_PROPERTIES) style.setProperty(p, computed.getPropertyValue(p));
  });
  // The chart's legend is HTML above it: drawn into the copy, so that an exported chart still names its lines.
  const legend = legendOf(svg);
  if (legend) {
    const body = document.createElementNS(SVG_NS, 'g');
    body.setAttribute('transform', `translate(0,${legend.height})`);
    body.append(...Array.from(clone.childNodes));
    clone.append(legend.group, body);
    height += legend.height;
  }
  clone.setAttribute('xmlns', SVG_NS);
  clone.setAttribute('width', String(Math.ceil(width)));
  clone.setAttribute('height', String(Math.ceil(height)));
  // The chart's own CSS height (in em) would clip the legend's extra rows.
  clone.style.setProperty('width', `${Math.ceil(width)}px`);
  clone.style.setProperty('height', `${Math.ceil(height)}px`);
  clone.removeAttribute('id');
  const background = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  background.setAttribute('width', '100%');
  background.setAttribute('height', '100%');
  background.setAttribute('fill', getComputedStyle(document.body).backgroundColor || '#ffffff');
  clone.insertBefore(background, clone.firstChild);
  return { text: new XMLSerializer().serializeToString(clone), width, height };
}

/** Renders the SVG onto a canvas at twice its size; returns base64 PNG (without the data: prefix). */
async function svgToPngBase64(text: string, width: number, height: number): Promise<string> {
  const image = new Image();
  const loaded = new Promise<void>((resolve, reject) => {
    image.onload = () => resolve();
    image.onerror = () => reject(new Error('the chart could not be rendered as an image'));
  });
  image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(text)}`;
  await loaded;
  const scale = 2;
  const canvas = document.createElement('canvas');
  canvas.width = Math.ceil(width * scale);
  canvas.height = Math.ceil(height * scale);
  const context = canvas.getContext('2d')!;
  context.scale(scale, scale);
  context.drawImage(image, 0, 0, width, height);
  return canvas.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
}

export async function exportSvg(svg: SVGSVGElement, fileName: string, format: 'svg' | 'png', host: Host): Promise<void> {
  try {
    const { text, width, height } = serializeSvg(svg);
    host.saveFile(fileName, format, format === 'svg' ? text : await svgToPngBase64(text, width, height));
  } catch (e) {
    host.post({ type: 'log', level: 'error', message: `export of ${fileName} failed: ${(e as Error).message}` });
  }
}
