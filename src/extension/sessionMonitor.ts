// Follows the running `neural` debug sessions through their custom trainer
// events: the status bar item, the progress notification while the trainer
// prepares, and training diagnostics in the Problems panel.

import * as vscode from 'vscode';
import { DEBUG_TYPE, TRAINER_EVENT, type TrainerEventBody } from '../shared/debugEvents';
import type { TrainerEvent } from '../shared/protocol';
import type { ModelTopology, TrainingDiagnostic } from '../shared/stats';
import { trainingProblem } from './problems';
import { toVscodeDiagnostic } from './specDiagnostics';
import { applyTrainerEvent, formatStatusText, formatStatusTooltip, initialStatus, throttle, type TrainingStatus } from './trainingStatus';

const STATUS_UPDATES_PER_SECOND = 5;

const STATE_ICONS: Record<TrainingStatus['state'], string> = {
  preparing: '$(pulse)',
  running: '$(pulse)',
  paused: '$(debug-pause)',
  finished: '$(check)',
  failed: '$(error)',
};

interface TrackedSession {
  session: vscode.DebugSession;
  status: TrainingStatus;
  modelUri: vscode.Uri | undefined;
  topology: ModelTopology | null;
  diagnostics: Map<string, TrainingDiagnostic>;
  /** Resolves the preparation progress notification. */
  endProgress?: () => void;
  reportProgress?: (message: string) => void;
}

export class SessionMonitor implements vscode.Disposable {
  private readonly sessions = new Map<string, TrackedSession>();
  /** Ids of sessions that ended: a late event must not bring one back. */
  private readonly ended = new Set<string>();
  /** The last session that ended in failure: the status bar keeps saying why until the next run starts. */
  private lastFailed: TrackedSession | undefined;
  private readonly statusItem = vscode.window.createStatusBarItem('neuralDebugger.status', vscode.StatusBarAlignment.Left, 50);
  private readonly trainingProblems = vscode.languages.createDiagnosticCollection('neural-debugger-training');
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly renderStatus = throttle(() => this.updateStatusItem(), 1000 / STATUS_UPDATES_PER_SECOND);

  constructor() {
    this.statusItem.name = 'Neural Debugger training';
    this.statusItem.command = 'neuralDebugger.showTrainingView';
    this.subscriptions.push(
      vscode.debug.onDidStartDebugSession((s) => this.onStart(s)),
      vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
        if (e.session.type === DEBUG_TYPE && e.event === TRAINER_EVENT) {
          for (const event of (e.body as TrainerEventBody | undefined)?.events ?? []) this.onTrainerEvent(e.session, event);
        }
      }),
      vscode.debug.onDidTerminateDebugSession((s) => this.onEnd(s)),
      vscode.debug.onDidChangeActiveDebugSession(() => this.renderStatus()),
    );
  }

  /** The running `neural` sessions, the active one first. */
  runningSessions(): vscode.DebugSession[] {
    const active = vscode.debug.activeDebugSession;
    const all = [...this.sessions.values()].map((t) => t.session);
    return active && this.sessions.has(active.id) ? [active, ...all.filter((s) => s.id !== active.id)] : all.reverse();
  }

  private onStart(session: vscode.DebugSession): void {
    if (session.type !== DEBUG_TYPE) return;
    this.lastFailed = undefined;
    this.track(session);
    this.renderStatus.flush();
  }

  /**
   * The tracked state of a session, created on its first sign of life: the
   * adapter forwards trainer events (progress, header) while the launch
   * request is still running, before onDidStartDebugSession fires.
   */
  private track(session: vscode.DebugSession): TrackedSession {
    const existing = this.sessions.get(session.id);
    if (existing) return existing;
    const program = session.configuration.program;
    const modelUri = typeof program === 'string' ? vscode.Uri.file(program) : undefined;
    // A new run of a model replaces the previous run's training problems.
    if (modelUri) this.trainingProblems.delete(modelUri);
    const tracked: TrackedSession = { session, status: initialStatus(), modelUri, topology: null, diagnostics: new Map() };
    this.sessions.set(session.id, tracked);
    // Shows the Gradients view in Run and Debug from the first run on (package.json `when`).
    void vscode.commands.executeCommand('setContext', 'neuralDebugger.hasRun', true);
    this.startProgress(tracked);
    return tracked;
  }

  private startProgress(tracked: TrackedSession): void {
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Neural Debugger: preparing ${tracked.session.name}`, cancellable: true },
      (progress, token) =>
        new Promise<void>((resolve) => {
          tracked.endProgress = () => {
            tracked.endProgress = undefined;
            tracked.reportProgress = undefined;
            resolve();
          };
          tracked.reportProgress = (message) => progress.report({ message });
          token.onCancellationRequested(() => {
            tracked.endProgress?.();
            void vscode.debug.stopDebugging(tracked.session);
          });
        }),
    );
  }

  private onTrainerEvent(session: vscode.DebugSession, event: TrainerEvent): void {
    if (!event || this.ended.has(session.id)) return;
    const tracked = this.track(session);
    tracked.status = applyTrainerEvent(tracked.status, event);
    switch (event.type) {
      case 'progress':
        tracked.reportProgress?.(event.message);
        break;
      case 'header':
        tracked.topology = event.topology;
        if (event.settings.modelFile) tracked.modelUri = vscode.Uri.file(event.settings.modelFile);
        tracked.endProgress?.();
        break;
      case 'diagnostic':
        tracked.diagnostics.set(event.diagnostic.id, event.diagnostic);
        this.renderTrainingProblems(tracked);
        break;
      case 'stopped':
        if (event.diagnostic) {
          tracked.diagnostics.set(event.diagnostic.id, event.diagnostic);
          this.renderTrainingProblems(tracked);
        }
        break;
      case 'error':
      case 'finished':
        tracked.endProgress?.();
        break;
    }
    // Pauses and the end show at once; steps at most a few times a second.
    if (event.type === 'step' || event.type === 'progress') this.renderStatus();
    else this.renderStatus.flush();
  }

  private renderTrainingProblems(tracked: TrackedSession): void {
    const uri = tracked.modelUri;
    if (!uri) return;
    const text = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === uri.fsPath)?.getText();
    const problems = [...tracked.diagnostics.values()].map((d) => toVscodeDiagnostic(trainingProblem(d, tracked.topology, text)));
    this.trainingProblems.set(uri, problems);
  }

  private onEnd(session: vscode.DebugSession): void {
    const tracked = this.sessions.get(session.id);
    this.ended.add(session.id);
    if (!tracked) return;
    tracked.endProgress?.();
    this.sessions.delete(session.id);
    if (tracked.status.state === 'failed') this.lastFailed = tracked;
    this.renderStatus.flush();
  }

  private updateStatusItem(): void {
    const active = vscode.debug.activeDebugSession;
    const tracked = (active && this.sessions.get(active.id)) ?? [...this.sessions.values()].pop() ?? this.lastFailed;
    if (!tracked) {
      this.statusItem.hide();
      return;
    }
    const { status } = tracked;
    this.statusItem.text = `${STATE_ICONS[status.state]} ${formatStatusText(status)}`;
    this.statusItem.tooltip = formatStatusTooltip(tracked.session.name, status);
    this.statusItem.show();
  }

  dispose(): void {
    this.renderStatus.cancel();
    for (const tracked of this.sessions.values()) tracked.endProgress?.();
    this.sessions.clear();
    this.subscriptions.forEach((s) => s.dispose());
    this.statusItem.dispose();
    this.trainingProblems.dispose();
  }
}
