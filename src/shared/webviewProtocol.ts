// Typed messages between the extension host (or the static report "host")
// and the training view / gradient inspector webviews. One union per
// direction, discriminated by `type`; every message is validated on arrival
// with the guards below, and a message that fails is ignored and logged.
// Shape after microsoft/vscode-hexeditor's shared/protocol.ts.

import type { TrainerEvent } from './protocol';

/** Which webview a bundle instance is: the big training view or the side-bar inspector. */
export type WebviewKind = 'training' | 'inspector';

/** Training controls; the host maps each to the debug toolbar's command. */
export type ControlAction = 'continue' | 'pause' | 'stepBatch' | 'stepEpoch' | 'stop';
const CONTROL_ACTIONS: readonly ControlAction[] = ['continue', 'pause', 'stepBatch', 'stepEpoch', 'stop'];

export interface SessionInfo {
  id: string;
  name: string;
  /** False once the debug session has ended: controls are disabled. */
  live: boolean;
}

/** What the webview keeps across hide/show and reload (`vscode.setState`). */
export interface ViewSelection {
  layer: string | null;
  /** Step the timeline is pinned to; null follows the latest step. */
  step: number | null;
}

// ---- host → webview ----------------------------------------------------------

export type HostToWebviewMessage =
  /** Replaces everything the webview shows: a (re)opened view gets the whole history. */
  | { type: 'reset'; session: SessionInfo | null; events: TrainerEvent[]; note?: string }
  /** New events of the current session, in order (batched by the host). */
  | { type: 'events'; sessionId: string; events: TrainerEvent[] }
  /** The session's state changed (e.g. it ended). */
  | { type: 'session'; session: SessionInfo }
  /** Select a layer (e.g. "reveal in graph" from the inspector). */
  | { type: 'selectLayer'; layer: string | null }
  /** Move the timeline (e.g. the inspector follows the training view's scrubber). */
  | { type: 'selectStep'; step: number | null };

// ---- webview → host ----------------------------------------------------------

export type WebviewToHostMessage =
  /** The webview's script runs and can take messages; the host answers with `reset`. */
  | { type: 'ready'; view: WebviewKind }
  | { type: 'control'; action: ControlAction }
  /** The user selected a layer or a step; the host mirrors it to the other view. */
  | { type: 'selectLayer'; layer: string | null }
  | { type: 'selectStep'; step: number | null }
  /** Inspector: show this layer in the training view's graph. */
  | { type: 'revealLayer'; layer: string }
  /** Chart export: the host asks where to save. `data` is SVG text or base64 PNG. */
  | { type: 'saveFile'; fileName: string; format: 'svg' | 'png'; data: string }
  | { type: 'log'; level: 'info' | 'warning' | 'error'; message: string };

// ---- validation --------------------------------------------------------------

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isNullableString = (v: unknown): boolean => v === null || typeof v === 'string';
const isNullableStep = (v: unknown): boolean => v === null || (typeof v === 'number' && Number.isInteger(v) && v >= 0);

function isSessionInfo(v: unknown): v is SessionInfo {
  return isObject(v) && isString(v.id) && isString(v.name) && typeof v.live === 'boolean';
}

/** A trainer event as far as the views rely on it: an object with a string `type`. */
function isTrainerEventLike(v: unknown): v is TrainerEvent {
  return isObject(v) && isString(v.type);
}

function isEventList(v: unknown): v is TrainerEvent[] {
  return Array.isArray(v) && v.every(isTrainerEventLike);
}

/** Checks a message sent to a webview; returns why it is invalid, or null. */
export function invalidHostMessage(message: unknown): string | null {
  if (!isObject(message) || !isString(message.type)) return 'not an object with a string "type"';
  const m = message;
  switch (m.type) {
    case 'reset':
      if (!(m.session === null || isSessionInfo(m.session))) return 'reset: bad "session"';
      if (!isEventList(m.events)) return 'reset: "events" must be an array of trainer events';
      if (m.note !== undefined && !isString(m.note)) return 'reset: "note" must be a string';
      return null;
    case 'events':
      if (!isString(m.sessionId)) return 'events: "sessionId" must be a string';
      return isEventList(m.events) ? null : 'events: "events" must be an array of trainer events';
    case 'session':
      return isSessionInfo(m.session) ? null : 'session: bad "session"';
    case 'selectLayer':
      return isNullableString(m.layer) ? null : 'selectLayer: "layer" must be a string or null';
    case 'selectStep':
      return isNullableStep(m.step) ? null : 'selectStep: "step" must be a non-negative integer or null';
    default:
      return `unknown message type ${JSON.stringify(m.type)}`;
  }
}

/** Checks a message sent by a webview; returns why it is invalid, or null. */
export function invalidWebviewMessage(message: unknown): string | null {
  if (!isObject(message) || !isString(message.type)) return 'not an object with a string "type"';
  const m = message;
  switch (m.type) {
    case 'ready':
      return m.view === 'training' || m.view === 'inspector' ? null : 'ready: "view" must be training or inspector';
    case 'control':
      return (CONTROL_ACTIONS as readonly unknown[]).includes(m.action) ? null : `control: unknown action ${JSON.stringify(m.action)}`;
    case 'selectLayer':
      return isNullableString(m.layer) ? null : 'selectLayer: "layer" must be a string or null';
    case 'selectStep':
      return isNullableStep(m.step) ? null : 'selectStep: "step" must be a non-negative integer or null';
    case 'revealLayer':
      return isString(m.layer) ? null : 'revealLayer: "layer" must be a string';
    case 'saveFile':
      if (!isString(m.fileName) || !/^[\w.-]+$/.test(m.fileName)) return 'saveFile: "fileName" must be a plain file name';
      if (m.format !== 'svg' && m.format !== 'png') return 'saveFile: "format" must be svg or png';
      return isString(m.data) ? null : 'saveFile: "data" must be a string';
    case 'log':
      if (m.level !== 'info' && m.level !== 'warning' && m.level !== 'error') return 'log: bad "level"';
      return isString(m.message) ? null : 'log: "message" must be a string';
    default:
      return `unknown message type ${JSON.stringify(m.type)}`;
  }
}
