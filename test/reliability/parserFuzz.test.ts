// The spec and trace parsers are fuzzed: whatever the input, they return or
// throw a UserError (with a position), never crash with another error, never hang.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { isUserError } from '../../src/shared/errors';
import { checkModelSpec, parseModelSpec } from '../../src/spec';
import { parseTrace } from '../../src/shared/trace/parse';

const EXAMPLES = path.resolve(__dirname, '..', '..', 'examples');
const exampleTexts = fs
  .readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.nn.json'))
  .map((f) => fs.readFileSync(path.join(EXAMPLES, f), 'utf8'));

function onlyUserErrors(run: () => unknown): void {
  try {
    run();
  } catch (e) {
    if (!isUserError(e)) throw e;
    assert.ok(e.info.message.length > 0);
  }
}

/** A text with one random edit: a deletion, an insertion or a replacement. */
const mutated = (texts: string[]) =>
  fc.tuple(fc.constantFrom(...texts), fc.nat(), fc.nat({ max: 20 }), fc.string({ maxLength: 12 })).map(([text, at, cut, insert]) => {
    const i = at % (text.length + 1);
    return text.slice(0, i) + insert + text.slice(Math.min(text.length, i + cut));
  });

const jsonish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, true, false, 0, -1, 1e308, 'dense', 'relu', 'spiral', 'adam', ''),
    fc.double(),
    fc.string(),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(
      fc.constantFrom('type', 'units', 'layers', 'data', 'model', 'training', 'source', 'dataset', 'loss', 'optimizer', 'inputs', 'name', 'x'),
      tie('value'),
      { maxKeys: 5 },
    ),
  ),
})).value;

describe('parser fuzzing', () => {
  it('spec parser: random text never throws anything but a UserError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => onlyUserErrors(() => parseModelSpec(text, 'fuzz.nn.json'))),
      { numRuns: 2000 },
    );
  });

  it('spec parser: mutated examples never throw anything but a UserError, and a reported position is inside the text', () => {
    fc.assert(
      fc.property(mutated(exampleTexts), (text) => {
        const result = checkModelSpec(text, 'fuzz.nn.json');
        for (const e of result.errors) {
          if (e.line !== undefined) assert.ok(e.line >= 1 && e.line <= text.split('\n').length + 1, `line ${e.line}`);
        }
        onlyUserErrors(() => parseModelSpec(text, 'fuzz.nn.json'));
      }),
      { numRuns: 1500 },
    );
  });

  it('spec parser: random JSON structures never throw anything but a UserError', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('data', 'model', 'training', 'diagnostics', 'name'), jsonish), (obj) =>
        onlyUserErrors(() => parseModelSpec(JSON.stringify(obj), 'fuzz.nn.json')),
      ),
      { numRuns: 1500 },
    );
  });

  it('spec parser: deep nesting is an error, not a stack overflow', () => {
    onlyUserErrors(() => parseModelSpec('['.repeat(100_000), 'deep.nn.json'));
    onlyUserErrors(() => parseModelSpec(`{"model": ${'{"layers": ['.repeat(5000)}`, 'deep.nn.json'));
  });

  it('trace parser: random and mutated traces never throw anything but a UserError', () => {
    const header = JSON.stringify({
      type: 'header',
      time: 1,
      format: 'neural-debugger-trace',
      version: 2,
      backend: {},
      topology: { layers: [] },
      settings: {},
    });
    const step = JSON.stringify({ type: 'step', time: 2, stats: { step: 1, loss: 'NaN', layers: [] } });
    const stop = JSON.stringify({ type: 'stopped', time: 3, reason: 'diagnostic', step: 1, epoch: 1, batch: 0, diagnostic: { id: 'd' } });
    const valid = `${header}\n${step}\n${stop}\n${step}\n`;
    // Version 1 lines go through the upgrade before they are checked.
    const v1Header = JSON.stringify({
      kind: 'header',
      time: 1,
      format: 'neural-debugger-trace',
      version: 1,
      backend: {},
      topology: { layers: [] },
      settings: {},
    });
    const v1Lines = [
      JSON.stringify({ kind: 'diagnostic', time: 2, diagnostic: { id: 'd', kind: 'non-finite', step: 1 } }),
      JSON.stringify({ kind: 'step', time: 2, stats: { step: 1, loss: 'NaN', layers: [], withHistograms: true } }),
      JSON.stringify({ kind: 'stop', time: 3, reason: 'diagnostic', step: 1, epoch: 1, batch: 0, diagnosticId: 'd' }),
      JSON.stringify({ kind: 'restore', time: 4, epoch: 1, step: 0, fromStep: 1 }),
      JSON.stringify({ kind: 'end', time: 5, reason: 'killed', steps: 1, epochs: 0, test: null, error: null }),
    ];
    const validV1 = [v1Header, ...v1Lines, ''].join('\n');
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => onlyUserErrors(() => parseTrace(text, 'fuzz.jsonl'))),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(mutated([valid, validV1]), (text) => onlyUserErrors(() => parseTrace(text, 'fuzz.jsonl'))),
      { numRuns: 3000 },
    );
    const deep = `{"type":"step","time":1,"stats":${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
    onlyUserErrors(() => parseTrace(`${header}\n${deep}\n`, 'deep.jsonl'));
  });
});
