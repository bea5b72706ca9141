// The gradient inspection panel in the Run and Debug side bar.

import type { App } from './app';
import { InspectorView } from './views/inspectorView';
import { StatusView } from './views/statusBar';

export function startInspectorView(app: App, root: HTMLElement): void {
  const { store, host } = app;
  root.classList.add('inspector-app');
  const status = new StatusView(root, store);
  const inspector = new InspectorView(
    root,
    store,
    (layer) => app.selectLayer(layer),
    (layer) => host.post({ type: 'revealLayer', layer }),
  );
  app.start({
    render: (changes) => {
      if (changes.has('status') || changes.has('run')) status.update();
      inspector.update(changes);
      return false;
    },
  });
}
