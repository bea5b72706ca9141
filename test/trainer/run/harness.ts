// Runs the real TrainingController in-process on a real (small) model and
// records every event, so tests can drive it like the debug adapter does.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TrainerCommand, TrainerEvent, TrainOptions } from '../../../src/shared/protocol';
import { TrainingController } from '../../../src/trainer/run/controller';
import type { RunContext } from '../../../src/trainer/run/context';
import type { DiagnosticsHook } from '../../../src/runControl/stepControl';
import { prepareRun } from '../../../src/trainer/run/prepare';
import { RunCheckpoints } from '../../../src/trainer/run/checkpoints';
import { EventLog } from '../../../src/node/eventLog';

export function tempDir(prefix = 'nd-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes a small spiral MLP spec and returns its path. */
export function writeSpiralSpec(
  dir: string,
  overrides: { training?: Record<string, unknown>; data?: Record<string, unknown>; layers?: unknown[] } = {},
): string {
  const spec = {
    name: 'test-spiral',
    data: { source: 'synthetic', dataset: 'spiral', samples: 256, testSamples: 64, noise: 0.05, validationSplit: 0.25, ...overrides.data },
    model: {
      layers: overrides.layers ?? [
        { type: 'dense', units: 16, activation: 'tanh' },
        { type: 'dense', units: 16, activation: 'relu' },
        { type: 'dense', units: 2, activation: 'softmax' },
      ],
    },
    training: {
      epochs: 3,
      batchSize: 32,
      optimizer: { type: 'adam', learningRate: 0.01 },
      loss: 'categoricalCrossentropy',
      metrics: ['accuracy'],
      seed: 7,
      ...overrides.training,
    },
  };
  const file = path.join(dir, 'spiral.nn.json');
  fs.writeFileSync(file, JSON.stringify(spec, null, 2));
  return file;
}

export class ControllerHarness {
  readonly events: TrainerEvent[] = [];
  /** Events before this index have been consumed by `next`. */
  private cursor = 0;
  private waiter: { predicate: (e: TrainerEvent) => boolean; resolve: (e: TrainerEvent) => void } | null = null;
  controller!: TrainingController;
  ctx!: RunContext;
  done!: Promise<'completed' | 'stopped'>;

  static async start(options: TrainOptions, diagnostics?: DiagnosticsHook): Promise<ControllerHarness> {
    const h = new ControllerHarness();
    h.ctx = await prepareRun({ backend: 'wasm', ...options }, () => undefined);
    // As in the trainer process: every event goes through the log (trace, then here).
    const log = new EventLog((e) => h.onEvent(e));
    if (options.traceFile) log.openTrace(options.traceFile);
    log.emit({ type: 'header', topology: h.ctx.topology, settings: h.ctx.settings, backend: h.ctx.backend });
    h.controller = new TrainingController(h.ctx, {
      emit: log.emit,
      checkpoints: new RunCheckpoints(options.checkpointDir),
      stopOnEntry: options.stopOnEntry,
      breakOn: options.breakOn,
      breakpoints: options.breakpoints,
      diagnostics,
    });
    h.done = h.controller.run();
    return h;
  }

  private onEvent(e: TrainerEvent): void {
    this.events.push(e);
    this.deliver();
  }

  private deliver(): void {
    if (!this.waiter) return;
    while (this.cursor < this.events.length) {
      const e = this.events[this.cursor++];
      if (this.waiter.predicate(e)) {
        const { resolve } = this.waiter;
        this.waiter = null;
        resolve(e);
        return;
      }
    }
  }

  send(command: TrainerCommand): void {
    this.controller.handle(command);
  }

  /**
   * Resolves with the next not yet consumed event that matches, skipping
   * (consuming) the ones before it. Events are never missed, whether they
   * arrived before or after the call.
   */
  next<T extends TrainerEvent['type']>(
    type: T,
    predicate: (e: Extract<TrainerEvent, { type: T }>) => boolean = () => true,
  ): Promise<Extract<TrainerEvent, { type: T }>> {
    if (this.waiter) throw new Error('one next() at a time');
    return new Promise((resolve) => {
      this.waiter = {
        predicate: (e) => e.type === type && predicate(e as Extract<TrainerEvent, { type: T }>),
        resolve: resolve as (e: TrainerEvent) => void,
      };
      this.deliver();
    });
  }

  /** Sends a request-style command and resolves with the reply. */
  request(command: TrainerCommand & { requestId: number }): Promise<Extract<TrainerEvent, { type: 'reply' }>> {
    this.send(command);
    return this.next('reply', (e) => e.requestId === command.requestId);
  }

  steps(): Extract<TrainerEvent, { type: 'step' }>['stats'][] {
    return this.events.filter((e): e is Extract<TrainerEvent, { type: 'step' }> => e.type === 'step').map((e) => e.stats);
  }

  async weights(): Promise<Float32Array[]> {
    return Promise.all(this.ctx.model.getWeights().map(async (w) => (await w.data()) as Float32Array));
  }
}
