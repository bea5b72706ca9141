// Helpers of the in-host suite: the extension, the example files, waiting
// for debug sessions and their DAP events.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'neural-debugger.neural-debugger';
export const DEBUG_TYPE = 'neural';

export function extension(): vscode.Extension<unknown> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(
    ext,
    `extension ${EXTENSION_ID} is not loaded (extensions: ${vscode.extensions.all
      .map((e) => e.id)
      .filter((id) => !id.startsWith('vscode.'))
      .join(', ')})`,
  );
  return ext;
}

/** The opened folder (the examples folder, or a copy of it). */
export function workspaceFolder(): vscode.WorkspaceFolder {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'no workspace folder is open: start the suite with the examples folder');
  return folder;
}

/** spiral-mlp.nn.json of the opened examples folder. */
export function exampleSpec(name = 'spiral-mlp.nn.json'): string {
  const file = path.join(workspaceFolder().uri.fsPath, name);
  assert.ok(fs.existsSync(file), `${file} is missing`);
  return file;
}

let scratch: string | undefined;
/** Removes the scratch folder (the index calls this after the last test). */
export function removeScratchDir(): void {
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
}

/** A folder outside the workspace for traces and modified specs (removed after the suite). */
export function scratchDir(): string {
  scratch ??= fs.mkdtempSync(path.join(os.tmpdir(), 'nd-vscode-suite-'));
  return scratch;
}

/** A copy of spiral-mlp in the scratch folder, with `edit` applied to its text (asserting it changed something). */
export function specVariant(name: string, edit: (text: string) => string): string {
  const original = fs.readFileSync(exampleSpec(), 'utf8');
  const text = edit(original);
  assert.notEqual(text, original, `the edit for ${name} no longer matches spiral-mlp.nn.json`);
  const file = path.join(scratchDir(), name);
  fs.writeFileSync(file, text);
  return file;
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000} s waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The next neural debug session that starts. */
export function nextSessionStart(): Promise<vscode.DebugSession> {
  return new Promise((resolve) => {
    const sub = vscode.debug.onDidStartDebugSession((s) => {
      if (s.type !== DEBUG_TYPE) return;
      sub.dispose();
      resolve(s);
    });
  });
}

/** Ids of the debug sessions that ended (onDidTerminateDebugSession), since trackSessions(). */
export const endedSessions = new Set<string>();

/** Waits until `session` has ended (onDidTerminateDebugSession fired for it). */
export async function waitForTermination(session: vscode.DebugSession, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!endedSessions.has(session.id)) {
    if (Date.now() > deadline) throw new Error(`debug session ${session.name} did not end within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** DAP messages the adapter sent, per session id (tracked from the moment the suite starts). */
export const sentMessages = new Map<string, { type: string; event?: string; body?: unknown }[]>();
let tracking = false;
/** Starts recording session ends and the DAP messages of every neural session (once). */
export function trackSessions(): void {
  if (tracking) return;
  tracking = true;
  vscode.debug.onDidTerminateDebugSession((s) => endedSessions.add(s.id));
  vscode.debug.registerDebugAdapterTrackerFactory(DEBUG_TYPE, {
    createDebugAdapterTracker(session) {
      const list: { type: string; event?: string; body?: unknown }[] = [];
      sentMessages.set(session.id, list);
      return { onDidSendMessage: (m: { type: string; event?: string; body?: unknown }) => list.push(m) };
    },
  });
}

/** Waits until the adapter of `session` has sent a DAP event `event` (optionally matching `body`). */
export async function waitForEvent<Body>(
  session: vscode.DebugSession,
  event: string,
  timeoutMs: number,
  match: (body: Body) => boolean = () => true,
): Promise<Body> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hit = sentMessages.get(session.id)?.find((m) => m.type === 'event' && m.event === event && match(m.body as Body));
    if (hit) return hit.body as Body;
    if (Date.now() > deadline) {
      const seen = [...new Set((sentMessages.get(session.id) ?? []).map((m) => m.event ?? m.type))].join(', ');
      throw new Error(`no '${event}' event from session ${session.name} within ${timeoutMs / 1000} s (seen: ${seen || 'nothing'})`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Last record of a JSON Lines trace. */
/** The last record of a trace (format 2: an event plus its time; a finished run ends with `finished`). */
export function lastTraceRecord(file: string): { type: string; reason?: string; steps?: number } {
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as { type: string; reason?: string; steps?: number };
}

/** Stops every neural session still running (after a failed test). */
export async function stopAllNeuralSessions(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    const active = vscode.debug.activeDebugSession;
    if (!active || active.type !== DEBUG_TYPE) return;
    await vscode.debug.stopDebugging(active);
    await new Promise((r) => setTimeout(r, 200));
  }
}
