// Reading run traces from disk. Large traces (hundreds of MB) are streamed
// line by line; only the records are kept, never the whole text.

import * as fs from 'node:fs';
import { UserError } from '../shared/errors';
import type { TraceHeaderRecord, TraceRecord } from '../shared/trace/format';
import { endReason, TraceCollector, TraceParser, parseTrace, type ParsedTrace } from '../shared/trace/parse';

export { endReason, parseTrace, type ParsedTrace };

export interface TraceStreamSummary {
  header: TraceHeaderRecord;
  /** The format version the file was written in (version 1 records are passed on upgraded). */
  fileVersion: number;
  /** Records passed to the callback, the header included. */
  recordCount: number;
  truncated: boolean;
}

export interface TraceStreamOptions {
  /** Bytes read at a time (default 1 MiB). */
  chunkBytes?: number;
}

function fileError(file: string, e: unknown): UserError {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOENT':
      return new UserError({ file, message: 'trace file not found; check the path' });
    case 'EISDIR':
      return new UserError({ file, message: 'this is a folder, not a trace file' });
    case 'EACCES':
    case 'EPERM':
      return new UserError({ file, message: 'no permission to read the trace file' });
    default:
      return new UserError({ file, message: `cannot read the trace file: ${err.message}` });
  }
}

/**
 * Streams the trace in `file`, calling `onRecord` for each record in order
 * (the header first; a version 1 trace's records upgraded). Throws `UserError` (with the line) for a damaged trace.
 */
export async function readTraceStream(file: string, onRecord: (record: TraceRecord) => void, options: TraceStreamOptions = {}): Promise<TraceStreamSummary> {
  const parser = new TraceParser(file);
  let recordCount = 0;
  const emit = (records: TraceRecord[]): void => {
    for (const record of records) {
      recordCount++;
      onRecord(record);
    }
  };
  let pending = '';
  const stream = fs.createReadStream(file, { encoding: 'utf8', highWaterMark: options.chunkBytes ?? 1 << 20 });
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      let start = 0;
      let end = chunk.indexOf('\n');
      if (end === -1) {
        pending += chunk;
        continue;
      }
      emit(parser.pushLine(pending + chunk.slice(0, end)));
      start = end + 1;
      for (end = chunk.indexOf('\n', start); end !== -1; end = chunk.indexOf('\n', start)) {
        emit(parser.pushLine(chunk.slice(start, end)));
        start = end + 1;
      }
      pending = chunk.slice(start);
    }
  } catch (e) {
    stream.destroy();
    // File system errors carry a code; anything else (a damaged trace, a bug in onRecord) passes through.
    if (typeof (e as NodeJS.ErrnoException).code === 'string') throw fileError(file, e);
    throw e;
  }
  emit(parser.finish(pending));
  return { header: parser.header as TraceHeaderRecord, fileVersion: parser.fileVersion, recordCount, truncated: parser.truncated };
}

/** Reads a whole trace, records grouped by event type. */
export async function readTrace(file: string): Promise<ParsedTrace> {
  const collector = new TraceCollector();
  const summary = await readTraceStream(file, (record) => collector.add(record));
  return collector.result(summary);
}
