import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { replacedStockKernel } from '../../../src/trainer/backend/wasmKernels';
import { ensureWasm, leaveOnWasm, randomTensor, wasmVsCpu } from './helpers';

const TOLERANCE = 1e-5;

type Shape4 = [number, number, number, number];

interface Case {
  name: string;
  /** NHWC input shape (the shape of dx). */
  x: Shape4;
  kernel: [number, number];
  outChannels: number;
  strides: [number, number];
  pad: 'same' | 'valid' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

const CASES: Case[] = [
  { name: 'batch 1, 3x3, stride 1, valid', x: [1, 5, 5, 1], kernel: [3, 3], outChannels: 1, strides: [1, 1], pad: 'valid' },
  { name: 'seed CNN conv2 (3x3 same, 32 -> 64)', x: [2, 16, 16, 32], kernel: [3, 3], outChannels: 64, strides: [1, 1], pad: 'same' },
  { name: 'non-square input and kernel, same', x: [2, 7, 4, 2], kernel: [3, 2], outChannels: 5, strides: [1, 1], pad: 'same' },
  { name: 'even kernel, same (asymmetric padding)', x: [2, 6, 6, 3], kernel: [4, 4], outChannels: 2, strides: [1, 1], pad: 'same' },
  { name: 'stride 2, same, odd size', x: [2, 7, 9, 3], kernel: [3, 3], outChannels: 2, strides: [2, 2], pad: 'same' },
  { name: '1x1, stride 2, same (rows never read)', x: [2, 8, 8, 3], kernel: [1, 1], outChannels: 4, strides: [2, 2], pad: 'same' },
  { name: 'stride 2, valid, last row unread (crop)', x: [2, 8, 8, 2], kernel: [3, 3], outChannels: 3, strides: [2, 2], pad: 'valid' },
  { name: 'stride 3, valid', x: [1, 10, 11, 2], kernel: [2, 2], outChannels: 3, strides: [3, 3], pad: 'valid' },
  { name: 'mixed strides 1x2, valid, non-square', x: [2, 6, 9, 1], kernel: [2, 3], outChannels: 2, strides: [1, 2], pad: 'valid' },
  { name: 'conv1d-like 1xK kernel, stride 2, same', x: [3, 1, 11, 4], kernel: [1, 5], outChannels: 3, strides: [1, 2], pad: 'same' },
  { name: 'numeric pad 1, stride 2', x: [2, 7, 6, 2], kernel: [3, 3], outChannels: 2, strides: [2, 2], pad: 1 },
  { name: 'numeric pad 3 > kernel - 1 (crop in front)', x: [1, 6, 6, 2], kernel: [3, 3], outChannels: 2, strides: [1, 1], pad: 3 },
  { name: 'numeric pad 0, ceil rounding', x: [1, 8, 8, 2], kernel: [3, 3], outChannels: 2, strides: [2, 2], pad: 0, dimRoundingMode: 'ceil' },
];

function dyShape(c: Case): number[] {
  const filterShape: Shape4 = [...c.kernel, c.x[3], c.outChannels];
  return tf.backend_util.computeConv2DInfo(c.x, filterShape, c.strides, 1, c.pad, c.dimRoundingMode).outShape;
}

describe('wasm Conv2DBackpropInput (composed from Conv2D)', () => {
  before(ensureWasm);
  after(leaveOnWasm);

  it('replaces the stock kernel on wasm only', () => {
    assert.ok(replacedStockKernel('Conv2DBackpropInput'), 'the stock kernel was found and replaced');
    assert.notStrictEqual(tf.getKernel('Conv2DBackpropInput', 'wasm')?.kernelFunc, replacedStockKernel('Conv2DBackpropInput')?.kernelFunc);
    assert.strictEqual(tf.getKernel('Conv2DBackpropInput', 'cpu')?.backendName, 'cpu');
  });

  for (const c of CASES) {
    it(`agrees with cpu: ${c.name}`, async () => {
      const err = await wasmVsCpu(
        () =>
          tf.engine().runKernel('Conv2DBackpropInput', { dy: randomTensor(dyShape(c), 1), filter: randomTensor([...c.kernel, c.x[3], c.outChannels], 2) }, {
            strides: c.strides,
            pad: c.pad,
            dataFormat: 'NHWC',
            dimRoundingMode: c.dimRoundingMode,
            inputShape: c.x,
          } as unknown as tf.NamedAttrMap) as tf.Tensor,
      );
      assert.ok(err <= TOLERANCE, `relative error ${err}`);
    });
  }

  it('agrees with cpu for NCHW data', async () => {
    const [n, h, w, ci] = [2, 6, 5, 3];
    const co = 4;
    const info = tf.backend_util.computeConv2DInfo([n, ci, h, w], [3, 3, ci, co], 2, 1, 'same', undefined, false, 'channelsFirst');
    const err = await wasmVsCpu(
      () =>
        tf.engine().runKernel('Conv2DBackpropInput', { dy: randomTensor(info.outShape, 3), filter: randomTensor([3, 3, ci, co], 4) }, {
          strides: 2,
          pad: 'same',
          dataFormat: 'NCHW',
          inputShape: [n, ci, h, w],
        } as unknown as tf.NamedAttrMap) as tf.Tensor,
    );
    assert.ok(err <= TOLERANCE, `relative error ${err}`);
  });

  it('tf.grad of a conv2d stack agrees with cpu (input and filter gradients)', async () => {
    const err = await wasmVsCpu(() => {
      const loss = (a: tf.Tensor, f1: tf.Tensor, f2: tf.Tensor) => {
        const h = tf.relu(tf.conv2d(a as tf.Tensor4D, f1 as tf.Tensor4D, 2, 'same'));
        const y = tf.conv2d(h, f2 as tf.Tensor4D, 1, 'valid');
        return tf.sum(tf.mul(y, randomTensor(y.shape, 5)));
      };
      return tf.grads(loss)([randomTensor([2, 9, 8, 3], 6), randomTensor([3, 3, 3, 4], 7), randomTensor([2, 2, 4, 5], 8)]);
    });
    assert.ok(err <= TOLERANCE, `relative error ${err}`);
  });

  it('conv2dTranspose (its forward pass) agrees with cpu', async () => {
    const err = await wasmVsCpu(() =>
      tf.conv2dTranspose(randomTensor([2, 5, 4, 4], 9) as tf.Tensor4D, randomTensor([3, 3, 3, 4], 10) as tf.Tensor4D, [2, 9, 7, 3], 2, 'same'),
    );
    assert.ok(err <= TOLERANCE, `relative error ${err}`);
  });

  it('frees its intermediates', async () => {
    await tf.setBackend('wasm');
    const dy = randomTensor([2, 4, 4, 5], 11);
    const filter = randomTensor([3, 3, 3, 5], 12);
    const attrs = { strides: 2, pad: 'valid', dataFormat: 'NHWC', inputShape: [2, 9, 9, 3] } as unknown as tf.NamedAttrMap;
    const run = () => (tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, attrs) as tf.Tensor).dispose();
    run();
    const ids = tf.engine().backend.numDataIds();
    for (let i = 0; i < 5; i++) run();
    assert.strictEqual(tf.engine().backend.numDataIds(), ids);
    tf.dispose([dy, filter]);
  });
});
