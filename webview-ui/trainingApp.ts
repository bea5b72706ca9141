// The training view: header + timeline, then graph, gradient norms, loss,
// activations and warnings, each a view module rendering from the one store.

import type { App } from './app';

const HEAVY_INTERVAL_MS = 200;
import type { Change } from './store/store';
import { ActivationsView } from './views/activationsView';
import { GradientView } from './views/gradientView';
import { GraphView } from './views/graphView';
import { createHealthLegend } from './views/legend';
import { LossView } from './views/lossView';
import { addExportButtons, createPanel } from './views/panel';
import { StatusView } from './views/statusBar';
import { TimelineView } from './views/timelineView';
import { WarningsView } from './views/warningsView';

export function startTrainingView(app: App, root: HTMLElement): void {
  const { store, host } = app;
  root.classList.add('training-app');
  const top = document.createElement('header');
  top.className = 'top';
  root.appendChild(top);
  const status = new StatusView(top, store);
  const timeline = new TimelineView(
    top,
    store,
    host.canControl,
    (action) => host.post({ type: 'control', action }),
    (step) => app.pinStep(step),
  );

  const grid = document.createElement('main');
  grid.className = 'grid';
  root.appendChild(grid);
  const select = (layer: string) => app.selectLayer(store.selectedLayer === layer ? null : layer);

  const graphPanel = createPanel(grid, 'network', 'Network');
  createHealthLegend(graphPanel.body);
  const graph = new GraphView(graphPanel.body, store, select);
  const fit = document.createElement('button');
  fit.type = 'button';
  fit.className = 'export-button';
  fit.textContent = 'Fit';
  fit.title = 'Fit the graph to the panel';
  fit.addEventListener('click', () => graph.fit());
  graphPanel.root.querySelector('.panel-header')!.appendChild(fit);
  addExportButtons(graphPanel, host, 'network-graph', () => graph.svg.node());

  const gradientPanel = createPanel(grid, 'gradients', 'Gradient norms');
  const gradients = new GradientView(gradientPanel.body, store, select);
  addExportButtons(gradientPanel, host, 'gradient-norms', () => gradients.chart.svg.node());

  const lossPanel = createPanel(grid, 'losses', 'Loss and metrics');
  const loss = new LossView(lossPanel.body, store);
  addExportButtons(lossPanel, host, 'loss', () => loss.loss.svg.node());

  const activationsPanel = createPanel(grid, 'activation', 'Activations');
  const activations = new ActivationsView(activationsPanel.body, store);
  addExportButtons(activationsPanel, host, 'activations', () => activations.overTime.svg.node());

  const warningsPanel = createPanel(grid, 'diagnostics', 'Warnings');
  const warnings = new WarningsView(warningsPanel.body, store, (d) => {
    if (d.layers[0]) app.selectLayer(d.layers[0]);
    app.pinStep(d.step);
    if (d.layers[0]) graph.reveal(d.layers[0]);
  });

  // Light views render every frame. The heavy ones (many SVG elements) take
  // turns during live streaming: at most one per frame, each at most every
  // HEAVY_INTERVAL_MS, so a 100 steps/s stream never costs a long frame. A
  // user's action renders everything at once.
  const heavy: { update: (changes: ReadonlySet<Change>) => void; pending: Set<Change>; last: number }[] = [graph, gradients, loss, activations].map((view) => ({
    update: (c: ReadonlySet<Change>) => view.update(c),
    pending: new Set<Change>(),
    last: 0,
  }));
  const render = (changes: ReadonlySet<Change>, interactive: boolean): boolean => {
    if (changes.has('status') || changes.has('run')) status.update();
    timeline.update(changes);
    warnings.update(changes);
    gradientPanel.subtitle.textContent = store.selectedLayer ? `selected: ${store.selectedLayer}` : '';
    root.dataset.step = String(store.currentStep ?? '');
    const now = performance.now();
    for (const view of heavy) for (const c of changes) view.pending.add(c);
    const waiting = heavy.filter((v) => v.pending.size > 0);
    const due = interactive
      ? waiting
      : waiting
          .filter((v) => now - v.last >= HEAVY_INTERVAL_MS)
          .sort((a, b) => a.last - b.last)
          .slice(0, 1);
    for (const view of due) {
      const pending = new Set(view.pending);
      view.pending.clear();
      view.last = now;
      view.update(pending);
    }
    return heavy.some((v) => v.pending.size > 0);
  };
  app.start({
    render,
    onRevealLayer: (layer) => {
      if (layer) graph.reveal(layer);
    },
  });
}
