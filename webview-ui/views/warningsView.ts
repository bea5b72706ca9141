// Diagnostics as of the current step: active ones first, then closed ones,
// each with kind, layers, step, explanation, evidence and remedies. Clicking
// one (or Enter) selects its first layer and moves the timeline to its step.

import * as d3 from 'd3';
import type { TrainingDiagnostic } from '../../src/shared/stats';
import { formatNumber } from '../format';
import type { Change, Store } from '../store/store';

const SEVERITY_ICON: Record<TrainingDiagnostic['severity'], string> = { error: '⛔', warning: '⚠', info: 'ℹ' };

export class WarningsView {
  readonly root: HTMLElement;

  constructor(
    parent: HTMLElement,
    private readonly store: Store,
    private readonly onPick: (diagnostic: TrainingDiagnostic) => void,
  ) {
    this.root = document.createElement('div');
    this.root.id = 'warnings';
    this.root.setAttribute('role', 'list');
    this.root.setAttribute('aria-label', 'Training diagnostics');
    parent.appendChild(this.root);
  }

  update(changes: ReadonlySet<Change>): void {
    if (!(changes.has('diagnostics') || changes.has('cursor') || changes.has('run'))) return;
    const step = this.store.pinnedStep === null ? null : this.store.currentStep;
    const list = this.store.diagnosticsAt(step).sort((a, b) => Number(a.state === 'closed') - Number(b.state === 'closed') || b.step - a.step);
    const items = d3
      .select(this.root)
      .selectAll<HTMLDivElement, TrainingDiagnostic>('div.warning')
      .data(list, (d) => d.id)
      .join((enter) =>
        enter
          .append('div')
          .attr('role', 'listitem')
          .attr('tabindex', 0)
          .on('click', (_event, d) => this.onPick(d))
          .on('keydown', (event: KeyboardEvent, d) => {
            if (event.key === 'Enter' || event.key === ' ') {
              event.preventDefault();
              this.onPick(d);
            }
          }),
      )
      .attr('class', (d) => `warning severity-${d.severity} state-${d.state}`)
      .attr('data-kind', (d) => d.kind)
      .attr('data-id', (d) => d.id)
      .attr('data-state', (d) => d.state)
      .attr('aria-label', (d) => `${d.severity} ${d.kind}, ${d.state}, step ${d.step}, layers ${d.layers.join(', ') || 'none'}: ${d.explanation}`);
    items.order();
    // Evidence and remedies start open for the first few active warnings only:
    // a run with dozens of dead layers must not become a wall of text.
    const openIds = new Set(
      list
        .filter((d) => d.state !== 'closed')
        .slice(0, 2)
        .map((d) => d.id),
    );
    items.each(function (d) {
      // Rebuilt only when the diagnostic changed, so an opened <details> stays open.
      const version = `${d.step}:${d.state}:${d.count}`;
      if (this.dataset.version === version) return;
      this.dataset.version = version;
      const item = d3.select(this);
      item.selectAll('*').remove();
      const head = item.append('div').attr('class', 'warning-head');
      head.append('span').attr('class', 'warning-icon').attr('aria-hidden', 'true').text(SEVERITY_ICON[d.severity]);
      head.append('span').attr('class', 'warning-kind').text(d.kind);
      head
        .append('span')
        .attr('class', 'warning-state')
        .text(d.state === 'closed' ? 'resolved' : d.state);
      head
        .append('span')
        .attr('class', 'warning-where')
        // d.batch is 0-based, -1 for an end-of-epoch check; users read 1-based batches.
        .text(`step ${d.step} · epoch ${d.epoch}${d.batch >= 0 ? ` · batch ${d.batch + 1}` : ''}${d.count > 1 ? ` · held ${d.count} checks` : ''}`);
      if (d.layers.length)
        item
          .append('div')
          .attr('class', 'warning-layers')
          .text(`layers: ${d.layers.join(', ')}`);
      item.append('p').attr('class', 'warning-explanation').text(d.explanation);
      const details = item.append('details').property('open', openIds.has(d.id));
      details.append('summary').text('evidence and remedies');
      const evidence = details.append('dl').attr('class', 'stat-list');
      for (const [key, value] of Object.entries(d.evidence)) {
        const row = evidence.append('div');
        row.append('dt').text(key);
        row.append('dd').text(typeof value === 'number' ? formatNumber(value) : value);
      }
      const remedies = details.append('ul').attr('class', 'remedies');
      for (const remedy of d.remedies) remedies.append('li').text(remedy);
    });
    d3.select(this.root)
      .selectAll('p.none')
      .data(list.length ? [] : [0])
      .join('p')
      .attr('class', 'none')
      .text('No diagnostics so far.');
  }
}
