// Writing a run trace as it happens: each record is one synchronous write of a
// whole line, so a run killed at any moment (even SIGKILL) leaves a trace
// that reads back up to its last complete record. The file is written in
// place, not through a temporary file: it is an append log, and a viewer may
// follow it while the run goes on.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../shared/errors';
import { CompactTraceEncoder } from '../shared/trace/compact';
import type { TraceRecord } from '../shared/trace/format';

/** Every trace starts with these bytes (the writer puts `type` first). */
const TRACE_START = '{"type":"header"';
/** How version 1 traces start: re-running over one overwrites it like a current trace. */
const V1_TRACE_START = '{"kind":"header"';

export interface TraceWriterOptions {
  /** Replaces `fs.writeSync` (tests inject disk-full failures with it). */
  writeSync?: (fd: number, buffer: Uint8Array, offset: number, length: number) => number;
}

function describeFsError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOSPC':
      return 'the disk is full; free some space or write the trace elsewhere';
    case 'EDQUOT':
      return 'the disk quota is exceeded; free some space or write the trace elsewhere';
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return 'no permission to write here; choose a writable trace path';
    case 'ENOTDIR':
    case 'EEXIST': // mkdir of a folder whose name is taken by a file
      return 'a part of the path is a file, not a folder; choose another trace path';
    case 'EISDIR':
      return 'this is a folder; give a file name for the trace';
    default:
      return `cannot write the trace: ${err.message}`;
  }
}

/** The first bytes of `file`, or null when it does not exist or is not a regular file. */
function readStart(file: string): string | null {
  let fd: number;
  try {
    if (!fs.statSync(file).isFile()) return null;
    fd = fs.openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const buffer = Buffer.alloc(TRACE_START.length);
    const n = fs.readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.subarray(0, n).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** Bytes up to and including the last newline of `file`. */
function lengthOfCompleteLines(file: string): number {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const buffer = Buffer.alloc(64 * 1024);
    for (let end = size; end > 0;) {
      const begin = Math.max(0, end - buffer.length);
      const n = fs.readSync(fd, buffer, 0, end - begin, begin);
      const newline = buffer.subarray(0, n).lastIndexOf(0x0a);
      if (newline !== -1) return begin + newline + 1;
      end = begin;
    }
    return 0;
  } finally {
    fs.closeSync(fd);
  }
}

export class TraceWriter {
  private fd: number | null;
  /** Bytes of complete records in the file. */
  private written = 0;
  private failure: UserError | null = null;
  private readonly writeSync: NonNullable<TraceWriterOptions['writeSync']>;
  /** Light steps as compact lines (version 3); a writer opened by `append` writes only end records, in full. */
  private readonly encoder = new CompactTraceEncoder();

  private constructor(
    readonly file: string,
    fd: number,
    options: TraceWriterOptions,
  ) {
    this.fd = fd;
    this.writeSync = options.writeSync ?? fs.writeSync;
  }

  /**
   * Creates (or replaces) the trace at `file`, creating its folder. An
   * existing trace is overwritten (a re-run with the same trace path); an
   * existing non-empty file that is not a trace is refused, so that a typo in
   * the path cannot destroy a model spec or a data file.
   */
  static open(file: string, options: TraceWriterOptions = {}): TraceWriter {
    const start = readStart(file);
    if (start !== null && !TRACE_START.startsWith(start) && !V1_TRACE_START.startsWith(start)) {
      throw new UserError({
        file,
        message: 'this file exists and is not a Neural Debugger trace; refusing to overwrite it. Choose another trace path',
      });
    }
    try {
      fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      return new TraceWriter(file, fs.openSync(file, 'w'), options);
    } catch (e) {
      throw new UserError({ file, message: describeFsError(e as NodeJS.ErrnoException) });
    }
  }

  /**
   * Opens an existing trace to add records at its end, e.g. the parent process
   * writing a fatal `error` marked `killed` after the trainer died. An
   * incomplete last line left by the killed writer is cut off first, so the
   * new records start on a line of their own.
   */
  static append(file: string, options: TraceWriterOptions = {}): TraceWriter {
    const start = readStart(file);
    if (start === null || start.length < TRACE_START.length || !start.startsWith(TRACE_START)) {
      throw new UserError({ file, message: 'no trace to append to: the file is missing, empty or not a Neural Debugger trace' });
    }
    try {
      const completeBytes = lengthOfCompleteLines(file);
      fs.truncateSync(file, completeBytes);
      const writer = new TraceWriter(file, fs.openSync(file, 'a'), options);
      writer.written = completeBytes;
      return writer;
    } catch (e) {
      throw new UserError({ file, message: describeFsError(e as NodeJS.ErrnoException) });
    }
  }

  /** The error that stopped this writer, if any. */
  get error(): UserError | null {
    return this.failure;
  }

  /**
   * Appends one record as one line. The first failure (disk full, I/O error)
   * throws a `UserError`, removes any part of the line that reached the file
   * and stops the writer: later calls write nothing, so the file stays a valid
   * trace of the records before the failure.
   */
  write(record: TraceRecord): void {
    if (this.failure !== null) return;
    if (this.fd === null) throw new Error(`TraceWriter.write after close (${this.file})`);
    const bytes = Buffer.from(this.encoder.encode(record) + '\n', 'utf8');
    let done = 0;
    try {
      while (done < bytes.length) {
        done += this.writeSync(this.fd, bytes, done, bytes.length - done);
      }
      this.written += bytes.length;
    } catch (e) {
      this.failure = new UserError({ file: this.file, message: describeFsError(e as NodeJS.ErrnoException) });
      if (done > 0) {
        try {
          fs.ftruncateSync(this.fd, this.written);
        } catch {
          // Best effort: the reader ignores an incomplete last line anyway.
        }
      }
      this.closeQuietly();
      throw this.failure;
    }
  }

  /** Flushes the trace to the disk and closes it. Safe to call twice; writing after it is a bug. */
  close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    try {
      fs.fsyncSync(fd);
    } catch {
      // Character devices and some file systems cannot fsync; the data is written.
    }
    fs.closeSync(fd);
  }

  private closeQuietly(): void {
    if (this.fd === null) return;
    try {
      fs.closeSync(this.fd);
    } catch {
      // Already failing; the first error is the one reported.
    }
    this.fd = null;
  }
}
