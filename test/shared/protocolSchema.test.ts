// schema/protocol.schema.json: generated from src/shared/protocol.ts and kept
// in step with it; every command the client sends and every event of a real
// run of every example, and of an interactive run with requests, validates
// against it (docs/protocol.md).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { Socket } from 'node:net';
import * as path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { encodeJson } from '../../src/shared/json';
import { PROTOCOL_VERSION, type TrainerCommand, type TrainerEvent } from '../../src/shared/protocol';
import type { TraceLine } from '../../src/shared/trace/format';
import { TrainerProcess } from '../../src/client/trainerProcess';
import { readFrames } from '../../src/node/wire';
import { generateProtocolSchema, PROTOCOL_SCHEMA_FILE } from '../../scripts/protocolSchema';
import { ROOT, runCli } from '../cli/helpers';

const schema = JSON.parse(fs.readFileSync(PROTOCOL_SCHEMA_FILE, 'utf8')) as {
  definitions: Record<string, { anyOf: { properties: { type: { const: string } } }[] }>;
};
const ajv = new Ajv({ allErrors: true, allowUnionTypes: true });
ajv.addSchema(schema, 'protocol');
const validateCommand = ajv.getSchema('protocol#/definitions/TrainerCommand') as ValidateFunction;
const validateEvent = ajv.getSchema('protocol#/definitions/TrainerEvent') as ValidateFunction;
const validateTraceRecord = ajv.getSchema('protocol#/definitions/TraceRecord') as ValidateFunction;
const validateTraceLine = ajv.getSchema('protocol#/definitions/TraceLine') as ValidateFunction;

/** What goes on the wire: the object after the wire's own encoding. */
const onTheWire = (value: unknown): unknown => JSON.parse(encodeJson(value));
const problems = (validate: ValidateFunction) => ajv.errorsText(validate.errors, { separator: '\n  ' });
const typesIn = (definition: string) => schema.definitions[definition].anyOf.map((variant) => variant.properties.type.const);

/** Validates against the event variant of the same type (two for reply), so that a failure names the real problem. */
function checkEvent(event: { type: string }): string | null {
  const valid: boolean = validateEvent(event);
  if (valid) return null;
  const variants = typesIn('TrainerEvent').flatMap((type, i) => (type === event.type ? [i] : []));
  if (variants.length !== 1) return problems(validateEvent);
  const validate = ajv.getSchema(`protocol#/definitions/TrainerEvent/anyOf/${variants[0]}`) as ValidateFunction;
  validate(event);
  return ajv.errorsText(validate.errors, { separator: '\n  ' }) + '\n  ' + JSON.stringify(validate.errors?.[0]?.params);
}

/** One of every command, with every option filled in. */
const COMMANDS: TrainerCommand[] = [
  {
    type: 'start',
    protocol: PROTOCOL_VERSION,
    options: {
      modelFile: '/models/spiral-mlp.nn.json',
      epochs: 3,
      steps: 100,
      batchSize: 32,
      backend: 'wasm',
      seed: 1,
      shuffle: false,
      traceFile: '/runs/a.jsonl',
      checkpointDir: '/runs/checkpoints',
      statsEvery: 1,
      histogramsEvery: 10,
      stopOnEntry: true,
      breakOn: ['non-finite', 'plateau'],
      breakpoints: [{ id: 1, condition: 'loss > 2', hitCondition: '>= 3' }],
      strictBreakpoints: { field: '--break-when' },
      diagnostics: { plateau: false, 'vanishing-gradient': { layerRatio: 1e-4 } },
      dataRoot: '/models',
    },
  },
  { type: 'continue' },
  { type: 'pause' },
  { type: 'stepBatch' },
  { type: 'stepEpoch' },
  { type: 'stepBack', requestId: 1 },
  { type: 'stop' },
  { type: 'setBreakpoints', requestId: 2, breakpoints: [{ id: 3, condition: 'gradNorm > 10' }] },
  { type: 'setBreakOn', kinds: ['exploding-gradient'] },
  { type: 'setLearningRate', requestId: 3, value: 0.001 },
  { type: 'evaluate', requestId: 4, expression: 'layers.dense_1.gradNorm' },
  { type: 'attach', protocol: PROTOCOL_VERSION, token: 'b5f0c2e4d1a3' },
  { type: 'annotate', message: 'the debugger detached' },
];

describe('protocol schema (schema/protocol.schema.json)', () => {
  it('is up to date with src/shared/protocol.ts', function () {
    this.timeout(60_000);
    assert.deepEqual(schema, generateProtocolSchema(), 'stale: run `npm run schema` and commit schema/protocol.schema.json');
  });

  it('admits every command the client sends, one of each type', () => {
    assert.deepEqual(new Set(COMMANDS.map((c) => c.type)), new Set(typesIn('TrainerCommand')), 'one sample per command type');
    for (const command of COMMANDS) assert.ok(validateCommand(onTheWire(command)), `${command.type}:\n  ${problems(validateCommand)}`);
  });

  it('admits the non-finite spellings where a number goes, and refuses what the types do not allow', () => {
    const finished = { type: 'finished', reason: 'completed', steps: 3, epochs: 0, test: { loss: NaN, metrics: { accuracy: -Infinity } } };
    assert.ok(validateEvent(onTheWire(finished)), problems(validateEvent));
    assert.equal(validateEvent({ ...finished, test: { loss: 'nan', metrics: {} } }), false, 'only the three exact spellings');
    assert.equal(validateEvent({ ...finished, reason: 'end' }), false, "no 'end' reason");
    assert.equal(validateEvent({ ...finished, extra: 1 }), false, 'a field the types do not declare');
    assert.equal(validateEvent({ type: 'hello', protocol: 2 }), false, 'hello without its trainer');
    assert.equal(validateCommand({ type: 'evaluate', expression: 'loss' }), false, 'a request without its requestId');
  });

  it('admits every event of a real run of every example (CLI --json), and every line of its trace', async function () {
    this.timeout(180_000);
    const examples = fs
      .readdirSync(path.join(ROOT, 'examples'))
      .filter((f) => f.endsWith('.nn.json') || f.endsWith('.model.ts'))
      .map((f) => path.join('examples', f));
    examples.push(path.join('examples', 'keras-mlp', 'keras-mlp.nn.json'));
    const runs = examples.map((file) => [file, '--steps', '3', '--stats-every', '1', '--histograms-every', '2']);
    // Longer runs for the events a short one lacks: an epoch, a diagnostic, a pause, breakpoint statuses.
    runs.push(['examples/deep-sigmoid.nn.json', '--steps', '40', '--stats-every', '1', '--histograms-every', '20', '--break-on', 'vanishing-gradient']);
    runs.push(['examples/spiral-mlp.nn.json', '--steps', '30', '--break-when', 'step == 27']);
    const seen = new Set<string>();
    const tracedTypes = new Set<string>();
    const traceDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nd-schema-'));
    for (const [n, args] of runs.entries()) {
      const traceFile = path.join(traceDir, `run-${n}.jsonl`);
      const r = await runCli(['train', ...args, '--json', '--trace', traceFile], { timeoutMs: 60_000 });
      const lines = r.stdout.split('\n').filter((l) => l !== '');
      assert.ok(lines.length > 0, `${args[0]}: no events (exit ${r.code}): ${r.stderr}`);
      assert.equal(JSON.parse(lines[0]).type, 'hello', `${args[0]}: the first event is hello`);
      const last = JSON.parse(lines.at(-1)!) as { type: string; fatal?: boolean };
      assert.ok(last.type === 'finished' || (last.type === 'error' && last.fatal), `${args[0]}: ends with finished or a fatal error, not ${last.type}`);
      lines.forEach((line, i) => {
        const event = JSON.parse(line) as { type: string };
        seen.add(event.type);
        const problem = checkEvent(event);
        assert.equal(problem, null, `${args.join(' ')}: event ${i + 1} (${event.type}):\n  ${problem}`);
      });
      // A run that fails before its header (missing data) writes no trace.
      if (!fs.existsSync(traceFile)) continue;
      const records = fs
        .readFileSync(traceFile, 'utf8')
        .split('\n')
        .filter((l) => l !== '');
      assert.equal(JSON.parse(records[0]).type, 'header', `${args[0]}: the trace starts with its header`);
      records.forEach((line, i) => {
        const record = JSON.parse(line) as TraceLine;
        tracedTypes.add(record.type);
        assert.ok(validateTraceLine(record), `${args.join(' ')}: trace line ${i + 1} (${record.type}):\n  ${problems(validateTraceLine)}`);
      });
    }
    fs.rmSync(traceDir, { recursive: true, force: true });
    for (const type of ['header', 'step', 'epoch', 'diagnostic', 'stopped', 'finished'])
      assert.ok(tracedTypes.has(type), `no '${type}' trace record was validated`);
    assert.equal(validateTraceRecord({ type: 'step', stats: {} }), false, 'a trace record without its time');
    for (const type of ['hello', 'progress', 'backend', 'header', 'step', 'epoch', 'diagnostic', 'stopped', 'breakpoints', 'finished', 'error']) {
      assert.ok(seen.has(type), `no '${type}' event was validated`);
    }
  });

  it('admits the events of an interactive run: pause at entry, requests and their replies, resume', async () => {
    const trainer = new TrainerProcess({
      modelFile: path.join(ROOT, 'examples', 'spiral-mlp.nn.json'),
      steps: 5,
      stopOnEntry: true,
      backend: 'wasm',
      breakpoints: [{ id: 1, condition: 'no_such_name > 1' }],
    });
    const events: TrainerEvent[] = [];
    trainer.on('event', (event: TrainerEvent) => {
      events.push(event);
      if (event.type === 'stopped') {
        void (async () => {
          await trainer.request({ type: 'evaluate', expression: 'loss' }).catch(() => undefined);
          await trainer.request({ type: 'stepBack' }).catch(() => undefined);
          await trainer.request({ type: 'setLearningRate', value: 0.005 });
          await trainer.request({ type: 'setBreakpoints', breakpoints: [] });
          trainer.send({ type: 'continue' });
        })();
      }
    });
    // Replies go to the requests' promises, not to 'event': read everything the wire carried, as a second reader of the pipe.
    const frames: unknown[] = [];
    readFrames(trainer.child.stdio[3] as Socket, { onFrame: (v) => frames.push(v), onError: (e) => assert.fail(e.message) });
    const exit = await trainer.exitPromise;
    assert.equal(exit.code, 0, trainer.stderr);
    const types = new Set(events.map((e) => e.type));
    for (const type of ['stopped', 'resumed', 'breakpoints', 'finished']) assert.ok(types.has(type as TrainerEvent['type']), `no '${type}' event`);
    assert.equal(frames.filter((f) => (f as TrainerEvent).type === 'reply').length, 4);
    assert.equal(frames.length, events.length + 4, 'the wire carried the events and the four replies');
    for (const event of frames) {
      const problem = checkEvent(onTheWire(event) as { type: string });
      assert.equal(problem, null, `${(event as TrainerEvent).type}:\n  ${problem}`);
    }
  });
});
