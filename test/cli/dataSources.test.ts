// The image-folder and NumPy examples trained from the command line as a user
// runs them, a one-unit sigmoid model on a two-class folder (labels inferred
// from the loss), and data.inputShape in front of a Keras model.
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

  it('puts data.inputShape in front of a Keras model, and points at it when missing', async () => {
    const dir = tempDir();
    const header = [...Array.from({ length: 12 }, (_, i) => `p${i}`), 'label'].join(',');
    const rows = Array.from({ length: 40 }, (_, r) => [...Array.from({ length: 12 }, (_, i) => ((r * 7 + i * 3) % 10) + (r % 2) * 5), r % 2].join(','));
    fs.writeFileSync(path.join(dir, 'pixels.csv'), `${header}\n${rows.join('\n')}\n`);
    const layer = (className: string, config: Record<string, unknown>) => ({ class_name: className, config: { trainable: true, dtype: 'float32', ...config } });
    const keras = {
      class_name: 'Sequential',
      config: {
        name: 'image_head',
        layers: [
          layer('InputLayer', { batch_input_shape: [null, 2, 2, 3], name: 'pixels' }),
          layer('Flatten', { name: 'flatten' }),
          layer('Dense', { name: 'output', units: 2, activation: 'softmax', use_bias: true }),
        ],
      },
      keras_version: '2.15.0',
      backend: 'tensorflow',
    };
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(keras, null, 2));
    const spec = (data: Record<string, unknown>) => ({
      data: { source: 'csv', path: 'pixels.csv', label: 'label', ...data },
      model: { keras: 'model.json' },
      training: { epochs: 1, batchSize: 8, optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'], seed: 1 },
    });
    fs.writeFileSync(path.join(dir, 'flat.nn.json'), JSON.stringify(spec({}), null, 2));
    const refused = await runCli(['train', 'flat.nn.json', '--backend', 'wasm'], { cwd: dir });
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(
      refused.stderr,
      /takes inputs of shape \[2, 2, 3\], but the data gives \[12\]; set data\.inputShape to \[2, 2, 3\] to reshape each sample of \[12\]/,
    );
    fs.writeFileSync(path.join(dir, 'reshaped.nn.json'), JSON.stringify(spec({ inputShape: [2, 2, 3] }), null, 2));
    const r = await runCli(['train', 'reshaped.nn.json', '--backend', 'wasm'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /each sample reshaped to \[2, 2, 3\]/);
    assert.match(r.stderr, /finished after \d+ steps/);
  });
});
