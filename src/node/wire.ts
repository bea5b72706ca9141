// The framing of the trainer wire protocol (docs/protocol.md): JSON Lines on a
// byte stream. Every frame is one JSON text written by encodeJson (so it holds
// no raw newline: JSON escapes them inside strings) followed by "\n".
// Measured against length-prefixed JSON in bench/wire.ts: see
// docs/performance.md ("Wire framing").

import type { Readable, Writable } from 'node:stream';
import { decodeJson, encodeJson } from '../shared/json';

/**
 * Largest frame a reader accepts, bytes. A step event is ~2 KB and a header
 * of a large model some hundred KB; a frame past this bound is a broken or
 * hostile peer, refused instead of buffered without limit.
 */
const MAX_FRAME_BYTES = 16 * 1024 * 1024;

const NEWLINE = 0x0a;

/** A frame the reader could not take (too large, not JSON), or a frame handler that threw. Names the frame (1-based). */
export class WireError extends Error {
  constructor(
    message: string,
    readonly frame: number,
    /** Set when the frame was fine and its handler threw this: a bug on the reading side, not the peer's. */
    readonly handlerError?: unknown,
  ) {
    super(message);
    this.name = 'WireError';
  }
}

export interface FrameReaderHandlers {
  /** One decoded frame, in order. An exception thrown here is reported to `onError`. */
  onFrame(value: unknown, frame: number): void;
  /** A bad frame (it is skipped; the next line is read normally) or a throwing `onFrame`. */
  onError(error: WireError): void;
}

/**
 * Splits a byte stream into frames. Feed it chunks as they arrive (`push`);
 * lines may be split anywhere, even inside a UTF-8 sequence. It never throws:
 * every problem goes to `onError`.
 */
export class FrameReader {
  private parts: Buffer[] = [];
  private partBytes = 0;
  /** Set while the rest of an oversized line is being skipped. */
  private skipping = false;
  private frame = 0;

  constructor(
    private readonly handlers: FrameReaderHandlers,
    private readonly maxFrameBytes = MAX_FRAME_BYTES,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const end = chunk.indexOf(NEWLINE, start);
      if (end < 0) {
        this.keep(chunk.subarray(start));
        return;
      }
      this.keep(chunk.subarray(start, end));
      start = end + 1;
      if (this.skipping) {
        this.skipping = false;
        continue;
      }
      const line = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.partBytes);
      this.parts = [];
      this.partBytes = 0;
      this.deliver(line);
    }
  }

  /** The stream ended: a last line without its newline is an error (the peer stopped mid-frame). */
  end(): void {
    if (this.partBytes > 0 && !this.skipping) {
      this.report(`frame ${this.frame + 1}: the stream ended inside a frame (${this.partBytes} bytes without their newline)`, this.frame + 1);
    }
    this.parts = [];
    this.partBytes = 0;
    this.skipping = false;
  }

  private keep(bytes: Buffer): void {
    if (this.skipping || bytes.length === 0) return;
    if (this.partBytes + bytes.length > this.maxFrameBytes) {
      this.frame++;
      this.report(`frame ${this.frame}: longer than the limit of ${this.maxFrameBytes} bytes; skipped`, this.frame);
      this.parts = [];
      this.partBytes = 0;
      this.skipping = true;
      return;
    }
    this.parts.push(bytes);
    this.partBytes += bytes.length;
  }

  private deliver(line: Buffer): void {
    const frame = ++this.frame;
    const text = line.toString('utf8');
    if (text.trim() === '') return; // a blank line is no frame (tolerated between frames)
    let value: unknown;
    try {
      value = decodeJson(text);
    } catch (e) {
      const preview = text.length > 80 ? `${text.slice(0, 80)}…` : text;
      this.report(`frame ${frame}: malformed JSON (${(e as Error).message}): ${preview}`, frame);
      return;
    }
    try {
      this.handlers.onFrame(value, frame);
    } catch (e) {
      this.report(`frame ${frame}: its handler failed: ${(e as Error)?.message ?? String(e)}`, frame, e ?? new Error('undefined thrown'));
    }
  }

  private report(message: string, frame: number, handlerError?: unknown): void {
    try {
      this.handlers.onError(new WireError(message, frame, handlerError));
    } catch {
      // An error handler that throws has nowhere left to report to.
    }
  }
}

/** Reads frames from `stream` until it ends; see FrameReader. */
export function readFrames(stream: Readable, handlers: FrameReaderHandlers, maxFrameBytes = MAX_FRAME_BYTES): FrameReader {
  const reader = new FrameReader(handlers, maxFrameBytes);
  stream.on('data', (chunk: Buffer | string) => reader.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
  stream.on('end', () => reader.end());
  return reader;
}

/**
 * Writes frames to `stream`. Frames written in one turn of the event loop
 * leave together in one write (fewer system calls at 2,500 steps/s); this is
 * write buffering, not a timed batching policy: nothing waits for a timer.
 * While the stream reports backpressure, frames wait here until 'drain'.
 */
export class FrameWriter {
  private pending: string[] = [];
  private scheduled = false;
  private draining = false;
  private closed = false;

  constructor(private readonly stream: Writable) {
    stream.on('drain', () => {
      this.draining = false;
      this.flush();
    });
    stream.on('close', () => (this.closed = true));
    // A peer that went away is seen through 'close'; a write error must not be an uncaught exception.
    stream.on('error', () => (this.closed = true));
  }

  write(value: unknown): void {
    if (this.closed) return;
    this.pending.push(encodeJson(value) + '\n');
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Hands everything written so far to the stream now (unless it is applying backpressure). */
  flush(): void {
    this.scheduled = false;
    if (this.closed || this.draining || this.pending.length === 0) return;
    const text = this.pending.length === 1 ? this.pending[0] : this.pending.join('');
    this.pending = [];
    if (!this.stream.write(text)) this.draining = true;
  }

  /** Frames waiting for the stream (while it applies backpressure, or until this turn ends). */
  get pendingFrames(): number {
    return this.pending.length;
  }

  /** Flushes, then ends the stream; `done` runs once the data is handed to the OS. */
  end(done?: () => void): void {
    this.draining = false;
    this.flush();
    this.closed = true;
    this.stream.end(done);
  }
}
