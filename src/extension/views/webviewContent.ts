// Options and HTML of a webview that runs dist/webview.js (vscode side of
// webviewHtml.ts).

import * as vscode from 'vscode';
import type { WebviewKind } from '../../shared/webviewProtocol';
import { makeNonce, webviewHtml } from './webviewHtml';

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist')] };
}

export function setWebviewContent(webview: vscode.Webview, extensionUri: vscode.Uri, view: WebviewKind): void {
  webview.options = webviewOptions(extensionUri);
  const dist = vscode.Uri.joinPath(extensionUri, 'dist');
  webview.html = webviewHtml({
    cspSource: webview.cspSource,
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.css')).toString(),
    nonce: makeNonce(),
    view,
    title: view === 'training' ? 'Training' : 'Gradients',
  });
}
