// The image-folder and NumPy examples trained from the command line as a user
// runs them, and a one-unit sigmoid model on a two-class folder (labels
// inferred from the loss).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../trainer/run/harness';
import { ROOT, runCli } from './helpers';

function testAccuracy(stderr: string): number {
  const match = /test accuracy (\d+\.\d+)%/.exec(stderr);
  assert.ok(match, `no test accuracy in:\n${stderr}`);
  return Number(match[1]);
}

describe('CLI: image folders and NumPy arrays', function () {
  this.timeout(120_000);

  it('trains examples/shapes-cnn.nn.json (an image folder) to a useful accuracy', async () => {
    const r = await runCli(['train', 'examples/shapes-cnn.nn.json', '--backend', 'wasm']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /images from examples\/data\/shapes\/train \(test examples\/data\/shapes\/test\): 3 classes \(circle, square, triangle\), rgb, resized to 24×24: 300 train \(270 \+ 30 validation\) \/ 60 test; pixels \/ 255/,
    );
    // Chance is 33%.
    assert.ok(testAccuracy(r.stderr) >= 70, r.stderr);
  });

  it('trains examples/shapes-numpy.nn.json (an .npz reshaped by data.inputShape)', async () => {
    const r = await runCli(['train', 'examples/shapes-numpy.nn.json', '--backend', 'wasm']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /NumPy examples\/data\/shapes\.npz \(test: x_test, y_test\): input \[16, 16\] \|u1, classification, 3 classes.*each sample reshaped to \[16, 16, 1\]/,
    );
    assert.ok(testAccuracy(r.stderr) >= 70, r.stderr);
  });

  it('trains a one-unit sigmoid model on a two-class folder, inside the data root', async () => {
    const dir = tempDir();
    for (const shape of ['circle', 'square'])
      fs.cpSync(path.join(ROOT, 'examples/data/shapes/train', shape), path.join(dir, 'pictures', shape), { recursive: true });
    const spec = {
      data: { source: 'images', path: 'pictures', colorMode: 'grayscale', validationSplit: 0.2 },
      model: {
        layers: [
          { type: 'conv2d', filters: 8, kernelSize: 3, activation: 'relu' },
          { type: 'globalMaxPooling2d' },
          { type: 'dense', units: 1, activation: 'sigmoid' },
        ],
      },
      training: { epochs: 2, batchSize: 16, optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'], seed: 1 },
    };
    fs.writeFileSync(path.join(dir, 'binary.nn.json'), JSON.stringify(spec, null, 2));
    const r = await runCli(['train', 'binary.nn.json', '--backend', 'wasm', '--data-root', '.'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /2 classes \(circle, square\), grayscale, size of the first image, 32×32/);
    assert.match(r.stderr, /finished after \d+ steps/);
  });
});
