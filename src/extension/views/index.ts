// The training view and the gradient inspector, host side: commands, the
// panel serializer, the side-bar view provider, and the hub that feeds them
// from the `neural` debug sessions' custom events.

import * as vscode from 'vscode';
import { isUserError } from '../../shared/errors';
import { InspectorViewProvider, INSPECTOR_VIEW_ID } from './inspectorViewProvider';
import { loadReplay } from './replay';
import { TrainingPanel, TRAINING_VIEW_TYPE } from './trainingPanel';
import { ViewHub } from './viewHub';

const SHOW_TRAINING_VIEW_COMMAND = 'neuralDebugger.showTrainingView';
const SHOW_GRADIENT_INSPECTOR_COMMAND = 'neuralDebugger.showGradientInspector';
/** Internal (not in the palette): shows a trace file in the training view, as a replay (Open run trace runs it). */
export const REPLAY_TRACE_COMMAND = 'neuralDebugger.replayTrace';

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
  /** A run of this window still writing `file` is shown live; any other trace is read and replayed. */
  const replayTrace = async (file: string): Promise<boolean> => {
    if (!hub.showSessionOfTrace(file)) {
      try {
        hub.showReplay(await loadReplay(file));
      } catch (e) {
        void vscode.window.showErrorMessage(`Neural Debugger: cannot open the run trace: ${isUserError(e) ? e.message : (e as Error).message}`);
        return false;
      }
    }
    panel.show(false);
    return true;
  };
  const disposables = vscode.Disposable.from(
    log,
    hub,
    panel,
    inspector,
    vscode.window.registerWebviewPanelSerializer(TRAINING_VIEW_TYPE, panel),
    vscode.window.registerWebviewViewProvider(INSPECTOR_VIEW_ID, inspector),
    vscode.commands.registerCommand(SHOW_TRAINING_VIEW_COMMAND, () => panel.show(false)),
    vscode.commands.registerCommand(SHOW_GRADIENT_INSPECTOR_COMMAND, () => vscode.commands.executeCommand(`${INSPECTOR_VIEW_ID}.focus`)),
    vscode.commands.registerCommand(REPLAY_TRACE_COMMAND, (file: unknown) => (typeof file === 'string' ? replayTrace(file) : false)),
  );
  context.subscriptions.push(disposables);
  return disposables;
}
