// A stand-in for the `vscode` module, enough for host classes that only
// listen to debug sessions and post to webviews (ViewHub). The real API is
// exercised by the e2e suite in code-server; this lets the hub's ordering be
// tested exactly, without a workbench. `installFakeVscode()` must run before
// the module under test is required.

import Module from 'node:module';
import * as path from 'node:path';

type Listener<T> = (value: T) => unknown;

export class EventEmitter<T> {
  private listeners: Listener<T>[] = [];
  readonly event = (listener: Listener<T>): Disposable => {
    this.listeners.push(listener);
    return new Disposable(() => (this.listeners = this.listeners.filter((l) => l !== listener)));
  };
  fire(value: T): void {
    for (const listener of [...this.listeners]) listener(value);
  }
}

export class Disposable {
  constructor(private readonly onDispose: () => unknown) {}
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => items.forEach((d) => d.dispose()));
  }
  dispose(): void {
    this.onDispose();
  }
}

export interface FakeDebugSession {
  id: string;
  name: string;
  type: string;
  configuration: Record<string, unknown>;
  customRequest(command: string, args?: unknown): Promise<unknown>;
}

export const debugEvents = {
  started: new EventEmitter<FakeDebugSession>(),
  terminated: new EventEmitter<FakeDebugSession>(),
  custom: new EventEmitter<{ session: FakeDebugSession; event: string; body: unknown }>(),
};

export const debug = {
  onDidStartDebugSession: debugEvents.started.event,
  onDidTerminateDebugSession: debugEvents.terminated.event,
  onDidReceiveDebugSessionCustomEvent: debugEvents.custom.event,
  activeDebugSession: undefined as FakeDebugSession | undefined,
  stopDebugging: async (): Promise<void> => undefined,
};

export const commands = { executeCommand: async (): Promise<unknown> => undefined };
export const window = {
  showErrorMessage: async (): Promise<undefined> => undefined,
  showSaveDialog: async (): Promise<undefined> => undefined,
};
export const workspace = { workspaceFolders: undefined };

let installed = false;

/** Makes `require('vscode')` load this module. */
export function installFakeVscode(): void {
  if (installed) return;
  installed = true;
  const self = path.resolve(__filename);
  const loader = Module as unknown as { _resolveFilename(request: string, ...rest: unknown[]): string };
  const resolve = loader._resolveFilename.bind(Module);
  loader._resolveFilename = (request: string, ...rest: unknown[]) => (request === 'vscode' ? self : resolve(request, ...rest));
}
