import * as assert from 'node:assert/strict';
import { modelDisplayName, modelFileKind, whyNotTrainable } from '../../src/extension/modelFiles';

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
