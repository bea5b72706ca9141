// A titled section of the view with export buttons for its charts.

import type { Host } from '../host';
import { exportSvg } from '../export';

export interface Panel {
  root: HTMLElement;
  body: HTMLElement;
  /** Small text to the right of the title (e.g. the selected layer). */
  subtitle: HTMLElement;
}

export function createPanel(parent: HTMLElement, id: string, title: string): Panel {
  const root = document.createElement('section');
  root.className = 'panel';
  root.id = `${id}-panel`;
  root.setAttribute('aria-labelledby', `${id}-title`);
  const header = document.createElement('header');
  header.className = 'panel-header';
  const h = document.createElement('h2');
  h.id = `${id}-title`;
  h.textContent = title;
  const subtitle = document.createElement('span');
  subtitle.className = 'panel-subtitle';
  const body = document.createElement('div');
  body.className = 'panel-body';
  body.id = `${id}-body`;
  // Collapsible, so that in a narrow view the charts are a click away from the top.
  const toggle = document.createElement('button');
  toggle.type = 'button';
  toggle.className = 'panel-toggle';
  toggle.setAttribute('aria-expanded', 'true');
  toggle.setAttribute('aria-controls', body.id);
  toggle.setAttribute('aria-label', `Collapse ${title}`);
  toggle.title = `Collapse or expand ${title}`;
  toggle.addEventListener('click', () => {
    const collapsed = root.classList.toggle('collapsed');
    toggle.setAttribute('aria-expanded', String(!collapsed));
    toggle.setAttribute('aria-label', `${collapsed ? 'Expand' : 'Collapse'} ${title}`);
  });
  header.append(toggle, h, subtitle);
  root.append(header, body);
  parent.appendChild(root);
  return { root, body, subtitle };
}

/** Adds "SVG" and "PNG" buttons to the panel header that export `svg()`. */
export function addExportButtons(panel: Panel, host: Host, baseName: string, svg: () => SVGSVGElement | null): void {
  const header = panel.root.querySelector('.panel-header')!;
  const group = document.createElement('span');
  group.className = 'export-buttons';
  for (const format of ['svg', 'png'] as const) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'export-button';
    button.textContent = format.toUpperCase();
    button.title = `Export this chart as ${format.toUpperCase()}`;
    button.setAttribute('aria-label', `Export ${baseName} as ${format.toUpperCase()}`);
    button.dataset.format = format;
    button.addEventListener('click', () => {
      const element = svg();
      if (element) void exportSvg(element, `${baseName}.${format}`, format, host);
    });
    group.appendChild(button);
  }
  header.appendChild(group);
}
