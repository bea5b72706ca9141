// A run that fails before it starts (a data folder missing, a spec the
// trainer refuses, an endpoint that does not answer) is shown as what it is:
// the error, in a notification whose first action opens the file at the
// field the error names. The adapter answers such a launch with showUser
// false (src/debug/session.ts), so VS Code's generic launch-failure dialog,
// whose first button is "Open 'launch.json'", does not appear.

import * as path from 'node:path';
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import type { DebugProtocol } from '@vscode/debugprotocol';
import * as vscode from 'vscode';
import { DEBUG_TYPE } from '../shared/debugEvents';
import { parseFieldPath } from './problems';

export function registerLaunchFailures(): vscode.Disposable {
  return vscode.debug.registerDebugAdapterTrackerFactory(DEBUG_TYPE, {
    createDebugAdapterTracker: () => ({
      onDidSendMessage: (message: DebugProtocol.ProtocolMessage) => {
        if (message.type !== 'response') return;
        const response = message as DebugProtocol.Response;
        if (response.success || (response.command !== 'launch' && response.command !== 'attach')) return;
        const error = (response as DebugProtocol.ErrorResponse).body?.error;
        // showUser true: VS Code shows it itself (an internal error, with its stack in the Debug Console).
        if (!error || error.showUser !== false) return;
        void showLaunchFailure(error.variables?.message ?? response.message ?? error.format, error.variables ?? {});
      },
    }),
  });
}

async function showLaunchFailure(message: string, where: Record<string, string>): Promise<void> {
  const file = where.file;
  const field = where.field ? `${where.field}: ` : '';
  const title = file ? `Neural Debugger: cannot train ${path.basename(file)}: ${field}${message}` : `Neural Debugger: ${message}`;
  const open = file ? `Open ${path.basename(file)}` : undefined;
  const picked = await vscode.window.showErrorMessage(title, ...(open ? [open] : []));
  if (!picked || !file) return;
  const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const position = errorPosition(document, where);
  await vscode.window.showTextDocument(document, { selection: new vscode.Range(position, position), preview: false });
}

/** The error's line when it has one, else its field's value in a JSON spec, else the top. */
function errorPosition(document: vscode.TextDocument, where: Record<string, string>): vscode.Position {
  const line = Number(where.line);
  if (Number.isInteger(line) && line >= 1) return new vscode.Position(line - 1, 0);
  const root = where.field && document.fileName.toLowerCase().endsWith('.json') ? parseTree(document.getText()) : undefined;
  const node = root && where.field ? findNodeAtLocation(root, parseFieldPath(where.field)) : undefined;
  return node ? document.positionAt(node.offset) : new vscode.Position(0, 0);
}
