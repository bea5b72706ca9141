// Bytes per step of a run trace, version 2 (every record in full, every
// number to 17 digits) against version 3 (the current writer: compact step
// lines, 7 significant digits), for the same run at the default schedule.
// Results: docs/performance.md ("Trace size"), docs/trace-format.md.
//
//   npm run build && npx tsx bench/traceSize.ts [MODEL_FILE ...]   (default: spiral-mlp, mnist-mlp)
//
// One run of each model through the CLI with `--json --trace`: stdout has
// every event at full precision, the trace has the time of each traced one;
// the version 2 size is the same records encoded as version 2 wrote them.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeJson } from '../src/shared/json';
import type { TrainerEvent } from '../src/shared/protocol';
import { CompactTraceEncoder } from '../src/shared/trace/compact';
import { encodeTraceRecord, isTracedEvent, traceRecordOf, type TraceRecord } from '../src/shared/trace/format';
import { parseTrace } from '../src/shared/trace/parse';

const ROOT = path.resolve(__dirname, '..');
const DEFAULT_MODELS = ['examples/spiral-mlp.nn.json', 'examples/mnist-mlp.nn.json'];

/** Microseconds per record to encode `records` (best of 5 passes), in full and compactly. */
function encodeTimes(records: TraceRecord[]): { full: number; compact: number } {
  const best = (encode: () => void): number => {
    let min = Infinity;
    for (let pass = 0; pass < 5; pass++) {
      const start = process.hrtime.bigint();
      encode();
      min = Math.min(min, Number(process.hrtime.bigint() - start) / 1000 / records.length);
    }
    return min;
  };
  return {
    full: best(() => records.forEach((r) => encodeTraceRecord(r))),
    compact: best(() => {
      const encoder = new CompactTraceEncoder();
      records.forEach((r) => encoder.encode(r));
    }),
  };
}

function measure(model: string): { steps: number; v2: number; v3: number; full: number; compact: number } {
  const trace = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nd-trace-size-')), 'run.jsonl');
  const run = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'neural-debugger.js'), 'train', model, '--json', '--trace', trace], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (run.status !== 0) throw new Error(`${model}: the run failed (exit ${run.status}): ${run.stderr}`);
  const events = run.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => decodeJson(l) as TrainerEvent)
    .filter(isTracedEvent);
  const records = parseTrace(fs.readFileSync(trace, 'utf8'), trace).records;
  if (records.length !== events.length) throw new Error(`${model}: ${records.length} trace records, ${events.length} traced events`);
  const v2 = events.reduce((bytes, e, i) => {
    const record = traceRecordOf(e, records[i].time);
    const line = encodeTraceRecord(record.type === 'header' ? { ...record, version: 2 } : record);
    return bytes + Buffer.byteLength(line, 'utf8') + 1;
  }, 0);
  const steps = records.filter((r) => r.type === 'step').length;
  const v3 = fs.statSync(trace).size;
  fs.rmSync(path.dirname(trace), { recursive: true, force: true });
  const fullPrecision = events.map((e, i) => traceRecordOf(e, records[i].time));
  return { steps, v2, v3, ...encodeTimes(fullPrecision) };
}

const models = process.argv.length > 2 ? process.argv.slice(2) : DEFAULT_MODELS;
console.log('model                 steps   v2 bytes  v2 B/step   v3 bytes  v3 B/step  v3/v2  encode µs/record v2, v3');
for (const model of models) {
  const { steps, v2, v3, full, compact } = measure(model);
  const name = path.basename(model).replace(/\.nn\.json$/, '');
  console.log(
    `${name.padEnd(20)} ${String(steps).padStart(6)} ${String(v2).padStart(10)} ${(v2 / steps).toFixed(0).padStart(10)} ${String(v3).padStart(10)} ${(
      v3 / steps
    )
      .toFixed(0)
      .padStart(10)}  ${((100 * v3) / v2).toFixed(1)}%  ${full.toFixed(1)}, ${compact.toFixed(1)}`,
  );
}
