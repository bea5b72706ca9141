import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../../src/shared/errors';
import { loadCheckpointModel, saveCheckpoint } from '../../../src/trainer/checkpoint';
import { assertSameWeights, denseModel, randomizeWeights, weightBytes } from './testModels';

/** A writeFile that behaves like a disk filling up during the `failOn`-th file: half of it is written, then ENOSPC. */
function diskFullOnFile(failOn: number): (file: string, data: Uint8Array) => void {
  let calls = 0;
  return (file, data) => {
    calls++;
    if (calls < failOn) {
      fs.writeFileSync(file, data);
      return;
    }
    fs.writeFileSync(file, data.subarray(0, data.length >> 1));
    throw Object.assign(new Error(`ENOSPC: no space left on device, write '${file}'`), { code: 'ENOSPC' });
  };
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  assert.equal(child.status, 0);
  return child.pid as number;
}

describe('checkpoints: atomic saves', () => {
  let root: string;
  before(async () => {
    await tf.setBackend('cpu');
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'nd-checkpoint-atomic-'));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('replaces an existing checkpoint of the same name, leaving no temporaries', async () => {
    const parent = path.join(root, 'replace');
    const dir = path.join(parent, 'epoch-1');
    const model = denseModel();
    randomizeWeights(model, 1);
    await saveCheckpoint(model, dir, { version: 1 });
    randomizeWeights(model, 2);
    const second = weightBytes(model);
    await saveCheckpoint(model, dir, { version: 2 });
    assert.deepEqual(fs.readdirSync(parent), ['epoch-1']);
    const loaded = await loadCheckpointModel(dir);
    assertSameWeights(loaded, second);
    assert.deepEqual(loaded.getUserDefinedMetadata(), { version: 2 });
  });

  it('keeps the earlier checkpoint intact when the disk fills up mid-save', async () => {
    const parent = path.join(root, 'disk-full');
    const dir = path.join(parent, 'epoch-2');
    const model = denseModel();
    randomizeWeights(model, 3);
    const first = weightBytes(model);
    await saveCheckpoint(model, dir);
    randomizeWeights(model, 4);
    for (const failOn of [1, 2]) {
      await assert.rejects(saveCheckpoint(model, dir, {}, { writeFile: diskFullOnFile(failOn) }), (e: unknown) => {
        assert.ok(e instanceof UserError);
        assert.equal(e.info.file, dir);
        assert.match(e.message, /disk is full/);
        return true;
      });
      assert.deepEqual(fs.readdirSync(parent), ['epoch-2']);
      assertSameWeights(await loadCheckpointModel(dir), first);
    }
    // A first save that fails leaves nothing under the final name.
    const fresh = path.join(parent, 'epoch-3');
    await assert.rejects(saveCheckpoint(model, fresh, {}, { writeFile: diskFullOnFile(2) }), /disk is full/);
    assert.deepEqual(fs.readdirSync(parent), ['epoch-2']);
  });

  it('reports an unwritable folder as a UserError', async () => {
    const plainFile = path.join(root, 'plain-file');
    fs.writeFileSync(plainFile, 'x');
    for (const dir of [path.join(plainFile, 'initial'), path.join(plainFile, 'deeper', 'initial')]) {
      await assert.rejects(saveCheckpoint(denseModel(), dir), (e: unknown) => {
        assert.ok(e instanceof UserError);
        assert.equal(e.info.file, dir);
        assert.match(e.message, /is a file, not a folder/);
        return true;
      });
    }
  });

  it('refuses to replace a folder that is not a checkpoint', async () => {
    const dir = path.join(root, 'precious');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    await assert.rejects(saveCheckpoint(denseModel(), dir), /exists and is not a checkpoint; refusing to replace it/);
    assert.deepEqual(fs.readdirSync(dir), ['notes.txt']);
    assert.deepEqual(
      fs.readdirSync(root).filter((e) => e.startsWith('.')),
      [],
    );
  });

  it('recovers from a save killed between its two renames, and removes dead temporaries', async () => {
    const parent = path.join(root, 'crashed');
    const model = denseModel();
    randomizeWeights(model, 5);
    const saved = weightBytes(model);
    await saveCheckpoint(model, path.join(parent, 'epoch-1'));
    // State after a crash: epoch-1 moved aside, its replacement half-written.
    const pid = deadPid();
    fs.renameSync(path.join(parent, 'epoch-1'), path.join(parent, `.old-epoch-1-${pid}`));
    fs.mkdirSync(path.join(parent, `.tmp-epoch-1-${pid}`));
    fs.writeFileSync(path.join(parent, `.tmp-epoch-1-${pid}`, 'weights.bin'), 'partial');
    fs.mkdirSync(path.join(parent, `.tmp-epoch-4-${process.pid}`)); // a live process's temporary: kept

    await assert.rejects(loadCheckpointModel(path.join(parent, 'epoch-1')), new RegExp(`previous version is in \\.old-epoch-1-${pid}`));
    await saveCheckpoint(model, path.join(parent, 'epoch-2'));
    assert.deepEqual(fs.readdirSync(parent).sort(), [`.tmp-epoch-4-${process.pid}`, 'epoch-1', 'epoch-2']);
    assertSameWeights(await loadCheckpointModel(path.join(parent, 'epoch-1')), saved);
  });
});
