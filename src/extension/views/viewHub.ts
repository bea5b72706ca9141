// Connects debug sessions to the webviews: keeps each `neural` session's
// trainer events (bounded, for catch-up), forwards new ones to every open
// view, and carries out what the views ask (controls, selection
// sync between the training view and the inspector, export, logs).

import * as vscode from 'vscode';
import { CUSTOM_REQUESTS, DEBUG_TYPE, TRAINER_EVENT, TRAINING_THREAD_ID, type TrainerEventBody } from '../../shared/debugEvents';
import type { TrainerEvent } from '../../shared/protocol';
import {
  invalidWebviewMessage,
  type ControlAction,
  type HostToWebviewMessage,
  type SessionInfo,
  type WebviewKind,
  type WebviewToHostMessage,
} from '../../shared/webviewProtocol';
import { CONTROL_COMMANDS, CONTROL_REQUESTS } from './controls';
import { SessionEventStore } from './sessionEventStore';

const MAX_ENDED_IDS = 100;

interface TrackedSession {
  session: vscode.DebugSession;
  store: SessionEventStore;
  live: boolean;
  /** The hub was listening when the session started, so its store has every event of the run. */
  sawStart: boolean;
}

/** A recorded run the views replay (Open run trace): its events, as a session that has ended. */
export interface Replay {
  /** The trace file: the replay's session id is `replay:<file>`. */
  file: string;
  /** Shown as the session's name. */
  name: string;
  events: TrainerEvent[];
  note?: string;
}

interface Connection {
  webview: vscode.Webview;
  kind: WebviewKind;
  ready: boolean;
}

export class ViewHub implements vscode.Disposable {
  private readonly sessions = new Map<string, TrackedSession>();
  /** Sessions that have ended (the latest MAX_ENDED_IDS), so that a late event cannot bring one back. */
  private readonly ended = new Set<string>();
  /** The session the views show: the latest started (null while they show a replay). */
  private currentId: string | null = null;
  /** The recorded run the views show instead of a session, until a session starts or is chosen. */
  private replay: Replay | null = null;
  private readonly connections = new Set<Connection>();
  /** A layer to select once the training view that "reveal" opened is ready. */
  private pendingReveal: string | null = null;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly onSessionStarted: (session: vscode.DebugSession) => void,
    private readonly revealInTrainingView: (layer: string) => void,
  ) {
    this.disposables.push(
      vscode.debug.onDidStartDebugSession((session) => this.started(session)),
      vscode.debug.onDidTerminateDebugSession((session) => this.terminated(session)),
      vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
        if (e.session.type !== DEBUG_TYPE || e.event !== TRAINER_EVENT) return;
        const events = (e.body as TrainerEventBody | undefined)?.events;
        this.received(e.session, Array.isArray(events) ? events : [undefined]);
      }),
    );
  }

  /** Wires a webview to the hub until the returned disposable is disposed. */
  attach(webview: vscode.Webview, kind: WebviewKind): vscode.Disposable {
    const connection: Connection = { webview, kind, ready: false };
    this.connections.add(connection);
    const listener = webview.onDidReceiveMessage((message: unknown) => void this.handle(connection, message));
    return new vscode.Disposable(() => {
      listener.dispose();
      this.connections.delete(connection);
    });
  }

  /** Sends a message to every ready view of `kind` (all kinds when omitted), except `except`. */
  broadcast(message: HostToWebviewMessage, kind?: WebviewKind, except?: Connection): void {
    for (const c of this.connections) {
      if (c.ready && c !== except && (kind === undefined || c.kind === kind)) void c.webview.postMessage(message);
    }
  }

  private started(session: vscode.DebugSession): void {
    if (session.type !== DEBUG_TYPE) return;
    // Events that came before this notice (see `received`) are kept.
    const tracked = this.sessions.get(session.id) ?? { session, store: new SessionEventStore(), live: true, sawStart: true };
    tracked.sawStart = true;
    this.sessions.set(session.id, tracked);
    // Ended sessions stay for catch-up until a newer one replaces them.
    for (const [id, other] of this.sessions) if (!other.live && id !== session.id) this.sessions.delete(id);
    // Already current when its events came first: the views were reset then and have had every event since.
    if (this.currentId !== session.id) this.makeCurrent(tracked);
    this.onSessionStarted(session);
  }

  /**
   * The open views switch to `tracked`'s run now. The hub sees all of its
   * events from here on, so there is nothing to ask the adapter for; waiting
   * for that round trip (seconds on a loaded machine) would leave them on the
   * old run, dropping the new one's live events, until the answer came.
   */
  private makeCurrent(tracked: TrackedSession): void {
    this.currentId = tracked.session.id;
    this.replay = null;
    for (const c of this.connections) if (c.ready) void c.webview.postMessage(this.resetMessage(tracked));
  }

  /**
   * Shows a recorded run in the views: each gets it as a session that has
   * ended (no controls; the timeline scrubs it). A session that starts later
   * replaces it, as it replaces an earlier session.
   */
  showReplay(replay: Replay): void {
    this.replay = replay;
    this.currentId = null;
    for (const c of this.connections) if (c.ready) void c.webview.postMessage(this.replayMessage(replay));
  }

  /** Switches the views back to the live session writing `trace`, if there is one; returns whether it did. */
  showSessionOfTrace(trace: string): boolean {
    // An ended session's store may be thinned or cut: its trace is replayed from the file instead.
    const tracked = [...this.sessions.values()].find((t) => t.live && t.session.configuration.trace === trace);
    if (!tracked) return false;
    if (this.currentId !== tracked.session.id) this.makeCurrent(tracked);
    return true;
  }

  private replayMessage(replay: Replay): HostToWebviewMessage {
    return { type: 'reset', session: { id: `replay:${replay.file}`, name: replay.name, live: false }, events: replay.events, note: replay.note };
  }

  private terminated(session: vscode.DebugSession): void {
    const tracked = this.sessions.get(session.id);
    if (!tracked) return;
    this.ended.add(session.id);
    if (this.ended.size > MAX_ENDED_IDS) this.ended.delete(this.ended.values().next().value as string);
    tracked.live = false;
    if (session.id === this.currentId) this.broadcast({ type: 'session', session: this.info(tracked) });
  }

  /**
   * One `neuralDebugger.trainer` DAP event: its events go into the session's
   * store, and those kept go to the views as one message now. The adapter's
   * LiveStream (src/debug/liveStream.ts) is the one batching and thinning
   * step on the live path, so the hub adds no timer of its own.
   */
  private received(session: vscode.DebugSession, events: readonly (TrainerEvent | undefined)[]): void {
    const forward: TrainerEvent[] = [];
    for (const event of events) {
      if (!event || typeof event !== 'object' || typeof event.type !== 'string') {
        this.log.warn(`ignored a malformed ${TRAINER_EVENT} event from session ${session.name}`);
        continue;
      }
      let tracked = this.sessions.get(session.id);
      if (!tracked) {
        // A late event of a run that has ended and been replaced: the views stay on the newer one.
        if (this.ended.has(session.id)) return;
        // A run whose start notice has not come yet (or came before the views were registered).
        tracked = { session, store: new SessionEventStore(), live: true, sawStart: false };
        this.sessions.set(session.id, tracked);
        this.makeCurrent(tracked);
      }
      if (tracked.store.add(event) && session.id === this.currentId) forward.push(event);
    }
    if (forward.length > 0) this.broadcast({ type: 'events', sessionId: session.id, events: forward });
  }

  private info(tracked: TrackedSession): SessionInfo {
    return { id: tracked.session.id, name: tracked.session.name, live: tracked.live };
  }

  private resetMessage(tracked: TrackedSession): HostToWebviewMessage {
    return { type: 'reset', session: this.info(tracked), events: tracked.store.all() };
  }

  /** Brings a view that has just loaded up to the current run. */
  private async sendReset(connection: Connection): Promise<void> {
    const tracked = this.currentId ? this.sessions.get(this.currentId) : undefined;
    if (!tracked && this.replay) {
      connection.ready = true;
      await connection.webview.postMessage(this.replayMessage(this.replay));
      return;
    }
    if (!tracked) {
      connection.ready = true;
      await connection.webview.postMessage({
        type: 'reset',
        session: null,
        events: [],
        note: 'No training run yet: run “Neural Debugger: Train model” on a model file.',
      } satisfies HostToWebviewMessage);
      return;
    }
    if (tracked.live && !tracked.sawStart && !tracked.store.hasHeader) {
      // This host may have missed the run's start: ask the adapter for everything so far.
      try {
        const body = (await tracked.session.customRequest(CUSTOM_REQUESTS.history)) as { events?: TrainerEvent[] } | undefined;
        if (Array.isArray(body?.events)) tracked.store.replaceAll(body.events);
      } catch (e) {
        this.log.warn(`${CUSTOM_REQUESTS.history} failed: ${(e as Error).message}`);
      }
    }
    // Events that arrived meanwhile went to the other views and are in the
    // store, so in this reset; from here on this view gets them too.
    connection.ready = true;
    await connection.webview.postMessage(this.resetMessage(tracked));
    if (connection.kind === 'training' && this.pendingReveal !== null) {
      await connection.webview.postMessage({ type: 'selectLayer', layer: this.pendingReveal } satisfies HostToWebviewMessage);
      this.pendingReveal = null;
    }
  }

  private async handle(connection: Connection, raw: unknown): Promise<void> {
    const why = invalidWebviewMessage(raw);
    if (why !== null) {
      this.log.warn(`ignored a message from the ${connection.kind} view: ${why}`);
      return;
    }
    const message = raw as WebviewToHostMessage;
    switch (message.type) {
      case 'ready':
        connection.kind = message.view;
        await this.sendReset(connection);
        return;
      case 'control':
        await this.control(message.action);
        return;
      case 'selectLayer':
        this.broadcast({ type: 'selectLayer', layer: message.layer }, undefined, connection);
        return;
      case 'selectStep':
        this.broadcast({ type: 'selectStep', step: message.step }, undefined, connection);
        return;
      case 'revealLayer':
        if (![...this.connections].some((c) => c.ready && c.kind === 'training')) this.pendingReveal = message.layer;
        this.revealInTrainingView(message.layer);
        this.broadcast({ type: 'selectLayer', layer: message.layer }, 'training');
        return;
      case 'saveFile':
        await this.save(message.fileName, message.format, message.data);
        return;
      case 'log':
        this.log[message.level === 'error' ? 'error' : message.level === 'warning' ? 'warn' : 'info'](`[${connection.kind} view] ${message.message}`);
        return;
    }
  }

  private async control(action: ControlAction): Promise<void> {
    const tracked = this.currentId ? this.sessions.get(this.currentId) : undefined;
    if (!tracked?.live) return;
    const session = tracked.session;
    try {
      if (vscode.debug.activeDebugSession?.id === session.id) {
        await vscode.commands.executeCommand(CONTROL_COMMANDS[action]);
      } else if (action === 'stop') {
        await vscode.debug.stopDebugging(session);
      } else {
        await session.customRequest(CONTROL_REQUESTS[action], { threadId: TRAINING_THREAD_ID });
      }
    } catch (e) {
      this.log.error(`${action} failed: ${(e as Error).message}`);
      void vscode.window.showErrorMessage(`Neural Debugger: ${action} failed: ${(e as Error).message}`);
    }
  }

  private async save(fileName: string, format: 'svg' | 'png', data: string): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      defaultUri: folder ? vscode.Uri.joinPath(folder, fileName) : undefined,
      filters: format === 'svg' ? { 'SVG image': ['svg'] } : { 'PNG image': ['png'] },
    });
    if (!target) return;
    const bytes = format === 'svg' ? Buffer.from(data, 'utf8') : Buffer.from(data, 'base64');
    await vscode.workspace.fs.writeFile(target, bytes);
    this.log.info(`exported ${target.fsPath}`);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.connections.clear();
  }
}
