import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { UserError } from '../../../src/shared/errors';
import { encodeTraceRecord, type TraceRecord } from '../../../src/shared/trace/format';
import { endReason, parseTrace, readTrace, readTraceStream } from '../../../src/node/traceReader';
import { TraceWriter } from '../../../src/node/traceWriter';
import { sampleHeader, sampleTrace } from './sampleRecords';

function traceText(records: TraceRecord[]): string {
  return records.map((r) => encodeTraceRecord(r) + '\n').join('');
}

/** Asserts that `fn` throws a UserError at `line` whose message matches `pattern`. */
function assertTraceError(fn: () => unknown, line: number, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    assert.equal(e.info.line, line, e.message);
    assert.match(e.info.message, pattern);
    return true;
  });
}

describe('trace: reading', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nd-trace-read-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('round-trips every record kind, non-finite numbers and look-alike strings included', async () => {
    const records = sampleTrace();
    const file = path.join(dir, 'nested', 'run.trace.jsonl');
    const writer = TraceWriter.open(file);
    for (const r of records) writer.write(r);
    writer.close();

    const text = fs.readFileSync(file, 'utf8');
    // Outside string literals there is no NaN or Infinity: every line is plain JSON.
    assert.doesNotMatch(text.replace(/"(?:\\.|[^"\\])*"/g, '""'), /NaN|Infinity/);
    for (const line of text.trimEnd().split('\n')) JSON.parse(line);
    for (const parsed of [parseTrace(text, file), await readTrace(file)]) {
      assert.deepEqual(parsed.records, records);
      assert.equal(parsed.truncated, false);
      assert.deepEqual(parsed.header, records[0]);
      assert.equal(parsed.steps.length, 2);
      assert.ok(Number.isNaN(parsed.steps[1].stats.loss));
      assert.equal(parsed.steps[0].stats.gradNorm, Infinity);
      assert.equal(parsed.stops.length, 3);
      assert.equal(parsed.stops[1].diagnostic?.id, 'non-finite:dense_é');
      assert.equal(parsed.stops[1].stats?.weights[0].gradHistogram?.counts.length, 2);
      assert.equal(parsed.resumes.length, 1);
      assert.equal(parsed.warnings.length, 1);
      assert.equal(parsed.fileVersion, 3);
      assert.equal(parsed.learningRates[0].to, -Infinity);
      assert.equal(parsed.restores[0].fromStep, 1);
      assert.equal(parsed.epochs.length, 1);
      const evidence = parsed.diagnostics[0].diagnostic.evidence;
      assert.equal(evidence.text, 'NaN');
      assert.equal(evidence.escaped, '\\NaN');
      assert.equal(evidence.minus, '-Infinity');
      assert.equal(Object.getOwnPropertyDescriptor(evidence, '__proto__')?.value, Infinity);
      assert.equal(parsed.header.topology.layers[1].name, 'Infinity');
      assert.equal(endReason(parsed), 'error');
    }
  });

  it('encodes and decodes any numbers and strings unchanged (property)', () => {
    const leaf = fc.oneof(
      fc.double().map((d) => (Object.is(d, -0) ? 0 : d)), // JSON has no -0
      fc.constantFrom('NaN', 'Infinity', '-Infinity', '\\NaN', '\\\\-Infinity', '\\x', 'NaNa', ' Infinity'),
      fc.string(),
      fc.boolean(),
      fc.constant(null),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node')), fc.dictionary(fc.string(), tie('node'), { noNullPrototype: true })),
    })).node;
    fc.assert(
      fc.property(value, (payload) => {
        const record = { type: 'resumed', time: 1, payload } as unknown as TraceRecord;
        const line = encodeTraceRecord(record);
        assert.ok(!line.includes('\n'));
        assert.deepEqual(parseTrace(encodeTraceRecord(sampleHeader()) + '\n' + line + '\n').records[1], record);
      }),
      { numRuns: 300 },
    );
  });

  it('reads a trace cut at any byte offset as the complete records before the cut', () => {
    const records = sampleTrace();
    const bytes = Buffer.from(traceText(records), 'utf8');
    // Byte offset where each record's JSON ends (before its newline).
    const ends: number[] = [];
    let offset = 0;
    for (const r of records) {
      offset += Buffer.byteLength(encodeTraceRecord(r), 'utf8');
      ends.push(offset);
      offset += 1;
    }
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length }), (cut) => {
        const text = bytes.subarray(0, cut).toString('utf8');
        const complete = ends.filter((end) => end <= cut).length;
        if (complete === 0) {
          assertTraceError(() => parseTrace(text, 'cut.jsonl'), 1, /(empty|ends inside its header)/);
          return;
        }
        const parsed = parseTrace(text, 'cut.jsonl');
        assert.deepEqual(parsed.records, records.slice(0, complete));
        const lastEnd = ends[complete - 1];
        // Truncated unless the cut is right after a record (with or without its newline).
        assert.equal(parsed.truncated, cut > lastEnd + 1, `cut ${cut}`);
      }),
      { numRuns: 400, examples: [[0], [1], [ends[0]], [ends[0] + 1], [ends[1] - 1], [bytes.length - 1]] },
    );
  });

  it('streams from disk in small chunks across multi-byte characters, cut files included', async () => {
    const records = sampleTrace();
    const bytes = Buffer.from(traceText(records), 'utf8');
    const file = path.join(dir, 'chunks.jsonl');
    for (const cut of [bytes.length, bytes.length - 1, bytes.length - 40, Math.floor(bytes.length / 2)]) {
      fs.writeFileSync(file, bytes.subarray(0, cut));
      const expected = parseTrace(bytes.subarray(0, cut).toString('utf8'));
      const seen: TraceRecord[] = [];
      const summary = await readTraceStream(file, (r) => seen.push(r), { chunkBytes: 7 });
      assert.deepEqual(seen, expected.records);
      assert.equal(summary.recordCount, expected.records.length);
      assert.equal(summary.truncated, expected.truncated);
      assert.deepEqual(summary.header, records[0]);
    }
  });

  it('accepts blank lines and CRLF line ends', () => {
    const records = sampleTrace().slice(0, 3);
    const text = '\n' + records.map((r) => encodeTraceRecord(r) + '\r\n').join('\n');
    const parsed = parseTrace(text);
    assert.deepEqual(parsed.records, records);
    assert.equal(parsed.truncated, false);
  });

  it('reports garbage and bad headers with the file and line', () => {
    const [header, step, stop, resume] = sampleTrace();
    const good = (r: TraceRecord) => encodeTraceRecord(r);
    const cases: [string, number, RegExp][] = [
      [[good(header), good(step), '{"type":"step", oops', good(stop), ''].join('\n'), 3, /not a JSON record.*damaged/],
      [[good(header), '[1,2]', ''].join('\n'), 2, /expected a JSON object record, found array/],
      [[good(header), '{"type":"bogus","time":1}', ''].join('\n'), 2, /unknown event type "bogus"/],
      [[good(header), '{"type":"reply","time":1,"requestId":1,"ok":true,"result":null}', ''].join('\n'), 2, /unknown event type "reply"/],
      [[good(header), '{"kind":"step","time":1}', ''].join('\n'), 2, /a record without a "type" field; expected one of header/],
      [[good(step), good(header), ''].join('\n'), 1, /first record must be a header, found a "step" record/],
      [[good(header), good(header), ''].join('\n'), 2, /second header/],
      [
        [good(header), '{"type":"learningRate","time":1,"step":2,"from":0.1}', ''].join('\n'),
        2,
        /"learningRate" event: field "to" is missing \(it must be number\)/,
      ],
      [[good(header), '{"type":"resumed"}', ''].join('\n'), 2, /"resumed" event: field "time" is missing/],
      [[good(header), '{"type":"resumed","time":"noon"}', ''].join('\n'), 2, /field "time" must be a number, found string/],
      [
        [good(header), '{"type":"stopped","time":1,"reason":"end","step":1,"epoch":1,"batch":0}', ''].join('\n'),
        2,
        /field "reason" is "end"; expected one of entry, pause/,
      ],
      [[good(header), '{"type":"error","time":1,"fatal":true,"error":{}}', ''].join('\n'), 2, /field "error.message" is missing \(it must be string\)/],
      [
        [good(header), good({ type: 'finished', time: 1, reason: 'completed', steps: 1, epochs: 1, test: null }), good(resume), ''].join('\n'),
        3,
        /"resumed" event after the end of the run on line 2/,
      ],
      [JSON.stringify({ ...sampleHeader(), version: 4 }) + '\n', 1, /version 4 is not supported.*update Neural Debugger/],
      [JSON.stringify({ ...sampleHeader(), version: '2' }) + '\n', 1, /version "2" is not supported/],
      [JSON.stringify({ ...sampleHeader(), version: 1 }) + '\n', 1, /version 1 is not supported.*version 1 header has "kind"/],
      [JSON.stringify({ ...sampleHeader(), format: 'something-else' }) + '\n', 1, /not a Neural Debugger trace/],
      ['{"name":"my model","layers":[]}\n', 1, /first record must be a header, found a JSON object without a "type" field/],
      ['', 1, /empty/],
      ['\n\n', 1, /empty/],
      [[good(header), '{"type":"step","dt":1,"s":[1,0.5,0.1,2,[],[],[]]}', ''].join('\n'), 2, /compact step line.*before any full step record/],
      [[good(header), good(step), '{"type":"step","s":[2,0.5,0.1,2,[],[],[]]}', ''].join('\n'), 3, /compact step line: field "dt" is missing/],
      [[good(header), good(step), '{"type":"step","dt":1,"s":[2,0.5]}', ''].join('\n'), 3, /field "s" of a compact step line must be \[step, loss/],
      [
        [JSON.stringify({ ...sampleHeader(), version: 2 }), good(step), '{"type":"step","dt":1,"s":[2,0.5,0.1,2,[],[],[]]}', ''].join('\n'),
        3,
        /compact step line \("s"\) in a version 2 trace/,
      ],
    ];
    for (const [text, line, pattern] of cases) {
      assertTraceError(() => parseTrace(text, 'bad.jsonl'), line, pattern);
    }
    // The file name is part of the formatted message.
    assert.throws(() => parseTrace('[1]\n', 'runs/a.jsonl'), /^UserError: runs\/a\.jsonl:1:1: error: /);
  });

  it('reports damage from the streaming reader with the line, and a missing file', async () => {
    const [header, step] = sampleTrace();
    const file = path.join(dir, 'damaged.jsonl');
    fs.writeFileSync(file, [encodeTraceRecord(header), encodeTraceRecord(step), 'not json', ''].join('\n'));
    await assert.rejects(readTrace(file), (e: unknown) => e instanceof UserError && e.info.line === 3 && e.info.file === file);
    await assert.rejects(readTrace(path.join(dir, 'absent.jsonl')), /trace file not found/);
    await assert.rejects(readTrace(dir), /folder, not a trace file/);
  });
});
