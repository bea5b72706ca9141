// Entry of the webview bundle (dist/webview.js). `<body data-view="training">`
// or `data-view="inspector"` says which view to build; the VS Code host is
// used when `acquireVsCodeApi` exists, otherwise the standalone report's
// static host that replays the embedded trace.

import { App } from './app';
import { reportHost, vscodeHost, type Host } from './host';
import { startInspectorView } from './inspectorApp';
import { startTrainingView } from './trainingApp';

function main(): void {
  const host: Host = typeof (globalThis as { acquireVsCodeApi?: unknown }).acquireVsCodeApi === 'function' ? vscodeHost() : reportHost();
  const kind = document.body.dataset.view === 'inspector' ? 'inspector' : 'training';
  const root = document.getElementById('app') ?? document.body.appendChild(document.createElement('div'));
  root.id = 'app';
  const app = new App(host, kind);
  if (kind === 'inspector') startInspectorView(app, root);
  else startTrainingView(app, root);
}

main();
