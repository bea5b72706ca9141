// Time from spawning the trainer to the first step's statistics at the
// parent (process start, backend init, spec, data, model build, first step),
// on examples/spiral-mlp.nn.json, and the trainer's peak RSS.

import * as path from 'node:path';
import type { TrainerEvent } from '../src/shared/protocol';
import { TrainerProcess } from '../src/client/trainerProcess';
import { repoRoot } from './models';
import { processMemoryMb } from './trainerProbe';

export interface StartupRun {
  firstStatsMs: number;
  /** Milestones after spawn, ms: when each progress message and the header arrived. */
  milestones: { what: string; ms: number }[];
  peakRssMb: number | null;
}

export async function measureStartup(steps = 300): Promise<StartupRun> {
  const trainerScript = path.join(repoRoot(), 'dist', 'trainer.js');
  const started = performance.now();
  const trainer = new TrainerProcess({ modelFile: path.join(repoRoot(), 'examples', 'spiral-mlp.nn.json'), steps }, trainerScript);
  const milestones: { what: string; ms: number }[] = [];
  let firstStatsMs = NaN;
  let peakRssMb: number | null = null;
  let failure: string | null = null;
  trainer.on('event', (event: TrainerEvent) => {
    const ms = performance.now() - started;
    if (event.type === 'progress') milestones.push({ what: event.message, ms });
    else if (event.type === 'header') milestones.push({ what: 'header', ms });
    else if (event.type === 'step' && Number.isNaN(firstStatsMs)) {
      firstStatsMs = ms;
      milestones.push({ what: 'first step statistics', ms });
    } else if (event.type === 'finished') {
      // The child is still alive here; after exit /proc no longer has it.
      peakRssMb = processMemoryMb(trainer.pid)?.peak ?? null;
    } else if (event.type === 'error') failure = event.error.message;
  });
  const exit = await trainer.exitPromise;
  if (failure || exit.code !== 0) throw new Error(`trainer failed (exit ${exit.code}): ${failure ?? trainer.stderr.slice(-500)}`);
  return { firstStatsMs, milestones, peakRssMb };
}
