import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { ensureWasm, leaveOnWasm, randomTensor, wasmVsCpu } from './helpers';

const TOLERANCE = 1e-5;

type Pad = 'same' | 'valid' | number;

interface Case {
  name: string;
  /** NHWC input shape. */
  x: [number, number, number, number];
  kernel: [number, number];
  outChannels: number;
  strides: [number, number];
  pad: Pad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

const CASES: Case[] = [
  { name: 'batch 1, 3x3, stride 1, valid', x: [1, 5, 5, 1], kernel: [3, 3], outChannels: 1, strides: [1, 1], pad: 'valid' },
  { name: 'batch 3, 3x3, stride 1, same', x: [3, 6, 6, 3], kernel: [3, 3], outChannels: 4, strides: [1, 1], pad: 'same' },
  { name: 'non-square input and kernel, same', x: [2, 7, 4, 2], kernel: [3, 2], outChannels: 5, strides: [1, 1], pad: 'same' },
  { name: 'stride 2, same, odd size', x: [2, 7, 9, 3], kernel: [3, 3], outChannels: 2, strides: [2, 2], pad: 'same' },
  // 1x1 stride-2 'same' (ResNet shortcut): the conv output is larger than the kernel and must be sliced.
  { name: '1x1, stride 2, same (slice needed)', x: [2, 8, 8, 3], kernel: [1, 1], outChannels: 4, strides: [2, 2], pad: 'same' },
  { name: '2x2, stride 3, same (slice needed)', x: [1, 9, 9, 2], kernel: [2, 2], outChannels: 3, strides: [3, 3], pad: 'same' },
  { name: 'stride 2, valid, last row unread (slice needed)', x: [2, 8, 8, 2], kernel: [3, 3], outChannels: 3, strides: [2, 2], pad: 'valid' },
  { name: 'mixed strides 1x2, valid, non-square', x: [2, 6, 9, 1], kernel: [2, 3], outChannels: 2, strides: [1, 2], pad: 'valid' },
  { name: 'conv1d-like 1xK kernel, stride 2, same', x: [3, 1, 11, 4], kernel: [1, 5], outChannels: 3, strides: [1, 2], pad: 'same' },
  { name: 'numeric pad 1, stride 2', x: [2, 7, 6, 2], kernel: [3, 3], outChannels: 2, strides: [2, 2], pad: 1 },
  { name: 'numeric pad 0, ceil rounding', x: [1, 8, 8, 2], kernel: [3, 3], outChannels: 2, strides: [2, 2], pad: 0, dimRoundingMode: 'ceil' },
  { name: 'more channels', x: [2, 5, 5, 8], kernel: [3, 3], outChannels: 16, strides: [1, 1], pad: 'same' },
];

function dyShape(c: Case): number[] {
  const filterShape: [number, number, number, number] = [...c.kernel, c.x[3], c.outChannels];
  return tf.backend_util.computeConv2DInfo(c.x, filterShape, c.strides, 1, c.pad, c.dimRoundingMode).outShape;
}

describe('wasm Conv2DBackpropFilter (composed from Conv2D)', () => {
  before(ensureWasm);
  after(leaveOnWasm);

  it('is registered for wasm', () => {
    assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm'));
  });

  for (const c of CASES) {
    it(`agrees with cpu: ${c.name}`, async () => {
      const err = await wasmVsCpu(
        () =>
          tf.engine().runKernel('Conv2DBackpropFilter', { x: randomTensor(c.x, 1), dy: randomTensor(dyShape(c), 2) }, {
            strides: c.strides,
            pad: c.pad,
            dataFormat: 'NHWC',
            dimRoundingMode: c.dimRoundingMode,
            filterShape: [...c.kernel, c.x[3], c.outChannels],
          } as unknown as tf.NamedAttrMap) as tf.Tensor,
      );
      assert.ok(err <= TOLERANCE, `relative error ${err}`);
    });
  }

  it('agrees with cpu for NCHW data', async () => {
    const [n, h, w, ci] = [2, 6, 5, 3];
    const co = 2;
    const info = tf.backend_util.computeConv2DInfo([n, ci, h, w], [3, 3, ci, co], 2, 1, 'same', undefined, false, 'channelsFirst');
    const err = await wasmVsCpu(
      () =>
        tf.engine().runKernel('Conv2DBackpropFilter', { x: randomTensor([n, ci, h, w], 3), dy: randomTensor(info.outShape, 4) }, {
          strides: 2,
          pad: 'same',
          dataFormat: 'NCHW',
          filterShape: [3, 3, ci, co],
        } as unknown as tf.NamedAttrMap) as tf.Tensor,
    );
    assert.ok(err <= TOLERANCE, `relative error ${err}`);
  });

  // The kernel is reached through tf.grad of conv2d/conv1d: compare both gradients end to end.
  const GRAD_CASES: { x: [number, number, number, number]; f: [number, number, number, number]; s: number; pad: 'same' | 'valid' }[] = [
    { x: [1, 6, 6, 1], f: [3, 3, 1, 2], s: 1, pad: 'valid' },
    { x: [2, 7, 5, 3], f: [3, 2, 3, 4], s: 2, pad: 'same' },
    { x: [3, 8, 8, 2], f: [1, 1, 2, 3], s: 2, pad: 'same' },
    { x: [2, 9, 7, 2], f: [3, 3, 2, 2], s: 2, pad: 'valid' },
  ];
  for (const g of GRAD_CASES) {
    it(`tf.grad of conv2d agrees with cpu: x ${g.x}, filter ${g.f}, stride ${g.s}, ${g.pad}`, async () => {
      const err = await wasmVsCpu(() => {
        const x = randomTensor(g.x, 5);
        const filter = randomTensor(g.f, 6);
        const loss = (a: tf.Tensor, b: tf.Tensor) => {
          const y = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, g.s, g.pad);
          return tf.sum(tf.mul(y, randomTensor(y.shape, 7)));
        };
        return tf.grads(loss)([x, filter]);
      });
      assert.ok(err <= TOLERANCE, `relative error ${err}`);
    });
  }

  it('tf.grad of conv1d (stride 2, same) agrees with cpu', async () => {
    const err = await wasmVsCpu(() => {
      const loss = (a: tf.Tensor, b: tf.Tensor) => {
        const y = tf.conv1d(a as tf.Tensor3D, b as tf.Tensor3D, 2, 'same');
        return tf.sum(tf.mul(y, randomTensor(y.shape, 8)));
      };
      return tf.grads(loss)([randomTensor([3, 13, 4], 9), randomTensor([5, 4, 6], 10)]);
    });
    assert.ok(err <= TOLERANCE, `relative error ${err}`);
  });

  it('tf.grad of conv2dTranspose agrees with cpu', async () => {
    const err = await wasmVsCpu(() => {
      const loss = (a: tf.Tensor, b: tf.Tensor) => {
        const y = tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, [2, 9, 7, 3], 2, 'same');
        return tf.sum(tf.mul(y, randomTensor(y.shape, 11)));
      };
      return tf.grads(loss)([randomTensor([2, 5, 4, 4], 12), randomTensor([3, 3, 3, 4], 13)]);
    });
    assert.ok(err <= TOLERANCE, `relative error ${err}`);
  });

  it('frees its intermediates', async () => {
    await ensureWasm();
    await tf.setBackend('wasm');
    const x = randomTensor([2, 8, 8, 3], 14);
    const dy = randomTensor([2, 4, 4, 5], 15);
    const attrs = { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: [1, 1, 3, 5] } as unknown as tf.NamedAttrMap;
    const run = () => (tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs) as tf.Tensor).dispose();
    run();
    const backend = tf.backend() as unknown as { dataIdMap: { numDataIds(): number } };
    const before = backend.dataIdMap.numDataIds();
    for (let i = 0; i < 5; i++) run();
    assert.strictEqual(backend.dataIdMap.numDataIds(), before);
    tf.dispose([x, dy]);
  });
});
