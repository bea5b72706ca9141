// Open run trace: the picker's rows (model, start, steps, outcome) from the
// runs folders and this window's traces, and the replay the chosen one opens.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { collectRuns, runPickRows } from '../../src/extension/runPicker';
import { loadReplay } from '../../src/extension/views/replay';
import { TraceWriter } from '../../src/node/traceWriter';
import { killedRecord, type TraceRecord } from '../../src/shared/trace/format';
import { parseTrace } from '../../src/shared/trace/parse';
import { tempDir } from '../trainer/run/harness';

const FIXTURE = path.resolve(__dirname, '..', 'fixtures', 'traces', 'v2-spiral-mlp.jsonl');
const recorded = parseTrace(fs.readFileSync(FIXTURE, 'utf8'), 'v2-spiral-mlp.jsonl');

/** The fixture's run (60 steps, completed), rewritten as the current writer writes it, started at `start`, cut after `steps` steps. */
function writeRun(file: string, start: Date, steps = 60, end?: TraceRecord): void {
  const writer = TraceWriter.open(file);
  const shift = start.getTime() - recorded.header.time;
  for (const r of recorded.records) {
    if (r.type === 'step' && r.stats.step > steps) break;
    if (r.type === 'finished' && steps < 60) break;
    writer.write({ ...r, time: r.time + shift });
  }
  if (end) writer.write(end);
  writer.close();
}

describe('extension: Open run trace', () => {
  it('lists the runs of the runs folders and of this window, newest first, with model, start, steps and outcome', () => {
    const runs = path.join(tempDir(), '.neural-debugger', 'runs');
    fs.mkdirSync(runs, { recursive: true });
    const first = path.join(runs, 'spiral-mlp-20260102-030405.jsonl');
    writeRun(first, new Date(2026, 0, 2, 3, 4, 5));
    const failed = path.join(runs, 'spiral-mlp-20260102-040000.jsonl');
    writeRun(failed, new Date(2026, 0, 2, 4, 0, 0), 12, killedRecord('the trainer process was killed by SIGKILL', 12, Date.now()));
    const elsewhere = path.join(tempDir(), 'my-trace.jsonl');
    writeRun(elsewhere, new Date(2026, 0, 3, 9, 30, 0), 25);

    const all = collectRuns([runs, path.join(runs, 'absent')], [elsewhere, first, path.join(runs, 'not-yet.jsonl')]);
    const rows = runPickRows(all, new Set([elsewhere]));
    assert.deepEqual(
      rows.map(({ label, description, file }) => ({ label, description, file })),
      [
        { label: 'spiral-mlp', description: '2026-01-03 09:30:00', file: elsewhere },
        { label: 'spiral-mlp', description: '2026-01-02 04:00:00', file: failed },
        { label: 'spiral-mlp', description: '2026-01-02 03:04:05', file: first },
      ],
    );
    assert.match(rows[0].detail, /^running · 25 steps so far · \d+ KB · my-trace\.jsonl$/);
    assert.match(rows[1].detail, /^12 steps · killed · /);
    assert.match(rows[2].detail, /^60 steps · completed · \d+ KB · spiral-mlp-20260102-030405\.jsonl$/);
    // Without the session, the cut trace is what it is on disk.
    assert.match(runPickRows(all, new Set())[0].detail, /^25 steps · unfinished \(no end record/);
  });

  it('replays the chosen trace as the events the run sent, with a note on how it ended', async () => {
    const file = path.join(tempDir(), 'spiral-mlp-20260102-030405.jsonl');
    writeRun(file, new Date(2026, 0, 2, 3, 4, 5));
    const replay = await loadReplay(file);
    assert.equal(replay.name, 'Replay: spiral-mlp');
    assert.equal(replay.file, file);
    assert.equal(replay.events[0].type, 'header');
    assert.deepEqual(
      replay.events.flatMap((e) => (e.type === 'step' ? [e.stats.step] : [])),
      Array.from({ length: 60 }, (_, i) => i + 1),
    );
    assert.equal(replay.events.at(-1)?.type, 'finished');
    assert.ok(
      replay.events.every((e) => !('time' in e)),
      'events, not records',
    );
    assert.equal(replay.note, 'Replay of spiral-mlp-20260102-030405.jsonl.');

    const cut = path.join(tempDir(), 'cut.jsonl');
    writeRun(cut, new Date(), 30);
    fs.appendFileSync(cut, '{"type":"step","dt":3,"s":[31,0.6');
    assert.match((await loadReplay(cut)).note ?? '', /ends in the middle of a record/);

    fs.writeFileSync(cut, '{"type":"header","time":1}\n');
    await assert.rejects(loadReplay(cut), /cut\.jsonl:1:1: error: .*format/);
  });
});
