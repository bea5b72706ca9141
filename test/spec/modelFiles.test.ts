// The light API the extension uses: which files are models, which need trust,
// and the fast check before a trainer process starts.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { isUserError } from '../../src/shared/errors';
import { isModelSourceFile, precheckModelSource, requiresTrust } from '../../src/spec/modelFiles';
import { parseUserCodePhase, userCodeReturned, userCodeStarted } from '../../src/node/userCodePhases';
import { EXAMPLES, writeFiles } from '../trainer/sources/helpers';

describe('model source kinds', () => {
  it('tells specs, Keras specs and modules apart, and only modules need a trusted workspace', () => {
    assert.equal(isModelSourceFile(path.join(EXAMPLES, 'spiral-mlp.nn.json')), 'spec');
    assert.equal(isModelSourceFile(path.join(EXAMPLES, 'keras-mlp', 'keras-mlp.nn.json')), 'keras');
    assert.equal(isModelSourceFile(path.join(EXAMPLES, 'custom.model.ts')), 'module');
    for (const name of ['a.model.js', 'a.model.mjs', 'a.model.cjs', 'a.model.mts', 'A.MODEL.TS']) assert.equal(isModelSourceFile(name), 'module', name);
    for (const name of ['package.json', 'model.ts', 'custom-data.ts', 'keras-mlp/model.json', 'a.nn.jsonc']) assert.equal(isModelSourceFile(name), null, name);
    assert.equal(isModelSourceFile('missing.nn.json'), 'spec', 'an unreadable spec is still a spec (its error comes when it is checked)');
    assert.deepEqual([requiresTrust('module'), requiresTrust('spec'), requiresTrust('keras')], [true, false, false]);
  });

  it('precheck: validates specs without TensorFlow.js, accepts existing modules, rejects other files', () => {
    const dir = writeFiles({
      'bad.nn.json': '{"data": {"source": "synthetic", "dataset": "xor"}, "model": {"layers": []}, "training": {"loss": "mse"}}',
      'ok.model.ts': 'export {};',
    });
    assert.throws(
      () => precheckModelSource(path.join(dir, 'bad.nn.json')),
      (e: unknown) => isUserError(e) && e.info.line === 1,
    );
    assert.deepEqual(precheckModelSource(path.join(dir, 'ok.model.ts')), []);
    assert.throws(() => precheckModelSource(path.join(dir, 'gone.model.ts')), /file not found/);
    assert.throws(() => precheckModelSource(path.join(dir, 'notes.txt')), /not a model file/);
    assert.deepEqual(precheckModelSource(path.join(EXAMPLES, 'mnist-finetune.nn.json')), []);
  });

  it("user-code phase messages round-trip (the parent's watchdog reads them)", () => {
    assert.deepEqual(parseUserCodePhase(userCodeStarted('model() of a.model.ts', 2500)), { phase: 'start', what: 'model() of a.model.ts', timeoutMs: 2500 });
    assert.deepEqual(parseUserCodePhase(userCodeReturned('model() of a.model.ts')), { phase: 'end', what: 'model() of a.model.ts' });
    assert.equal(parseUserCodePhase('loading data'), null);
  });
});
