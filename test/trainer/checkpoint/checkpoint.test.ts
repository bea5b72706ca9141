import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../../src/shared/errors';
import { loadCheckpointModel, loadCheckpointWeights, saveCheckpoint } from '../../../src/trainer/checkpoint';
import { assertSameWeights, convBatchNormModel, denseModel, randomizeWeights, weightBytes } from './testModels';

function assertUserError(pattern: RegExp, check?: (e: UserError) => void): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    assert.match(e.message, pattern);
    check?.(e);
    return true;
  };
}

describe('checkpoints: save and load (tfjs layers format)', () => {
  let root: string;
  before(async () => {
    await tf.setBackend('cpu');
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'nd-checkpoint-'));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('round-trips a dense model bit for bit, with metadata', async () => {
    const model = denseModel();
    randomizeWeights(model, 1);
    const dir = path.join(root, 'run', 'epoch-1');
    await saveCheckpoint(model, dir, { epoch: 1, step: 120, optimizer: 'adam' });
    assert.deepEqual(fs.readdirSync(dir).sort(), ['model.json', 'weights.bin']);
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    assert.equal(json.format, 'layers-model');
    assert.deepEqual(json.weightsManifest[0].paths, ['weights.bin']);
    assert.equal(fs.statSync(path.join(dir, 'weights.bin')).size, (5 * 7 + 7 + 7 * 3 + 3) * 4);

    const loaded = await loadCheckpointModel(dir);
    assertSameWeights(loaded, weightBytes(model));
    assert.deepEqual(loaded.getUserDefinedMetadata(), { epoch: 1, step: 120, optimizer: 'adam' });
    const x = tf.randomNormal([4, 5], 0, 1, 'float32', 7);
    const same = tf.tidy(
      () =>
        tf
          .equal(model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor)
          .all()
          .dataSync()[0],
    );
    assert.equal(same, 1);
  });

  it('round-trips conv2d + batchNormalization, moving statistics included', async () => {
    const model = convBatchNormModel();
    randomizeWeights(model, 2);
    const names = model.weights.map((w) => `${w.originalName}${w.trainable ? '' : ' (frozen)'}`);
    assert.ok(names.includes('bn/moving_mean (frozen)') && names.includes('bn/moving_variance (frozen)'), names.join());
    const dir = path.join(root, 'cnn', 'initial');
    await saveCheckpoint(model, dir);
    const loaded = await loadCheckpointModel(dir);
    assertSameWeights(loaded, weightBytes(model));
    assert.deepEqual(
      loaded.layers.map((l) => l.getClassName()),
      ['Conv2D', 'BatchNormalization', 'Flatten', 'Dense'],
    );

    // Into an existing model (step back / fine-tuning), by weight name.
    const target = convBatchNormModel();
    randomizeWeights(target, 3);
    await loadCheckpointWeights(target, dir);
    assertSameWeights(target, weightBytes(model));
  });

  it('rejects weights that do not fit the model, listing the names', async () => {
    const dir = path.join(root, 'dense-for-fit');
    const model = denseModel();
    randomizeWeights(model, 4);
    await saveCheckpoint(model, dir);

    const other = convBatchNormModel();
    const before = weightBytes(other);
    await assert.rejects(
      loadCheckpointWeights(other, dir),
      assertUserError(
        /does not fit this model: shapes differ: out\/kernel \(model \[48,4\], checkpoint \[7,3\]\).*not in the checkpoint: conv\/kernel, conv\/bias, bn\/gamma.*not in the model: hidden\/kernel, hidden\/bias/,
      ),
    );
    assertSameWeights(other, before);

    // Non-strict: the weights present in both load, if their shapes match.
    const wider = tf.sequential();
    wider.add(tf.layers.dense({ name: 'hidden', inputShape: [5], units: 7 }));
    wider.add(tf.layers.dense({ name: 'extra', units: 2 }));
    await assert.rejects(
      loadCheckpointWeights(wider, dir),
      assertUserError(/not in the checkpoint: extra\/kernel, extra\/bias; checkpoint weights not in the model: out\/kernel, out\/bias/),
    );
    await loadCheckpointWeights(wider, dir, { strict: false });
    const hidden = weightBytes(model).filter(([n]) => n.startsWith('hidden/'));
    assert.deepEqual(
      weightBytes(wider).filter(([n]) => n.startsWith('hidden/')),
      hidden,
    );

    const unrelated = tf.sequential();
    unrelated.add(tf.layers.dense({ name: 'z', inputShape: [2], units: 1 }));
    await assert.rejects(loadCheckpointWeights(unrelated, dir, { strict: false }), assertUserError(/no model weight is in the checkpoint/));
  });

  it('reports missing and damaged checkpoints clearly', async () => {
    const dir = path.join(root, 'damaged');
    await saveCheckpoint(denseModel(), dir);
    const modelJSON = path.join(dir, 'model.json');
    const weights = path.join(dir, 'weights.bin');
    const goodJSON = fs.readFileSync(modelJSON, 'utf8');
    const goodWeights = fs.readFileSync(weights);
    const load = () => loadCheckpointModel(dir);

    await assert.rejects(loadCheckpointModel(path.join(root, 'nowhere')), assertUserError(/checkpoint folder not found/));
    await assert.rejects(loadCheckpointModel(modelJSON), assertUserError(/is a folder with model.json and weights.bin, not a file/));

    fs.writeFileSync(weights, goodWeights.subarray(0, 100));
    await assert.rejects(load(), assertUserError(/weights.bin: error: holds 100 bytes but model.json describes 264/));
    await assert.rejects(loadCheckpointWeights(denseModel(), dir), assertUserError(/holds 100 bytes/));
    fs.rmSync(weights);
    await assert.rejects(
      load(),
      assertUserError(/weight file missing/, (e) => assert.equal(e.info.file, weights)),
    );
    fs.writeFileSync(weights, goodWeights);

    fs.writeFileSync(modelJSON, goodJSON.slice(0, 1) + '\n  oops' + goodJSON.slice(1));
    await assert.rejects(
      load(),
      assertUserError(/not valid JSON.*damaged/, (e) => {
        assert.equal(e.info.file, modelJSON);
        assert.equal(e.info.line, 2);
        assert.equal(e.info.column, 3);
      }),
    );
    fs.writeFileSync(modelJSON, JSON.stringify({ ...JSON.parse(goodJSON), weightsManifest: [{ paths: ['../../secret.bin'], weights: [] }] }));
    await assert.rejects(load(), assertUserError(/outside the checkpoint folder/));
    fs.writeFileSync(modelJSON, JSON.stringify({ weightsManifest: [] }));
    await assert.rejects(load(), assertUserError(/modelTopology: missing/));
    const topology = JSON.parse(goodJSON);
    topology.modelTopology.config.layers[0].class_name = 'NoSuchLayer';
    fs.writeFileSync(modelJSON, JSON.stringify(topology));
    await assert.rejects(load(), assertUserError(/cannot build the model from this checkpoint: .*NoSuchLayer/));
    fs.rmSync(modelJSON);
    await assert.rejects(load(), assertUserError(/no model.json in this folder: it is not a checkpoint/));
  });
});
