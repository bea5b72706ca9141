import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { missingData, modelDisplayName, modelFileKind, pickerEntries, whyNotTrainable } from '../../src/extension/modelFiles';

describe('extension: model file kinds', () => {
  it('tells specs, modules and Keras topologies apart by name, case-insensitively', () => {
    assert.equal(modelFileKind('/w/examples/spiral-mlp.nn.json'), 'json-spec');
    assert.equal(modelFileKind('C:\\w\\Spiral.NN.JSON'), 'json-spec');
    assert.equal(modelFileKind('/w/net.model.ts'), 'module');
    assert.equal(modelFileKind('/w/net.model.mjs'), 'module');
    assert.equal(modelFileKind('/w/net.model.js'), 'module');
    assert.equal(modelFileKind('/w/export/model.json'), 'keras');
    assert.equal(modelFileKind('/w/package.json'), null);
    assert.equal(modelFileKind('/w/nn.json'), null);
    assert.equal(modelFileKind('/w/model.ts'), null);
    assert.equal(modelFileKind('/w/my-model.json'), null);
  });

  it('trains JSON specs in restricted mode and refuses modules there, explaining trust', () => {
    assert.equal(whyNotTrainable('/w/a.nn.json', false), null);
    assert.equal(whyNotTrainable('/w/a.nn.json', true), null);
    const untrusted = whyNotTrainable('/w/a.model.ts', false);
    assert.match(untrusted ?? '', /restricted mode/);
    assert.match(untrusted ?? '', /Trust the workspace/);
    assert.equal(whyNotTrainable('/w/a.model.ts', true), null);
    assert.match(whyNotTrainable('/w/model.json', false) ?? '', /through a \*\.nn\.json spec that points at it/);
    assert.match(whyNotTrainable('/w/readme.md', true) ?? '', /not a model file/);
  });

  it('names a model without its suffix', () => {
    assert.equal(modelDisplayName('/w/spiral-mlp.nn.json'), 'spiral-mlp');
    assert.equal(modelDisplayName('/w/net.model.ts'), 'net');
    assert.equal(modelDisplayName('/w/model.json'), 'model');
  });
});

describe('extension: the Train model picker', () => {
  const examples = path.resolve(__dirname, '../../examples');

  it('marks the bundled examples whose data is missing, and only those', () => {
    const needing = fs
      .readdirSync(examples)
      .filter((n) => n.endsWith('.nn.json'))
      .filter((n) => missingData(path.join(examples, n), fs.readFileSync(path.join(examples, n), 'utf8')) !== null);
    assert.deepEqual(needing, ['cifar10-cnn.nn.json']);
    const cifar = path.join(examples, 'cifar10-cnn.nn.json');
    assert.equal(missingData(cifar, fs.readFileSync(cifar, 'utf8')), 'needs data: data/cifar-10-batches-bin (data.path) is missing');
  });

  it('finds data paths relative to the spec, testPath too, and says nothing of a broken spec', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nd-picker-'));
    try {
      fs.writeFileSync(path.join(dir, 'train.csv'), 'x,y\n1,0\n');
      const spec = path.join(dir, 'a.nn.json');
      assert.equal(missingData(spec, '{ "data": { "source": "csv", "path": "train.csv", "label": "y" } }'), null);
      assert.equal(
        missingData(spec, '{ "data": { "source": "csv", "path": "train.csv", "testPath": "test.csv", "label": "y" } }'),
        'needs data: test.csv (data.testPath) is missing',
      );
      assert.equal(missingData(spec, '{ "data": '), null);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('puts the recently active file first, then the workspace, then examples, and preselects one that can train', () => {
    const needs = (f: string) => (f.includes('cifar') ? 'needs data' : null);
    const { entries, preselect } = pickerEntries(['/w/b.nn.json'], ['/w/c.nn.json', '/w/b.nn.json'], ['/x/cifar10-cnn.nn.json', '/x/a.nn.json'], needs);
    assert.deepEqual(
      entries.map((e) => [e.section, e.file]),
      [
        ['Recently active', '/w/b.nn.json'],
        ['Workspace', '/w/c.nn.json'],
        ['Bundled examples', '/x/a.nn.json'],
        ['Bundled examples', '/x/cifar10-cnn.nn.json'],
      ],
    );
    assert.equal(preselect, 0);
    const onlyExamples = pickerEntries([], [], ['/x/cifar10-cnn.nn.json', '/x/spiral.nn.json'], needs);
    assert.equal(onlyExamples.entries[onlyExamples.preselect].file, '/x/spiral.nn.json');
    assert.equal(pickerEntries([], [], ['/x/cifar10-cnn.nn.json'], needs).preselect, -1);
  });
});
