// Between the Python host and the probe (python/neural_debugger_probe/):
// JSON lines on the probe's fd 3 (src/shared/json.ts spellings). The probe
// sends trainer events (docs/protocol.md) plus `waiting` after each step's
// events; the host answers every `waiting` with `proceed` (or `stop`) once the
// shared run-control rules have decided. The probe reads that answer before
// the next update (or at the script's end), so the host decides while the
// next batch's forward and backward run: docs/pytorch.md, "Step boundaries".

import type { TrainerCommand, TrainerEventOf } from '../shared/protocol';

/** What the probe sends. */
export type ProbeMessage =
  | TrainerEventOf<'hello' | 'header' | 'step' | 'epoch' | 'log' | 'error' | 'finished' | 'reply'>
  /** Step `step` (0: none yet, before the first update) is reported; the probe waits for the answer before the next update. */
  | { type: 'waiting'; step: number };

/** What the host sends the probe. */
export type ProbeCommand =
  | Extract<TrainerCommand, { type: 'start' | 'stop' | 'setLearningRate' }>
  /** Run the next step, measuring per-layer detail and histograms as said. */
  | { type: 'proceed'; detail: boolean; histograms: boolean };
