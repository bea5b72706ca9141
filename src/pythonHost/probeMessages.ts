// Between the Python host and the probe (python/neural_debugger_probe/):
// JSON lines on the probe's fd 3 (src/shared/json.ts spellings). The probe
// sends trainer events (docs/protocol.md) plus `waiting` at each step
// boundary; the host answers every `waiting` with `proceed` (or `stop`) once
// the shared run-control rules have decided. docs/pytorch.md.

import type { TrainerCommand, TrainerEventOf } from '../shared/protocol';

/** What the probe sends. */
export type ProbeMessage =
  | TrainerEventOf<'hello' | 'header' | 'step' | 'epoch' | 'log' | 'error' | 'finished' | 'reply'>
  /** At a step boundary (after step `step`; 0: before the first), the probe waits for `proceed`. */
  | { type: 'waiting'; step: number };

/** What the host sends the probe. */
export type ProbeCommand =
  | Extract<TrainerCommand, { type: 'start' | 'stop' | 'setLearningRate' }>
  /** Run the next step, measuring per-layer detail and histograms as said. */
  | { type: 'proceed'; detail: boolean; histograms: boolean };
