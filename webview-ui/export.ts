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

/** A standalone SVG document of `svg` with computed styles inlined. */
function serializeSvg(svg: SVGSVGElement): { text: string; width: number; height: number } {
  const { width, height } = svg.getBoundingClientRect();
  const clone = svg.cloneNode(true) as SVGSVGElement;
  const sources = [svg, ...Array.from(svg.querySelectorAll('*'))];
  const targets = [clone, ...Array.from(clone.querySelectorAll('*'))];
  sources.forEach((source, i) => {
    const computed = getComputedStyle(source);
    // Through the CSSOM: a CSP without 'unsafe-inline' blocks style="" attributes, not this.
    const style = (targets[i] as SVGElement).style;
    for (const p of STYLE_PROPERTIES) style.setProperty(p, computed.getPropertyValue(p));
  });
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('width', String(Math.ceil(width)));
  clone.setAttribute('height', String(Math.ceil(height)));
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
