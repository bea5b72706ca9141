// What both webviews share: the store, the host connection (validated
// messages), the saved selection, and one render per animation frame.

import { invalidHostMessage, type HostToWebviewMessage, type WebviewKind } from '../src/shared/webviewProtocol';
import type { Host } from './host';
import { Store, type Change } from './store/store';

export interface ViewHandlers {
  /**
   * Called at most once per frame with the changes since the last call.
   * `interactive` is true when the user (or the host on their behalf) caused
   * them: render everything now. Otherwise it is the live stream, and a view
   * may spread its work over frames; it returns true to get another frame.
   */
  render(changes: ReadonlySet<Change>, interactive: boolean): boolean;
  /** The host asked to select a layer (e.g. "reveal in graph"). */
  onRevealLayer?(layer: string | null): void;
}

export class App {
  readonly store = new Store();
  private frameRequested = false;
  private handlers: ViewHandlers | null = null;
  /** The next frame renders a user's action (or the first data): everything at once. */
  private interactive = true;

  constructor(
    readonly host: Host,
    readonly kind: WebviewKind,
  ) {
    const saved = host.getState();
    if (saved) {
      this.store.selectedLayer = saved.layer;
      this.store.pinnedStep = saved.step;
    }
  }

  start(handlers: ViewHandlers): void {
    this.handlers = handlers;
    this.host.listen((message) => this.receive(message));
    window.addEventListener('nd-resize', () => this.invalidate());
    this.host.post({ type: 'ready', view: this.kind });
    this.scheduleRender();
  }

  /** The user picked a layer here: select it, remember it, tell the host. */
  selectLayer(layer: string | null): void {
    this.interactive = true;
    this.store.selectLayer(layer);
    this.host.post({ type: 'selectLayer', layer });
    this.saveState();
    this.scheduleRender();
  }

  /** The user moved the timeline here. */
  pinStep(step: number | null): void {
    this.interactive = true;
    this.store.pinStep(step);
    this.host.post({ type: 'selectStep', step: this.store.pinnedStep });
    this.saveState();
    this.scheduleRender();
  }

  receive(raw: unknown): void {
    const why = invalidHostMessage(raw);
    if (why !== null) {
      // Ignored, but never silently: a wrong message is a bug on one side.
      console.warn(`[neural-debugger] ignored a message from the host: ${why}`);
      this.host.post({ type: 'log', level: 'warning', message: `${this.kind} view ignored a message: ${why}` });
      return;
    }
    const message = raw as HostToWebviewMessage;
    const { store } = this;
    if (message.type !== 'events') this.interactive = true;
    switch (message.type) {
      case 'reset':
        store.reset(message.session, message.note ? [message.note] : []);
        store.apply(message.events);
        // A pinned step or layer restored from the saved state may not exist in this run.
        if (store.pinnedStep !== null && (store.series.lastStep === null || store.pinnedStep > store.series.lastStep)) store.pinStep(null);
        break;
      case 'events':
        if (store.session && message.sessionId !== store.session.id) return;
        store.apply(message.events);
        break;
      case 'session':
        if (store.session && store.session.id !== message.session.id) store.reset(message.session);
        else store.setSession(message.session);
        break;
      case 'selectLayer':
        store.selectLayer(message.layer);
        this.saveState();
        this.handlers?.onRevealLayer?.(message.layer);
        break;
      case 'selectStep':
        store.pinStep(message.step);
        this.saveState();
        break;
    }
    this.scheduleRender();
  }

  /** A view changed size: every chart re-renders in the next frame. */
  private invalidate(): void {
    this.store.touch('steps', 'detail', 'epochs', 'diagnostics', 'cursor', 'selection', 'status');
    this.interactive = true;
    this.scheduleRender();
  }

  private saveState(): void {
    this.host.setState({ layer: this.store.selectedLayer, step: this.store.pinnedStep });
  }

  private scheduleRender(): void {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      const interactive = this.interactive;
      this.interactive = false;
      const changes = this.store.takeChanges();
      const more = this.handlers?.render(changes, interactive) ?? false;
      if (more) this.scheduleRender();
    });
  }
}
