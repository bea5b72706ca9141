// The gradient inspection panel: a webview view in the Run and Debug side bar
// (`neuralDebugger.gradientInspector`).

import * as vscode from 'vscode';
import type { ViewHub } from './viewHub';
import { setWebviewContent } from './webviewContent';

export const INSPECTOR_VIEW_ID = 'neuralDebugger.gradientInspector';

export class InspectorViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private connection: vscode.Disposable | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly hub: () => ViewHub,
  ) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.connection?.dispose();
    setWebviewContent(view.webview, this.extensionUri, 'inspector');
    const connection = this.hub().attach(view.webview, 'inspector');
    this.connection = connection;
    view.onDidDispose(() => {
      connection.dispose();
      if (this.connection === connection) this.connection = undefined;
    });
  }

  dispose(): void {
    this.connection?.dispose();
  }
}
