// Every stop of a training session shows its line from column 1. VS Code
// opens the top frame's file and reveals the frame's line vertically, but an
// editor already scrolled to the right (the examples' long "description"
// line, a cursor left at a line's end) stays scrolled there, and the
// highlighted line looks blank; the exception widget that opens with a
// diagnostic stop lays out after that reveal. So after each stop, once VS
// Code has asked for the stack, the extension reveals the top frame's line
// at column 1 itself, centred when it is out of view.

import type { DebugProtocol } from '@vscode/debugprotocol';
import * as vscode from 'vscode';
import { DEBUG_TYPE } from '../shared/debugEvents';

/** Time for the workbench to open the frame's editor and lay out the exception widget before the reveal. */
const REVEAL_AFTER_MS = 150;

export function registerRevealOnStop(): vscode.Disposable {
  return vscode.debug.registerDebugAdapterTrackerFactory(DEBUG_TYPE, {
    createDebugAdapterTracker: () => {
      let stopped = false;
      return {
        onDidSendMessage: (message: DebugProtocol.ProtocolMessage) => {
          if (message.type === 'event' && (message as DebugProtocol.Event).event === 'stopped') stopped = true;
          if (!stopped || message.type !== 'response' || (message as DebugProtocol.Response).command !== 'stackTrace') return;
          const top = (message as DebugProtocol.StackTraceResponse).body?.stackFrames?.[0];
          if (!top?.source?.path || !(top.line >= 1)) return;
          stopped = false;
          const file = vscode.Uri.file(top.source.path);
          setTimeout(() => revealLineStart(file, top.line - 1), REVEAL_AFTER_MS);
        },
      };
    },
  });
}

/** In every visible editor of `file`: line `line` (0-based) from column 1, centred when it is outside the viewport. */
function revealLineStart(file: vscode.Uri, line: number): void {
  for (const editor of vscode.window.visibleTextEditors) {
    if (editor.document.uri.fsPath !== file.fsPath || line >= editor.document.lineCount) continue;
    const start = new vscode.Range(line, 0, line, 0);
    const inView = editor.visibleRanges.some((r) => r.start.line <= line && line <= r.end.line);
    editor.revealRange(start, inView ? vscode.TextEditorRevealType.Default : vscode.TextEditorRevealType.InCenter);
  }
}
