import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UserError } from '../../src/shared/errors';
import { killedRecord, type TraceRecord } from '../../src/shared/trace/format';
import { endReason, readTrace } from '../../src/node/traceReader';
import { TraceWriter } from '../../src/node/traceWriter';
import { sampleHeader, sampleStepStats, sampleTrace } from '../shared/trace/sampleRecords';

function step(n: number): TraceRecord {
  return { type: 'step', time: 1 + n, stats: sampleStepStats(n + 1) };
}

/** Runs the writer child until it has written some records, then SIGKILLs it at a random moment. */
function writeUntilKilled(file: string, extraDelayMs: number): Promise<NodeJS.Signals | null> {
  const script = path.join(__dirname, 'writeUntilKilled.ts');
  const child = spawn(process.execPath, ['-r', require.resolve('tsx/cjs'), script, file], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (_code, signal) => resolve(signal));
    child.stdout.once('data', () => setTimeout(() => child.kill('SIGKILL'), extraDelayMs));
  });
}

describe('trace: writing', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nd-trace-write-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('leaves a readable trace of complete records when the writer process is SIGKILLed', async () => {
    for (const [i, delay] of [0, 37, 150].entries()) {
      const file = path.join(dir, `killed-${i}.jsonl`);
      const signal = await writeUntilKilled(file, delay);
      assert.equal(signal, 'SIGKILL');
      const trace = await readTrace(file);
      assert.ok(trace.steps.length >= 50, `only ${trace.steps.length} steps`);
      assert.equal(trace.end, null);
      trace.steps.forEach((r, n) => {
        assert.equal(r.stats.step, n + 1);
        assert.equal(r.stats.weights.length, 60);
        assert.ok(Number.isNaN(r.stats.weights[59].gradNorm));
      });
      // The parent can then record how the run ended.
      const before = trace.steps.length;
      const parent = TraceWriter.append(file);
      parent.write(killedRecord('the trainer process was killed by SIGKILL', before, 2));
      parent.close();
      const ended = await readTrace(file);
      assert.equal(ended.steps.length, before);
      assert.equal(endReason(ended), 'killed');
      assert.equal(ended.truncated, false);
    }
  });

  it('append cuts off an incomplete last line before adding records', async () => {
    const file = path.join(dir, 'partial.jsonl');
    const writer = TraceWriter.open(file);
    writer.write(sampleHeader());
    writer.write(step(0));
    writer.close();
    fs.appendFileSync(file, '{"type":"step","time":3,"stats":{"st');
    assert.equal((await readTrace(file)).truncated, true);
    const parent = TraceWriter.append(file);
    parent.write(killedRecord('the trainer process exited with code 70', 1, 4));
    parent.close();
    const trace = await readTrace(file);
    assert.deepEqual(
      trace.records.map((r) => r.type),
      ['header', 'step', 'error'],
    );
    assert.equal(trace.end?.type === 'error' && trace.end.error.message, 'the trainer process exited with code 70 (after step 1)');
    assert.equal(trace.truncated, false);
    assert.throws(() => TraceWriter.append(path.join(dir, 'none.jsonl')), /no trace to append to/);
  });

  it('creates missing folders and overwrites an earlier trace at the same path', async () => {
    const file = path.join(dir, 'a', 'b', 'rerun.jsonl');
    for (const steps of [5, 2]) {
      const writer = TraceWriter.open(file);
      writer.write(sampleHeader());
      for (let n = 0; n < steps; n++) writer.write(step(n));
      writer.close();
      writer.close();
      assert.throws(() => writer.write(step(0)), /write after close/);
      assert.equal((await readTrace(file)).steps.length, steps);
    }
  });

  it('refuses to overwrite a file that is not a trace', () => {
    const spec = path.join(dir, 'model.nn.json');
    fs.writeFileSync(spec, '{"layers": []}');
    assert.throws(
      () => TraceWriter.open(spec),
      (e: unknown) => e instanceof UserError && e.info.file === spec && /not a Neural Debugger trace; refusing/.test(e.message),
    );
    assert.equal(fs.readFileSync(spec, 'utf8'), '{"layers": []}');
    const empty = path.join(dir, 'empty.jsonl');
    fs.writeFileSync(empty, '');
    TraceWriter.open(empty).close();
    // A version 1 trace is a trace: a re-run overwrites it, but nothing is appended to it.
    const old = path.join(dir, 'old.jsonl');
    fs.copyFileSync(path.join(__dirname, '..', 'fixtures', 'traces', 'v1-spiral-mlp.jsonl'), old);
    assert.throws(() => TraceWriter.append(old), /no trace to append to/);
    TraceWriter.open(old).close();
    assert.equal(fs.readFileSync(old, 'utf8'), '');
  });

  it('reports an unwritable path as a UserError on open', () => {
    const notAFolder = path.join(dir, 'plain-file');
    fs.writeFileSync(notAFolder, 'x');
    for (const file of [path.join(notAFolder, 'run.jsonl'), path.join(notAFolder, 'sub', 'run.jsonl')]) {
      assert.throws(
        () => TraceWriter.open(file),
        (e: unknown) => e instanceof UserError && e.info.file === file && /is a file, not a folder/.test(e.message),
      );
    }
    assert.throws(() => TraceWriter.open(dir), /this is a folder; give a file name/);
  });

  it('reports a full disk on write and then writes nothing more', () => {
    const writer = TraceWriter.open('/dev/full');
    assert.throws(
      () => writer.write(sampleHeader()),
      (e: unknown) => e instanceof UserError && e.info.file === '/dev/full' && /disk is full/.test(e.message),
    );
    assert.ok(writer.error instanceof UserError);
    writer.write(step(0));
    writer.close();
  });

  it('removes the part of a line written before a failure, keeping the trace valid', async () => {
    const file = path.join(dir, 'disk-full.jsonl');
    let budget = 3000;
    // Simulates a disk that fills up: writes succeed partially, then fail.
    const writeSync = (fd: number, buffer: Uint8Array, offset: number, length: number): number => {
      if (budget === 0) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      const n = Math.min(length, budget);
      budget -= n;
      return fs.writeSync(fd, buffer, offset, n);
    };
    const writer = TraceWriter.open(file, { writeSync });
    const records = sampleTrace();
    let written = 0;
    assert.throws(() => {
      for (const r of records) {
        writer.write(r);
        written++;
      }
    }, /disk is full/);
    assert.ok(written >= 1 && written < records.length, `${written} records written`);
    writer.write(step(9)); // ignored after the failure
    const trace = await readTrace(file);
    assert.deepEqual(trace.records, records.slice(0, written));
    assert.equal(trace.truncated, false);
    assert.ok(fs.readFileSync(file, 'utf8').endsWith('\n'));
  });
});
