// Process-level measurements of the real trainer child: time from spawn to
// the first step's statistics at the parent, peak RSS, and (for the soak) a
// probe inside the child that reports its tensor count and memory.

import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import type { TrainerEvent } from '../src/shared/protocol';

/** Peak and current resident set size of a live process, MB (Linux /proc); null elsewhere. */
export function processMemoryMb(pid: number | undefined): { rss: number; peak: number } | null {
  if (pid === undefined) return null;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(/\s(\d+) kB/.exec(status.split('\n').find((l) => l.startsWith(key)) ?? '')?.[1]);
    const rss = kb('VmRSS:');
    const peak = kb('VmHWM:');
    return Number.isFinite(rss) && Number.isFinite(peak) ? { rss: rss / 1024, peak: peak / 1024 } : null;
  } catch {
    return null;
  }
}

export interface ProbeReport {
  /** The last step the child sent before this report. */
  step: number;
  /** Date.now() in the child when the report was sent. */
  sentAt: number;
  numTensors: number;
  rssMb: number;
  /** Size of the wasm heap, MB (it only grows); null on other backends. */
  wasmHeapMb: number | null;
}

const PROBE_PREFIX = 'bench-probe ';

/** The probe report carried by a trainer `log` event, or null for any other event. */
export function probeReport(event: TrainerEvent): ProbeReport | null {
  if (event.type !== 'log' || !event.message.startsWith(PROBE_PREFIX)) return null;
  return JSON.parse(event.message.slice(PROBE_PREFIX.length)) as ProbeReport;
}

/**
 * Runs the real trainer (src/trainer/child.ts) in this process, which was
 * forked as a trainer child, and reports its tensor count and memory every
 * `everyMs` as `log` events. Only used by the soak.
 */
export function startProbedTrainer(everyMs = 1000): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after the probe's set-up: it starts the trainer
  const child = require('../src/trainer/child') as typeof import('../src/trainer/child');
  let step = 0;
  child.observeEvents((event) => {
    if (event.type === 'step') step = event.stats.step;
  });
  setInterval(() => {
    const backend = tf.getBackend() === 'wasm' ? (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }) : null;
    const report: ProbeReport = {
      step,
      sentAt: Date.now(),
      numTensors: tf.memory().numTensors,
      rssMb: process.memoryUsage().rss / 2 ** 20,
      wasmHeapMb: backend ? backend.wasm.HEAPU8.length / 2 ** 20 : null,
    };
    const event: TrainerEvent = { type: 'log', level: 'info', message: PROBE_PREFIX + JSON.stringify(report) };
    child.transmit(event); // straight to the parent: the probe is not part of the run's trace
  }, everyMs).unref();
}
