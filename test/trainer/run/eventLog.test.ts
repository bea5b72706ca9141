// The trainer writes each traced event once, through one sink: the trace of
// a run is exactly its traced events, in order, each with its time.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { decodeJson, encodeJson } from '../../../src/shared/json';
import type { TrainerEvent } from '../../../src/shared/protocol';
import { roundTraceNumbers } from '../../../src/shared/trace/compact';
import { eventOfRecord, isTracedEvent } from '../../../src/shared/trace/format';
import { endReason, readTrace } from '../../../src/node/traceReader';
import { EventLog } from '../../../src/node/eventLog';
import { sampleHeader, sampleStepStats } from '../../shared/trace/sampleRecords';
import { ControllerHarness, tempDir, writeSpiralSpec } from './harness';

describe('trainer: event log', () => {
  it('a run with a pause, a learning-rate change and a step back: the trace holds each traced event once, as emitted', async () => {
    const dir = tempDir();
    const trace = path.join(dir, 'run.jsonl');
    const h = await ControllerHarness.start({ modelFile: writeSpiralSpec(dir), stopOnEntry: true, traceFile: trace });
    await h.next('stopped');
    h.send({ type: 'stepEpoch' });
    await h.next('stopped');
    h.send({ type: 'stepBatch' });
    const paused = await h.next('stopped');
    const changed = await h.request({ type: 'setLearningRate', requestId: 1, value: 0.002 });
    assert.equal(changed.ok, true);
    const back = await h.request({ type: 'stepBack', requestId: 2 });
    assert.equal(back.ok, true);
    await h.next('stopped');
    h.send({ type: 'continue' });
    await h.done;

    const lr = h.events.find((e) => e.type === 'learningRate');
    assert.deepEqual(lr, { type: 'learningRate', step: paused.step, from: 0.01, to: 0.002 });
    const restored = h.events.find((e) => e.type === 'restored');
    assert.deepEqual(restored, { type: 'restored', epoch: 2, step: h.controller.batchesPerEpoch, fromStep: paused.step });

    const parsed = await readTrace(trace);
    const traced = h.events.filter(isTracedEvent);
    assert.deepEqual(
      parsed.records.map((r) => r.type),
      traced.map((e) => e.type),
    );
    // Through the codec, as the trace was written (the header left out: the
    // controller updates the run settings' rate in place after it was sent),
    // the statistics to the trace's 7 significant digits.
    const written = parsed.records.map(eventOfRecord);
    const asWritten = (e: TrainerEvent): unknown => {
      const decoded = decodeJson(encodeJson(e)) as TrainerEvent;
      return (decoded.type === 'step' || decoded.type === 'stopped') && decoded.stats ? { ...decoded, stats: roundTraceNumbers(decoded.stats) } : decoded;
    };
    traced.forEach((e, i) => i > 0 && assert.deepEqual(written[i], asWritten(e), `event ${i} (${e.type})`));
    assert.ok(
      h.events.some((e) => !isTracedEvent(e)),
      'the run also emitted events the trace leaves out (breakpoints, replies)',
    );
    assert.equal(parsed.learningRates.length, 1);
    assert.equal(parsed.restores.length, 1);
    assert.equal(endReason(parsed), 'completed');
    assert.ok(parsed.records.every((r, i) => i === 0 || r.time >= parsed.records[i - 1].time));
    // The pause's statistics are in the trace, histograms included.
    assert.ok(parsed.stops.some((s) => s.stats?.withHistograms));
  });

  it('writes warnings sent before the header right after it, and nothing after the run ended', async () => {
    const trace = path.join(tempDir(), 'log.jsonl');
    const forwarded: TrainerEvent[] = [];
    const log = new EventLog((e) => forwarded.push(e));
    const { type: _t, time: _time, format: _f, version: _v, ...header } = sampleHeader();
    log.emit({ type: 'progress', message: 'loading data' });
    log.emit({ type: 'log', level: 'warning', message: 'the data has 3 duplicate rows' });
    log.emit({ type: 'log', level: 'info', message: 'an info line' });
    log.openTrace(trace);
    log.emit({ type: 'header', ...header });
    log.emit({ type: 'step', stats: sampleStepStats(1) });
    log.emit({ type: 'error', fatal: false, error: { message: 'not fatal' } });
    log.emit({ type: 'finished', reason: 'completed', steps: 1, epochs: 0, test: null });
    log.emit({ type: 'error', fatal: true, error: { message: 'after the end' } });
    assert.equal(forwarded.length, 8, 'every event is forwarded');
    const parsed = await readTrace(trace);
    assert.deepEqual(
      parsed.records.map((r) => r.type),
      ['header', 'log', 'step', 'finished'],
    );
    assert.equal(parsed.warnings[0].message, 'the data has 3 duplicate rows');
  });

  it('a trace write failure throws before the event is forwarded', () => {
    const forwarded: TrainerEvent[] = [];
    const log = new EventLog((e) => forwarded.push(e));
    log.openTrace('/dev/full');
    const { type: _t, time: _time, format: _f, version: _v, ...header } = sampleHeader();
    assert.throws(() => log.emit({ type: 'header', ...header }), /disk is full/);
    assert.equal(forwarded.length, 0);
    // The trace is given up; events still reach the parent.
    log.emit({ type: 'error', fatal: true, error: { message: 'the disk is full' } });
    assert.equal(forwarded.length, 1);
  });
});
