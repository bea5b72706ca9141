// The training view and the gradient inspector, host side: commands, the
// panel serializer, the side-bar view provider, and the hub that feeds them
// from the `neural` debug sessions' custom events.

import * as vscode from 'vscode';
import { InspectorViewProvider, INSPECTOR_VIEW_ID } from './inspectorViewProvider';
import { TrainingPanel, TRAINING_VIEW_TYPE } from './trainingPanel';
import { ViewHub } from './viewHub';

const SHOW_TRAINING_VIEW_COMMAND = 'neuralDebugger.showTrainingView';
const SHOW_GRADIENT_INSPECTOR_COMMAND = 'neuralDebugger.showGradientInspector';

export function registerTrainingViews(context: vscode.ExtensionContext): vscode.Disposable {
  const log = vscode.window.createOutputChannel('Neural Debugger Views', { log: true });
  const panel = new TrainingPanel(context.extensionUri, () => hub);
  const inspector = new InspectorViewProvider(context.extensionUri, () => hub);
  const openedFor = new Set<string>();
  const hub: ViewHub = new ViewHub(
    log,
    (session) => {
      // Opened automatically once per session, beside the editor, without taking focus.
      if (openedFor.has(session.id)) return;
      openedFor.add(session.id);
      panel.show(true);
    },
    () => panel.show(false),
  );
  const disposables = vscode.Disposable.from(
    log,
    hub,
    panel,
    inspector,
    vscode.window.registerWebviewPanelSerializer(TRAINING_VIEW_TYPE, panel),
    vscode.window.registerWebviewViewProvider(INSPECTOR_VIEW_ID, inspector),
    vscode.commands.registerCommand(SHOW_TRAINING_VIEW_COMMAND, () => panel.show(false)),
    vscode.commands.registerCommand(SHOW_GRADIENT_INSPECTOR_COMMAND, () => vscode.commands.executeCommand(`${INSPECTOR_VIEW_ID}.focus`)),
  );
  context.subscriptions.push(disposables);
  return disposables;
}
