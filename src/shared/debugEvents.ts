// What the debug adapter and the extension host agree on: the debug type,
// the adapter's one thread, and the custom DAP events and requests. The
// adapter forwards every trainer event to the extension host as one custom
// event, which hands them to the webviews. One stream, no second trainer.

import type { TrainerEvent } from './protocol';

/** The debug type of launch configurations and sessions (package.json `contributes.debuggers[0].type`, checked by a test). */
export const DEBUG_TYPE = 'neural';

/** The adapter's single thread: training. */
export const TRAINING_THREAD_ID = 1;

/** `event` field of the custom DAP event; its `body` is a `TrainerEventBody`. */
export const TRAINER_EVENT = 'neuralDebugger.trainer';

export interface TrainerEventBody {
  /**
   * Trainer events in order, batched (one DAP event per STEP_BATCH_MS while
   * they stream in), a fast run's steps thinned (src/debug/stepBudget.ts): a
   * fast run makes thousands of steps a second, and every DAP event crosses to
   * the workbench and back (in code-server, through the browser).
   */
  events: TrainerEvent[];
}

/** How long the adapter collects step events before sending them as one DAP event. */
export const STEP_BATCH_MS = 50;

/** Custom DAP requests the adapter answers besides the standard ones. */
export const CUSTOM_REQUESTS = {
  /** Every trainer event of the run so far (for a webview opened mid-run); response body: `{ events: TrainerEvent[] }`. */
  history: 'neuralDebugger.history',
  /** `{ kinds: DiagnosticKind[] }`: change which diagnostics pause training. */
  setBreakOn: 'neuralDebugger.setBreakOn',
} as const;
