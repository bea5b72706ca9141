// The promise of the README: the MNIST MLP reaches ≥ 97% test accuracy in 3
// epochs on real MNIST, on the wasm backend, from the command line.
import * as assert from 'node:assert/strict';
import { runCli } from './helpers';

describe('CLI: real MNIST', () => {
  it('mnist-mlp reaches at least 97% test accuracy in 3 epochs on wasm', async () => {
    const r = await runCli(['train', 'examples/mnist-mlp.nn.json', '--epochs', '3', '--backend', 'wasm'], { timeoutMs: 600_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /60000 train/);
    const accuracy = Number(/test accuracy (\d+\.\d+)%/.exec(r.stderr)?.[1]);
    assert.ok(accuracy >= 97, `test accuracy ${accuracy}%:\n${r.stderr}`);
    // A healthy run raises no warning.
    assert.doesNotMatch(r.stderr, /^(warning|error): /m);
  });
});
