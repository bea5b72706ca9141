// A recorded run for the views (Open run trace): the trace streamed from disk
// into the same bounded store a live session's events go into, so that a
// long run replays with the bounds of a live catch-up (docs/views.md). No
// `vscode` import: unit-tested under mocha.

import * as path from 'node:path';
import { readTraceStream } from '../../node/traceReader';
import { eventOfRecord } from '../../shared/trace/format';
import { SessionEventStore } from './sessionEventStore';
import type { Replay } from './viewHub';

/** Reads `file` as a replay; a damaged trace throws the reader's UserError (file and line). */
export async function loadReplay(file: string): Promise<Replay> {
  const store = new SessionEventStore();
  let end = false;
  const summary = await readTraceStream(file, (record) => {
    if (record.type === 'finished' || (record.type === 'error' && record.fatal)) end = true;
    store.add(eventOfRecord(record));
  });
  const notes = [`Replay of ${path.basename(file)}.`];
  if (summary.truncated) notes.push('The trace ends in the middle of a record (the run was killed): showing what was recorded.');
  else if (!end) notes.push('The trace has no end record (the run was killed, or is still running elsewhere): showing what was recorded.');
  return { file, name: `Replay: ${summary.header.topology.name}`, events: store.all(), note: notes.join(' ') };
}
