// Preparation progress (building the model, loading data) as DAP progress
// events when the client supports them, else as console lines.

import { OutputEvent, ProgressEndEvent, ProgressStartEvent, ProgressUpdateEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';

export class ProgressReporter {
  /** Set from the initialize request's supportsProgressReporting. */
  supported = false;
  private id: string | null = null;
  private count = 0;

  constructor(
    private readonly send: (event: DebugProtocol.Event) => void,
    /** The title of a new progress: whether training is prepared decides it. */
    private readonly title: () => string,
  ) {}

  report(message: string): void {
    if (!this.supported) return this.send(new OutputEvent(`… ${message}\n`, 'console'));
    if (this.id === null) {
      this.id = `neural-debugger-${++this.count}`;
      this.send(new ProgressStartEvent(this.id, this.title(), message));
    } else {
      this.send(new ProgressUpdateEvent(this.id, message));
    }
  }

  end(): void {
    if (this.id === null) return;
    this.send(new ProgressEndEvent(this.id));
    this.id = null;
  }
}
