// What the webview talks to: the VS Code extension host (acquireVsCodeApi) or,
// in the standalone report, a static host that replays the embedded trace
// and has no session to control.

import { eventOfRecord } from '../src/shared/trace/format';
import { parseTrace } from '../src/shared/trace/parse';
import type { HostToWebviewMessage, ViewSelection, WebviewToHostMessage } from '../src/shared/webviewProtocol';

export interface Host {
  /** False in the report: there is no session, so no controls. */
  readonly canControl: boolean;
  post(message: WebviewToHostMessage): void;
  getState(): ViewSelection | undefined;
  setState(state: ViewSelection): void;
  /** Calls `handler` with every message the host sends (unvalidated). */
  listen(handler: (message: unknown) => void): void;
  /** Saves an exported chart (a save dialog in VS Code, a download in the report). */
  saveFile(fileName: string, format: 'svg' | 'png', data: string): void;
}

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

function isSelection(value: unknown): value is ViewSelection {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (v.layer === null || typeof v.layer === 'string') && (v.step === null || typeof v.step === 'number');
}

export function vscodeHost(): Host {
  const api = acquireVsCodeApi();
  return {
    canControl: true,
    post: (message) => api.postMessage(message),
    getState: () => {
      const state = api.getState();
      return isSelection(state) ? state : undefined;
    },
    setState: (state) => api.setState(state),
    listen: (handler) => window.addEventListener('message', (event: MessageEvent) => handler(event.data)),
    saveFile: (fileName, format, data) => api.postMessage({ type: 'saveFile', fileName, format, data } satisfies WebviewToHostMessage),
  };
}

/** The report: the trace text is embedded in `<script type="application/json" id="nd-trace">`. */
export function reportHost(): Host {
  let state: ViewSelection | undefined;
  return {
    canControl: false,
    post: (message) => {
      if (message.type === 'log') console.log(`[neural-debugger] ${message.level}: ${message.message}`);
    },
    getState: () => state,
    setState: (s) => {
      state = s;
    },
    listen: (handler) => {
      const element = document.getElementById('nd-trace');
      const name = document.body.dataset.traceName ?? 'trace';
      const notes: string[] = [];
      let events: HostToWebviewMessage & { type: 'reset' };
      try {
        const trace = parseTrace(element?.textContent ?? '', name);
        if (trace.truncated) notes.push('The trace ends in the middle of a record (the run was killed): showing what was recorded.');
        else if (!trace.end) notes.push('The trace has no end record (the run was killed or was still running): showing what was recorded.');
        // Each record is the event the trainer sent live, plus its time.
        events = { type: 'reset', session: null, events: trace.records.map(eventOfRecord), note: notes.join(' ') || undefined };
      } catch (e) {
        events = { type: 'reset', session: null, events: [], note: (e as Error).message };
      }
      // Asynchronously, like a real host answering `ready`.
      setTimeout(() => handler(events), 0);
    },
    saveFile: (fileName, format, data) => {
      const blob =
        format === 'svg' ? new Blob([data], { type: 'image/svg+xml' }) : new Blob([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], { type: 'image/png' });
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = fileName;
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    },
  };
}
