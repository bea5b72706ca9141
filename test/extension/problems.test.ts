import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ModelTopology, TrainingDiagnostic } from '../../src/shared/stats';
import { checkModelSpec } from '../../src/spec';
import { mapSeverity, parseFieldPath, specProblems, trainingProblem } from '../../src/extension/problems';

const spiralFile = path.join(__dirname, '..', '..', 'examples', 'spiral-mlp.nn.json');
const spiral = fs.readFileSync(spiralFile, 'utf8');

function problemsOf(text: string) {
  return specProblems(text, checkModelSpec(text, 'm.nn.json'));
}
/** The text a range covers (single-line ranges). */
function covered(text: string, r: { startLine: number; startCharacter: number; endLine: number; endCharacter: number }): string {
  assert.equal(r.startLine, r.endLine);
  return text.split('\n')[r.startLine].slice(r.startCharacter, r.endCharacter);
}

describe('extension: spec problems in the Problems panel', () => {
  it('puts a bad value exactly on its token', () => {
    const text = spiral.replace('"units": 32, "activation": "relu", "name": "hidden2"', '"units": -4, "activation": "relu", "name": "hidden2"');
    const [problem, ...rest] = problemsOf(text);
    assert.equal(rest.length, 0);
    assert.equal(problem.severity, 'error');
    assert.match(problem.message, /model\.layers\[1\]\.units: expected a positive integer, got -4/);
    const hidden2Line = text.split('\n').findIndex((l) => l.includes('"hidden2"'));
    assert.equal(problem.range.startLine, hidden2Line);
    assert.equal(covered(text, problem.range), '-4');
  });

  it('covers a whole string value and reports every error at once', () => {
    const text = spiral
      .replace('"activation": "relu", "name": "hidden1"', '"activation": "relux", "name": "hidden1"')
      .replace('"batchSize": 32', '"batchSize": "many"');
    const problems = problemsOf(text);
    const covers = problems.map((p) => covered(text, p.range));
    assert.ok(covers.includes('"relux"'), JSON.stringify(covers));
    assert.ok(covers.includes('"many"'), JSON.stringify(covers));
    assert.ok(problems.every((p) => p.severity === 'error'));
  });

  it('shows warnings (unknown top-level keys) as warnings on the key', () => {
    const text = spiral.replace('"name": "spiral-mlp",', '"name": "spiral-mlp", "colour": "red",');
    const problems = problemsOf(text).filter((p) => p.severity === 'warning');
    assert.equal(problems.length, 1, JSON.stringify(problemsOf(text)));
    assert.equal(covered(text, problems[0].range), '"colour"');
  });

  it('marks malformed JSON at the place it breaks', () => {
    const text = '{\n  "data": { "source": "synthetic",\n';
    const [problem] = problemsOf(text);
    assert.equal(problem.severity, 'error');
    assert.match(problem.message, /malformed JSON/);
    assert.ok(problem.range.endCharacter > problem.range.startCharacter || problem.range.endLine > problem.range.startLine);
  });

  it('places an error that has only a field path on that field, or on its nearest existing parent', () => {
    const text = '{\n  "model": {\n    "layers": [\n      { "type": "dense",\n        "units": 0 }\n    ]\n  }\n}\n';
    const [onField] = specProblems(text, { errors: [{ file: 'm', field: 'model.layers[0].units', message: 'bad' }], warnings: [] });
    assert.equal(onField.range.startLine, 4);
    assert.equal(covered(text, onField.range), '0');
    const [onParent] = specProblems(text, { errors: [{ file: 'm', field: 'model.layers[0].activation', message: 'missing' }], warnings: [] });
    assert.equal(onParent.range.startLine, 3);
    const [nowhere] = specProblems(text, { errors: [{ file: 'm', message: 'no place' }], warnings: [] });
    assert.deepEqual(nowhere.range, { startLine: 0, startCharacter: 0, endLine: 0, endCharacter: 1 });
  });

  it('parses dotted field paths with indices', () => {
    assert.deepEqual(parseFieldPath('model.layers[2].units'), ['model', 'layers', 2, 'units']);
    assert.deepEqual(parseFieldPath('data.path'), ['data', 'path']);
    assert.deepEqual(parseFieldPath('diagnostics.dead-relu.deadFraction'), ['diagnostics', 'dead-relu', 'deadFraction']);
  });

  it('produces no problems for every bundled example', () => {
    const dir = path.dirname(spiralFile);
    for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.nn.json'))) {
      const text = fs.readFileSync(path.join(dir, name), 'utf8');
      assert.deepEqual(
        specProblems(text, checkModelSpec(text, name)).filter((p) => p.severity === 'error'),
        [],
        name,
      );
    }
  });
});

describe('extension: training diagnostics in the Problems panel', () => {
  const parsed = checkModelSpec(spiral, spiralFile).parsed!;
  const topology = {
    name: 'spiral-mlp',
    layers: Object.entries(parsed.layerLines).map(([name, specLine]) => ({ name, specLine })),
  } as unknown as ModelTopology;
  const diagnostic: TrainingDiagnostic = {
    id: 'dead-relu:hidden2',
    kind: 'dead-relu',
    severity: 'warning',
    state: 'active',
    step: 40,
    epoch: 2,
    batch: 14,
    layers: ['hidden2'],
    evidence: { deadFraction: 0.7 },
    explanation: '70% of hidden2 units output zero for every sample.',
    remedies: [],
    count: 3,
  };

  it('goes on the layer line of the spec, covering the line, with kind and explanation', () => {
    const problem = trainingProblem(diagnostic, topology, spiral);
    const line = spiral.split('\n')[problem.range.startLine];
    assert.match(line, /"name": "hidden2"/);
    assert.equal(covered(spiral, problem.range), line.trim());
    assert.equal(problem.severity, 'warning');
    assert.equal(problem.code, 'dead-relu');
    assert.match(problem.message, /^dead-relu \[hidden2\]: 70% of hidden2 units .* \(step 40, epoch 2\)$/);
  });

  it('falls back to line 1 for layers the spec does not place, and without the text', () => {
    const elsewhere = trainingProblem({ ...diagnostic, layers: ['not_in_spec'] }, topology, spiral);
    assert.equal(elsewhere.range.startLine, 0);
    const noText = trainingProblem(diagnostic, topology, undefined);
    assert.equal(noText.range.startLine, parsed.layerLines.hidden2 - 1);
    assert.equal(trainingProblem({ ...diagnostic, layers: [] }, null, undefined).range.startLine, 0);
  });

  it('maps severities, and keeps a closed diagnostic as information saying so', () => {
    assert.equal(mapSeverity('error'), 'error');
    assert.equal(mapSeverity('warning'), 'warning');
    assert.equal(mapSeverity('info'), 'information');
    assert.equal(trainingProblem({ ...diagnostic, severity: 'error', kind: 'non-finite' }, topology, spiral).severity, 'error');
    const closed = trainingProblem({ ...diagnostic, state: 'closed' }, topology, spiral);
    assert.equal(closed.severity, 'information');
    assert.match(closed.message, /no longer holds at step 40/);
  });
});
