// Colour legend of the gradient health states (text labels too, so the
// colours are never the only cue).

import { HEALTH_LABEL, HEALTH_ORDER } from '../store/health';

export function createHealthLegend(parent: HTMLElement): HTMLElement {
  const legend = document.createElement('ul');
  legend.className = 'legend';
  legend.setAttribute('aria-label', 'Gradient health colours');
  for (const health of HEALTH_ORDER) {
    const item = document.createElement('li');
    item.className = `legend-item health-${health}`;
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.setAttribute('aria-hidden', 'true');
    item.append(swatch, document.createTextNode(HEALTH_LABEL[health]));
    legend.appendChild(item);
  }
  parent.appendChild(legend);
  return legend;
}
