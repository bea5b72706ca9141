// The runs folder: summaries read from a trace's first and last lines, and
// retention that deletes only the oldest runs, never a run in progress.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listRuns, pruneRuns, readRunSummary } from '../../src/node/runTraces';
import { TraceWriter } from '../../src/node/traceWriter';
import { killedRecord, type TraceRecord } from '../../src/shared/trace/format';
import { sampleHeader, sampleStepStats } from '../shared/trace/sampleRecords';
import { tempDir } from '../trainer/run/harness';

const START = Date.UTC(2026, 0, 2, 3, 4, 5);

/** A trace of `steps` light steps (compact lines after the first) and an optional end record. */
function writeRun(file: string, steps: number, end: TraceRecord | null, padding = 0): void {
  const writer = TraceWriter.open(file);
  const header = sampleHeader(START);
  writer.write({ ...header, topology: { ...header.topology, name: 'spiral' } });
  for (let step = 1; step <= steps; step++) {
    const stats = { ...sampleStepStats(step), detailed: step === 1, batch: step - 1, batchesPerEpoch: 1000, samplesSeen: step * 32 };
    writer.write({ type: 'step', time: START + step, stats });
  }
  for (let i = 0; i < padding; i++) writer.write({ type: 'log', time: START + steps + i, level: 'warning', message: 'x'.repeat(1000) });
  if (end) writer.write(end);
  writer.close();
}

describe('runs folder', () => {
  it('summarizes a run from its header and its last lines: model, start, steps, outcome', () => {
    const dir = tempDir();
    const done = path.join(dir, 'spiral-20260102-030405.jsonl');
    writeRun(done, 30, { type: 'finished', time: START + 100, reason: 'completed', steps: 30, epochs: 1, test: null });
    const summary = readRunSummary(done);
    assert.equal(summary.model, 'spiral');
    assert.equal(summary.modelFile, 'examples/mlp.nn.json');
    assert.equal(summary.started.getTime(), START);
    assert.equal(summary.steps, 30);
    assert.equal(summary.outcome, 'completed');

    const killed = path.join(dir, 'spiral-20260102-030406.jsonl');
    writeRun(killed, 12, killedRecord('the trainer process was killed by SIGKILL', 12, START + 50), 100);
    fs.appendFileSync(killed, '{"type":"step","dt":1,"s":[13,0.5'); // cut by the kill, after the record the parent appended
    const k = readRunSummary(killed);
    assert.equal(k.outcome, 'killed');
    assert.match(k.message ?? '', /SIGKILL/);
    assert.equal(k.steps, 12, 'the last step before the end record, found beyond the first block read');

    const running = path.join(dir, 'spiral-20260102-030407.jsonl');
    writeRun(running, 7, null);
    assert.deepEqual([readRunSummary(running).outcome, readRunSummary(running).steps], ['unfinished', 7]);

    fs.writeFileSync(path.join(dir, 'notes.jsonl'), 'my own file\n');
    assert.deepEqual(
      listRuns(dir).map((r) => path.basename(r.file)),
      ['spiral-20260102-030407.jsonl', 'spiral-20260102-030406.jsonl', 'spiral-20260102-030405.jsonl'],
      'newest first, only the traces the extension named',
    );
    assert.deepEqual(listRuns(path.join(dir, 'absent')), []);
  });

  it('retention deletes the oldest runs of each model past the count, never a run in progress or another file', () => {
    const dir = tempDir();
    const name = (model: string, second: number) => path.join(dir, `${model}-20260102-0304${String(second).padStart(2, '0')}.jsonl`);
    for (let s = 1; s <= 5; s++) fs.writeFileSync(name('spiral', s), `{"type":"header"}\n`);
    for (let s = 1; s <= 2; s++) fs.writeFileSync(name('mnist', s), `{"type":"header"}\n`);
    fs.writeFileSync(path.join(dir, 'keep-me.jsonl'), 'x');
    const deleted = pruneRuns(dir, { keepPerModel: 2, maxTotalBytes: 0 }, new Set([name('spiral', 1)]));
    assert.deepEqual(deleted.sort(), [name('spiral', 2), name('spiral', 3)]);
    assert.ok(fs.existsSync(name('spiral', 1)), 'the run in progress stays');
    assert.ok(fs.existsSync(name('spiral', 4)) && fs.existsSync(name('spiral', 5)));
    assert.ok(fs.existsSync(name('mnist', 1)) && fs.existsSync(name('mnist', 2)), 'counted per model');
    assert.ok(fs.existsSync(path.join(dir, 'keep-me.jsonl')));
    assert.deepEqual(pruneRuns(dir, { keepPerModel: 0, maxTotalBytes: 0 }), [], '0 keeps every run');
    // A run about to start counts as its model's newest: with it, 2 mnist runs.
    assert.deepEqual(pruneRuns(dir, { keepPerModel: 2, maxTotalBytes: 0 }, new Set([name('spiral', 1)]), name('mnist', 9)), [name('mnist', 1)]);
  });

  it('retention keeps the newest runs within the size cap', () => {
    const dir = tempDir();
    const name = (second: number) => path.join(dir, `m${second % 2}-20260102-0304${String(second).padStart(2, '0')}.jsonl`);
    const sizes = [100, 400, 300, 200, 50]; // oldest first
    sizes.forEach((bytes, i) => fs.writeFileSync(name(i + 1), 'x'.repeat(bytes)));
    // Newest first: 50 + 200 + 300 = 550 fit in 600; 400 does not, and so the older 100 goes too.
    const deleted = pruneRuns(dir, { keepPerModel: 0, maxTotalBytes: 600 }, new Set([name(1)]));
    assert.deepEqual(deleted, [name(2)]);
    assert.ok(fs.existsSync(name(1)), 'the run in progress stays even past the cap');
    assert.deepEqual(pruneRuns(dir, { keepPerModel: 0, maxTotalBytes: 600 }), [name(1)]);
  });
});
