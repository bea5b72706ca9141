// Version 3 traces: light steps as compact lines, numbers to 7 significant
// digits. A compact trace reads back as exactly the records of the full one,
// rounded; version 2 traces (every step in full) still open.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readTrace } from '../../../src/node/traceReader';
import { TraceWriter } from '../../../src/node/traceWriter';
import { roundedTraceRecord } from '../../../src/shared/trace/compact';
import { TRACE_FORMAT_VERSION, type TraceRecord } from '../../../src/shared/trace/format';
import { endReason, parseTrace } from '../../../src/shared/trace/parse';

const V2_FIXTURE = path.resolve(__dirname, '..', '..', 'fixtures', 'traces', 'v2-spiral-mlp.jsonl');

function writeTrace(records: TraceRecord[]): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nd-compact-')), 'run.jsonl');
  const writer = TraceWriter.open(file);
  for (const r of records) writer.write(r);
  writer.close();
  return file;
}

function lines(file: string): string[] {
  return fs.readFileSync(file, 'utf8').trimEnd().split('\n');
}

describe('trace: compact step lines (version 3)', () => {
  const full = parseTrace(fs.readFileSync(V2_FIXTURE, 'utf8'), 'v2-spiral-mlp.jsonl');

  it('opens a version 2 trace of a real run (every step in full) as it was written', () => {
    assert.equal(full.fileVersion, 2);
    assert.equal(full.header.version, TRACE_FORMAT_VERSION);
    assert.equal(full.steps.length, 60);
    assert.deepEqual(
      full.steps.map((s) => s.stats.step),
      Array.from({ length: 60 }, (_, i) => i + 1),
    );
    assert.equal(endReason(full), 'completed');
  });

  it('writes every step without histograms compactly and reads back every field of the full trace, rounded', async () => {
    const file = writeTrace(full.records);
    const text = lines(file);
    const withoutHistograms = full.steps.filter((s) => !s.stats.withHistograms);
    const compact = text.filter((l) => l.startsWith('{"type":"step","dt":'));
    assert.equal(compact.length, withoutHistograms.length, 'every step without histograms is a compact line (the first step has histograms)');
    assert.equal(
      compact.filter((l) => l.includes('"d":')).length,
      withoutHistograms.filter((s) => s.stats.detailed).length,
      'detailed steps carry their detail',
    );
    assert.ok(
      compact.every((l) => !l.includes('"stats"')),
      'compact lines carry no field names of the statistics',
    );
    const read = await readTrace(file);
    assert.equal(read.fileVersion, TRACE_FORMAT_VERSION);
    assert.deepEqual(read.records, full.records.map(roundedTraceRecord));
    // Rounding keeps 7 significant digits: within float32 resolution of what the trainer measured.
    read.steps.forEach((s, i) => assert.ok(Math.abs(s.stats.loss - full.steps[i].stats.loss) <= 5e-7 * Math.abs(full.steps[i].stats.loss)));
    const fullBytes = fs.statSync(V2_FIXTURE).size;
    const compactBytes = fs.statSync(file).size;
    assert.ok(compactBytes * 3 < fullBytes, `compact ${compactBytes} bytes vs full ${fullBytes}`);
  });

  it('writes in full, and reads back, the steps the previous one does not predict', async () => {
    const records = full.records.map((r) => structuredClone(r));
    const steps = records.filter((r): r is TraceRecord & { type: 'step' } => r.type === 'step');
    const changed = new Set<number>();
    const change = (i: number, edit: (s: (typeof steps)[number]['stats']) => void): void => {
      edit(steps[i].stats);
      changed.add(steps[i].stats.step);
    };
    change(4, (s) => (s.learningRate = 0.002)); // a learning-rate change
    change(5, (s) => (s.learningRate = 0.002)); // …kept: predicted from step 5 again
    change(6, (s) => {
      s.loss = NaN;
      s.nonFinite = 3;
    });
    change(13, (s) => (s.batch = 3)); // a step back replays from batch 3
    change(15, (s) => (s.weights[0].gradNorm = null));
    change(22, (s) => (s.batchSize = 8)); // a short last batch
    change(33, (s) => (s.metrics = { accuracy: 0.5, precision: 0.25 }));
    assert.ok(steps[39].stats.detailed);
    change(39, (s) => (s.weights[0].gradNonFinite = 2)); // a detailed step
    const file = writeTrace(records);
    const fullLines = lines(file).filter((l) => l.startsWith('{"type":"step","time":'));
    const fullSteps = new Set(fullLines.map((l) => Number(/"step":(\d+)/.exec(l.slice(20))?.[1])));
    for (const step of [5, 7, 14, 23, 34, 40]) assert.ok(fullSteps.has(step), `step ${step} is written in full`);
    assert.ok(!fullSteps.has(6), 'step 6 keeps the rate of step 5: compact');
    assert.ok(!fullSteps.has(16), 'a null gradient norm fits a compact line');
    const read = await readTrace(file);
    assert.deepEqual(read.records, records.map(roundedTraceRecord));
    assert.ok(Number.isNaN(read.steps[6].stats.loss));
  });

  it('reports a damaged compact line with its line number', () => {
    const text = lines(writeTrace(full.records.slice(0, 12)));
    const detailed = text.findIndex((l) => l.includes('"d":'));
    assert.ok(detailed > 0);
    const damaged = [...text.slice(0, detailed), text[detailed].replace('"d":[[', '"d":[[[1],'), ''].join('\n');
    assert.throws(
      () => parseTrace(damaged, 'run.jsonl'),
      new RegExp(`^UserError: run\\.jsonl:${detailed + 1}:1: error: compact step line: field "d" of a compact step line must be`),
    );
  });
});
