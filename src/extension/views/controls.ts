// Training controls of the webview → what the debug toolbar does. The
// workbench commands act on the focused debug session; when the view's
// session is not the focused one, the same DAP request goes to it directly.

import type { ControlAction } from '../../shared/webviewProtocol';

export const CONTROL_COMMANDS: Record<ControlAction, string> = {
  continue: 'workbench.action.debug.continue',
  pause: 'workbench.action.debug.pause',
  stepBatch: 'workbench.action.debug.stepInto',
  stepEpoch: 'workbench.action.debug.stepOver',
  stop: 'workbench.action.debug.stop',
};

/** The DAP request behind each control (`stop` ends the session instead). */
export const CONTROL_REQUESTS: Record<Exclude<ControlAction, 'stop'>, string> = {
  continue: 'continue',
  pause: 'pause',
  stepBatch: 'stepIn',
  stepEpoch: 'next',
};
