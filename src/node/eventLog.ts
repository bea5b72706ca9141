// The one place where the trainer's events leave the training loop: each
// event is stamped with its time, written to the trace when it is one the
// trace keeps (see TRACED_EVENT_TYPES), and passed on to the transport. The
// controller and the process entry only emit; nothing is written twice.

import type { TrainerEvent } from '../shared/protocol';
import { isTracedEvent, traceRecordOf, type TraceRecord } from '../shared/trace/format';
import { TraceWriter } from './traceWriter';

export class EventLog {
  private trace: TraceWriter | null = null;
  /** Traced events (warnings while preparing) that came before the header; written right after it. */
  private beforeHeader: TraceRecord[] | null = [];

  constructor(private readonly forward: (event: TrainerEvent) => void) {}

  /**
   * Starts the trace at `file` (replacing an earlier trace there); the next
   * traced event must be the header. Throws `UserError` when the file cannot
   * be written.
   */
  openTrace(file: string): void {
    this.trace = TraceWriter.open(file);
  }

  /**
   * Records and forwards one event. A trace write failure throws (`UserError`)
   * before the event is forwarded; the trace then stays valid up to the
   * failure and takes no more records.
   */
  readonly emit = (event: TrainerEvent): void => {
    if (isTracedEvent(event)) this.record(traceRecordOf(event, Date.now()));
    this.forward(event);
  };

  private record(record: TraceRecord): void {
    if (record.type === 'header') {
      const earlier = this.beforeHeader ?? [];
      this.beforeHeader = null;
      this.write(record);
      for (const r of earlier) this.write(r);
      return;
    }
    if (this.beforeHeader !== null) {
      this.beforeHeader.push(record);
      return;
    }
    this.write(record);
    // The run's last record: close (and fsync) the trace now, not at exit.
    if (record.type === 'finished' || record.type === 'error') this.close();
  }

  private write(record: TraceRecord): void {
    if (this.trace === null || this.trace.error !== null) return;
    this.trace.write(record);
  }

  /** Closes the trace (idempotent); later events are only forwarded. */
  close(): void {
    this.trace?.close();
    this.trace = null;
  }
}
