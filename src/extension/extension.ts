// Entry point of the VS Code extension (dist/extension.js). The trainer child
// process belongs to the debug session (src/debug), which the extension host
// runs inline; this file wires commands, the `neural` debug type, the
// Problems panel, the status bar and the training views together.

import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { registerDebugging } from './debugSetup';
import { registerLaunchFailures } from './launchFailures';
import { registerRevealOnStop } from './revealOnStop';
import { DEBUG_TYPE } from '../shared/debugEvents';
import { SessionMonitor } from './sessionMonitor';
import { SpecDiagnostics } from './specDiagnostics';
import { registerTrainingViews } from './views';

let monitor: SessionMonitor | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const specDiagnostics = new SpecDiagnostics();
  monitor = new SessionMonitor();
  context.subscriptions.push(
    specDiagnostics,
    monitor,
    registerDebugging(context, specDiagnostics, monitor),
    registerLaunchFailures(),
    registerRevealOnStop(),
    registerCommands(context, monitor),
    registerTrainingViews(context),
  );
}

/**
 * Ends every training session, so no trainer process outlives the extension
 * host. (Should the host die before this runs, the trainer still exits: it
 * quits when its protocol pipe to the adapter closes.)
 */
export async function deactivate(): Promise<void> {
  const sessions = monitor?.runningSessions() ?? [];
  const active = vscode.debug.activeDebugSession;
  if (active?.type === DEBUG_TYPE && !sessions.includes(active)) sessions.push(active);
  await Promise.allSettled(sessions.map((s) => vscode.debug.stopDebugging(s)));
  monitor = undefined;
}
