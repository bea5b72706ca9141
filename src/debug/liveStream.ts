// The adapter's live stream to the client: the trainer's events as
// `neuralDebugger.trainer` DAP events, and Debug Console output. A fast run
// makes thousands of steps a second; this stream batches everything that
// arrives within STEP_BATCH_MS into one DAP event (output into one event per
// run of a category), thins the steps (./stepBudget.ts) and always ends a
// batch on the newest step. This is the one batching and thinning step on
// the live path: the extension host forwards each DAP event to the views as
// one message as it arrives (src/extension/views/viewHub.ts). docs/debugging.md.

import { Event, OutputEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { STEP_BATCH_MS, TRAINER_EVENT, type TrainerEventBody } from '../shared/debugEvents';
import type { TrainerEvent } from '../shared/protocol';
import { StepBudget } from './stepBudget';

export class LiveStream {
  private readonly trainer: TrainerEvent[] = [];
  private readonly output: { category: string; text: string }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly budget = new StepBudget();
  private newestSkippedStep: TrainerEvent | null = null;

  /** `send` puts a DAP event on the wire as is. */
  constructor(private readonly send: (event: DebugProtocol.Event) => void) {}

  trainerEvent(event: TrainerEvent): void {
    if (event.type === 'step' && !this.budget.admit(event.stats.detailed)) {
      this.newestSkippedStep = event;
    } else {
      // A skipped step older than this event goes out before it, so the client sees the newest state.
      if (event.type !== 'step' && this.newestSkippedStep) this.trainer.push(this.newestSkippedStep);
      this.newestSkippedStep = null;
      this.trainer.push(event);
    }
    this.schedule();
  }

  /** Coalesced like the trainer events: a fast run prints an epoch line every few milliseconds. */
  print(text: string, category: string): void {
    const last = this.output[this.output.length - 1];
    if (last && last.category === category) last.text += text;
    else this.output.push({ category, text });
    this.schedule();
  }

  /** Sends what was collected: one trainer event, then the output (one event per category run). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    // The newest step always goes out, so the client ends each batch on the current step.
    if (this.newestSkippedStep) this.trainer.push(this.newestSkippedStep);
    this.newestSkippedStep = null;
    if (this.trainer.length > 0) this.send(new Event(TRAINER_EVENT, { events: this.trainer.splice(0) } satisfies TrainerEventBody));
    for (const { category, text } of this.output.splice(0)) this.send(new OutputEvent(text, category));
  }

  /** Stops the timer; what is still collected is dropped (the session is over). */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => this.flush(), STEP_BATCH_MS);
  }
}
