// Version 1 traces (per-kind records) still open: each record upgrades to
// the version 2 records a current trainer writes for the same moment.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeJson } from '../../../src/shared/json';
import { killedRecord, TRACE_FORMAT_VERSION } from '../../../src/shared/trace/format';
import { endReason, parseTrace } from '../../../src/shared/trace/parse';
import { newV1UpgradeState, upgradeV1Record, type V1Record } from '../../../src/shared/trace/upgrade';
import { SAMPLE_TIME, sampleV1Trace } from './sampleRecords';

const FIXTURES = path.resolve(__dirname, '..', '..', 'fixtures', 'traces');

function v1Text(records: V1Record[]): string {
  // `kind` first, as version 1 wrote it.
  return records.map((r) => encodeJson(Object.assign({ kind: r.kind }, r)) + '\n').join('');
}

describe('trace: version 1 upgrade', () => {
  it('upgrades every version 1 kind to what version 2 writes (header, step, stop, resume, lr, diagnostic, restore, epoch, end)', () => {
    const state = newV1UpgradeState();
    for (const { v1, v2 } of sampleV1Trace()) {
      assert.deepEqual(upgradeV1Record(v1, state), v2, `v1 "${v1.kind}" record at time ${v1.time - SAMPLE_TIME}`);
    }
  });

  it('lr: the step is the updates applied before the change (version 1 wrote the next update)', () => {
    const [record] = upgradeV1Record({ kind: 'lr', time: 5, step: 11, from: 0.1, to: 0.01 }, newV1UpgradeState());
    assert.deepEqual(record, { type: 'learningRate', time: 5, step: 10, from: 0.1, to: 0.01 });
  });

  it('restore: a restored event, then the stop at the restored point; the stop after it carries no stale statistics', () => {
    const state = newV1UpgradeState();
    const step = sampleV1Trace()[1].v1;
    upgradeV1Record(step, state);
    assert.deepEqual(upgradeV1Record({ kind: 'restore', time: 7, epoch: 2, step: 25, fromStep: 31 }, state), [
      { type: 'restored', time: 7, epoch: 2, step: 25, fromStep: 31 },
      { type: 'stopped', time: 7, reason: 'step', step: 25, epoch: 2, batch: 0 },
    ]);
    const [stop] = upgradeV1Record({ kind: 'stop', time: 8, reason: 'pause', step: 1, epoch: 1, batch: 0 }, state);
    assert.equal(stop.type === 'stopped' && stop.stats, undefined);
  });

  it('resume becomes resumed', () => {
    assert.deepEqual(upgradeV1Record({ kind: 'resume', time: 3 }, newV1UpgradeState()), [{ type: 'resumed', time: 3 }]);
  });

  it('end: completed and stopped become finished; error and killed a fatal error, killed as the parent writes it now', () => {
    const state = newV1UpgradeState();
    const end = (reason: string, error: unknown = null): V1Record => ({ kind: 'end', time: 9, reason, steps: 30, epochs: 1, test: null, error });
    assert.deepEqual(upgradeV1Record(end('completed'), state), [{ type: 'finished', time: 9, reason: 'completed', steps: 30, epochs: 1, test: null }]);
    assert.deepEqual(upgradeV1Record(end('stopped'), state), [{ type: 'finished', time: 9, reason: 'stopped', steps: 30, epochs: 1, test: null }]);
    assert.deepEqual(upgradeV1Record(end('error', { field: 'model.layers', message: 'bad' }), state), [
      { type: 'error', time: 9, fatal: true, error: { field: 'model.layers', message: 'bad' } },
    ]);
    const why = 'the trainer process was killed by SIGKILL';
    assert.deepEqual(upgradeV1Record(end('killed', { message: why }), state), [killedRecord(why, 30, 9)]);
    assert.deepEqual(upgradeV1Record(end('killed', null), state)[0], {
      type: 'error',
      time: 9,
      fatal: true,
      killed: true,
      error: { message: 'the trainer process was killed (after step 30)' },
    });
  });

  it('parses a version 1 text as the version 2 records, with the file version kept', () => {
    const samples = sampleV1Trace();
    const parsed = parseTrace(v1Text(samples.map((s) => s.v1)), 'old.jsonl');
    assert.deepEqual(
      parsed.records,
      samples.flatMap((s) => s.v2),
    );
    assert.equal(parsed.fileVersion, 1);
    assert.equal(parsed.header.version, TRACE_FORMAT_VERSION);
    assert.equal(endReason(parsed), 'error');
  });

  it('reports a damaged version 1 record with its line and kind', () => {
    const [header] = sampleV1Trace();
    const text = v1Text([header.v1]) + '{"kind":"stop","time":2,"reason":"pause","epoch":1,"batch":0}\n{"kind":"stopped","time":3}\n';
    assert.throws(() => parseTrace(text, 'old.jsonl'), /old\.jsonl:2:1: error: "stop" record \(version 1\): field "step" is missing \(it must be number\)/);
    const text2 = v1Text([header.v1]) + '{"kind":"stopped","time":3}\n';
    assert.throws(() => parseTrace(text2, 'old.jsonl'), /old\.jsonl:2:1: error: unknown record kind "stopped".*version 1/);
  });

  describe('real version 1 traces', () => {
    it('v1-spiral-mlp: a breakpoint stop with its statistics, then the end', () => {
      const parsed = parseTrace(fs.readFileSync(path.join(FIXTURES, 'v1-spiral-mlp.jsonl'), 'utf8'), 'v1-spiral-mlp.jsonl');
      assert.equal(parsed.fileVersion, 1);
      assert.equal(parsed.truncated, false);
      assert.equal(parsed.steps.length, 40);
      assert.deepEqual(
        parsed.steps.map((s) => s.stats.step),
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
      const [stop] = parsed.stops;
      assert.equal(stop.reason, 'breakpoint');
      assert.equal(stop.breakpointId, 1);
      // Step 40 recorded histograms itself (histogramsEvery 20): the pause's statistics are that step's.
      assert.equal(stop.stats, parsed.steps[39].stats);
      assert.equal(endReason(parsed), 'stopped');
    });

    it('v1-deep-sigmoid: a diagnostic stop carries the diagnostic that fired', () => {
      const parsed = parseTrace(fs.readFileSync(path.join(FIXTURES, 'v1-deep-sigmoid.jsonl'), 'utf8'), 'v1-deep-sigmoid.jsonl');
      const [stop] = parsed.stops;
      assert.equal(stop.reason, 'diagnostic');
      assert.equal(stop.diagnostic?.kind, 'vanishing-gradient');
      assert.deepEqual(stop.diagnostic, parsed.diagnostics.at(-1)?.diagnostic);
      assert.equal(stop.step, 31);
      assert.equal(endReason(parsed), 'stopped');
    });
  });
});
