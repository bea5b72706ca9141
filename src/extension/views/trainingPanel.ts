// The training view: one webview panel (`neuralDebugger.trainingView`),
// restored after a window reload by its serializer. The webview keeps its
// selection with `vscode.setState`; the data comes from the hub's store.

import * as vscode from 'vscode';
import type { ViewHub } from './viewHub';
import { setWebviewContent } from './webviewContent';

export const TRAINING_VIEW_TYPE = 'neuralDebugger.trainingView';

export class TrainingPanel implements vscode.WebviewPanelSerializer, vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private connection: vscode.Disposable | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly hub: () => ViewHub,
  ) {}

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  show(preserveFocus = false): void {
    if (this.panel) {
      this.panel.reveal(undefined, preserveFocus);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      TRAINING_VIEW_TYPE,
      'Training',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus },
      { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist')] },
    );
    this.adopt(panel);
  }

  /** After a reload VS Code recreates the panel; the webview restores its own state. */
  async deserializeWebviewPanel(panel: vscode.WebviewPanel, _state: unknown): Promise<void> {
    this.adopt(panel);
  }

  private adopt(panel: vscode.WebviewPanel): void {
    this.connection?.dispose();
    this.panel?.dispose();
    this.panel = panel;
    panel.iconPath = new vscode.ThemeIcon('graph-line');
    setWebviewContent(panel.webview, this.extensionUri, 'training');
    this.connection = this.hub().attach(panel.webview, 'training');
    panel.onDidDispose(() => {
      this.connection?.dispose();
      this.connection = undefined;
      if (this.panel === panel) this.panel = undefined;
    });
  }

  dispose(): void {
    this.connection?.dispose();
    this.panel?.dispose();
  }
}
