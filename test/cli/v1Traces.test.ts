// The version 1 traces kept as fixtures were recorded by real runs; the same
// runs today, written as the current version, must equal their upgrade
// (statistics rounded as the current version keeps them) wherever version 1
// kept the information (it did not keep the statistics of a pause that
// measured its histograms again).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readTrace, type ParsedTrace } from '../../src/node/traceReader';
import { roundedTraceRecord } from '../../src/shared/trace/compact';
import type { TraceRecord } from '../../src/shared/trace/format';
import { tempDir } from '../trainer/run/harness';
import { ROOT, runCli } from './helpers';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'traces');

/** What two recordings of one run share: no times, durations, absolute paths or backend report (the fixture says `auto`). */
function comparable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(comparable);
  if (value === null || typeof value !== 'object') return value;
  const dropped = new Set(['time', 'durationMs', 'modelFile', 'backend']);
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => !dropped.has(k))
      .map(([k, v]) => [k, comparable(v)]),
  );
}

/** The v2 records without what version 1 could not know: a pause's statistics where the upgrade has none. */
function withoutUnknown(v2: TraceRecord[], upgraded: TraceRecord[]): TraceRecord[] {
  return v2.map((r, i) => {
    const old = upgraded[i];
    if (r.type !== 'stopped' || old?.type !== 'stopped' || old.stats !== undefined) return r;
    const { stats: _stats, ...rest } = r;
    return rest;
  });
}

/**
 * The example as it was when the fixture was recorded: it then had a `$schema`
 * line under its opening brace, so its layers sat one line lower (the layer
 * records carry their spec lines).
 */
function exampleAsRecorded(example: string, dir: string): string {
  const copy = path.join(dir, path.basename(example));
  const text = fs.readFileSync(path.join(ROOT, example), 'utf8');
  fs.writeFileSync(copy, text.replace(/^\{\n/, '{\n  "$schema": "../schema/model-spec.schema.json",\n'));
  return copy;
}

async function recordAgain([example, ...args]: string[]): Promise<ParsedTrace> {
  const dir = tempDir();
  const trace = path.join(dir, 'again.jsonl');
  const r = await runCli(['train', exampleAsRecorded(example, dir), ...args, '--backend', 'wasm', '--trace', trace]);
  assert.equal(r.code, 3, r.stderr); // both runs stop on purpose
  return readTrace(trace);
}

describe('version 1 fixtures against the same runs today', () => {
  const runs: [string, string[]][] = [
    ['v1-spiral-mlp', ['examples/spiral-mlp.nn.json', '--steps', '40', '--stats-every', '5', '--histograms-every', '20', '--break-when', 'step == 40']],
    ['v1-deep-sigmoid', ['examples/deep-sigmoid.nn.json', '--break-on', 'vanishing-gradient', '--histograms-every', '1000']],
  ];
  for (const [name, args] of runs) {
    it(`${name}: the upgraded records are what the current writer writes`, async () => {
      const upgraded = (await readTrace(path.join(FIXTURES, `${name}.jsonl`))).records;
      const now = (await recordAgain(args)).records;
      assert.equal(now.length, upgraded.length);
      assert.deepEqual(comparable(upgraded.map(roundedTraceRecord)), comparable(withoutUnknown(now, upgraded)));
    });
  }
});
