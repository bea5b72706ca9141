// `--threads N` must not change a single bit: the native kernels split each
// call by output elements, every element summed in the same order whatever
// the pool size (docs/performance.md, "Threads"). Each example that needs no
// downloaded data, and a small CNN, trains one short epoch with 1, 2 and 3
// kernel threads; the checkpoints after it must be byte-identical.
// NEURAL_DEBUGGER_SPLIT_FLOPS=0 makes the kernels split every call they can,
// not only those above the speed cut-off: these networks are small.

import * as assert from 'assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../trainer/run/harness';
import { ROOT, runCli } from './helpers';

const THREADS = [1, 2, 3];
const EXAMPLES = ['spiral-mlp', 'dying-relu', 'deep-sigmoid', 'sequence-lstm', 'tiny-transformer'];

/**
 * Three conv layers on 24×24×3 blobs, the conv kernels' split paths: 3 input
 * channels first (im2col), 16→16 stride 1 (Winograd: its 576 tiles per batch
 * make several forward blocks and two filter-gradient reduction blocks), then
 * stride 2 (im2col and col2im).
 */
const CNN_SPEC = {
  name: 'threads-cnn',
  data: { source: 'synthetic', dataset: 'blobs', samples: 160, features: 1728, classes: 4, validationSplit: 0.2 },
  model: {
    layers: [
      { type: 'reshape', targetShape: [24, 24, 3] },
      { type: 'conv2d', filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' },
      { type: 'maxPooling2d', poolSize: 2 },
      { type: 'conv2d', filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' },
      { type: 'conv2d', filters: 16, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' },
      { type: 'flatten' },
      { type: 'dense', units: 4, activation: 'softmax' },
    ],
  },
  training: { epochs: 1, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.01 }, loss: 'categoricalCrossentropy', metrics: ['accuracy'], seed: 5 },
};

/** A copy of the example with few samples, so one epoch is a few steps. */
function shortSpec(dir: string, example: string): string {
  const spec = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', `${example}.nn.json`), 'utf8')) as { data: Record<string, unknown> };
  spec.data.samples = 200;
  delete spec.data.trainSamples;
  const file = path.join(dir, `${example}.nn.json`);
  fs.writeFileSync(file, JSON.stringify(spec));
  return file;
}

async function checkpointAfterOneEpoch(spec: string, threads: number, dir: string): Promise<{ weights: Buffer; topology: Buffer }> {
  const ckpt = path.join(dir, `ckpt-${threads}`);
  const r = await runCli(['train', spec, '--epochs', '1', '--seed', '11', '--backend', 'wasm', '--threads', String(threads), '--checkpoint-dir', ckpt], {
    env: { NEURAL_DEBUGGER_SPLIT_FLOPS: '0' },
  });
  assert.equal(r.code, 0, `${path.basename(spec)} --threads ${threads}:\n${r.stderr}`);
  return { weights: fs.readFileSync(path.join(ckpt, 'epoch-1', 'weights.bin')), topology: fs.readFileSync(path.join(ckpt, 'epoch-1', 'model.json')) };
}

describe('CLI: --threads gives bit-identical training', function () {
  this.timeout(600_000);

  const specs: [string, (dir: string) => string][] = [
    ...EXAMPLES.map((e): [string, (dir: string) => string] => [e, (dir) => shortSpec(dir, e)]),
    [
      'a CNN on 24×24×3',
      (dir) => {
        const file = path.join(dir, 'cnn.nn.json');
        fs.writeFileSync(file, JSON.stringify(CNN_SPEC));
        return file;
      },
    ],
  ];
  for (const [name, make] of specs) {
    it(`${name}: epoch checkpoints byte-identical on ${THREADS.join(', ')} threads`, async () => {
      const dir = tempDir();
      const spec = make(dir);
      const [first, ...others] = await Promise.all(THREADS.map((n) => checkpointAfterOneEpoch(spec, n, dir)));
      others.forEach((other, i) => {
        assert.ok(first.weights.equals(other.weights), `weights.bin differs between 1 and ${THREADS[i + 1]} threads`);
        assert.ok(first.topology.equals(other.topology), `model.json differs between 1 and ${THREADS[i + 1]} threads`);
      });
    });
  }

  it('rejects --threads 0 with a usage error naming the flag', async () => {
    const r = await runCli(['train', 'examples/spiral-mlp.nn.json', '--threads', '0']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--threads expects an integer ≥ 1, got '0'/);
  });

  for (const [name, value, message] of [
    ['NEURAL_DEBUGGER_SPIN', 'abc', /native kernels off: NEURAL_DEBUGGER_SPIN must be an integer ≥ 0, got 'abc'/],
    ['NEURAL_DEBUGGER_SPLIT_FLOPS', '-1', /native kernels off: NEURAL_DEBUGGER_SPLIT_FLOPS must be a number ≥ 0, got '-1'/],
  ] as const) {
    it(`a bad ${name} turns the native kernels off with its message and still trains (no stack trace)`, async () => {
      const r = await runCli(['train', 'examples/spiral-mlp.nn.json', '--steps', '2'], { env: { [name]: value } });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout + r.stderr, message);
      assert.doesNotMatch(r.stdout + r.stderr, /^\s+at /m, 'no stack trace');
      assert.match(r.stdout + r.stderr, /finished after 2 steps/);
    });
  }
});
