import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { ensureWasm, leaveOnWasm, randomTensor, randomValues, relativeError, runOn, wasmVsCpu } from './helpers';

const TOLERANCE = 1e-5;

interface Case {
  name: string;
  x: [number, number, number, number];
  kernel: [number, number];
  multiplier: number;
  strides: [number, number];
  dilations: [number, number];
  pad: 'same' | 'valid';
}

const CASES: Case[] = [
  { name: 'batch 1, 3x3, valid', x: [1, 5, 5, 1], kernel: [3, 3], multiplier: 1, strides: [1, 1], dilations: [1, 1], pad: 'valid' },
  { name: 'batch 3, 3x3, same, multiplier 2', x: [3, 6, 6, 3], kernel: [3, 3], multiplier: 2, strides: [1, 1], dilations: [1, 1], pad: 'same' },
  { name: 'non-square input and kernel, same', x: [2, 7, 4, 2], kernel: [3, 2], multiplier: 1, strides: [1, 1], dilations: [1, 1], pad: 'same' },
  { name: 'stride 2, same, odd sizes', x: [2, 7, 9, 3], kernel: [3, 3], multiplier: 1, strides: [2, 2], dilations: [1, 1], pad: 'same' },
  { name: 'stride 2, valid, multiplier 3', x: [2, 8, 8, 2], kernel: [3, 3], multiplier: 3, strides: [2, 2], dilations: [1, 1], pad: 'valid' },
  { name: '1x1, stride 2, same', x: [1, 8, 6, 4], kernel: [1, 1], multiplier: 2, strides: [2, 2], dilations: [1, 1], pad: 'same' },
  { name: 'mixed strides 1x3, same', x: [2, 5, 10, 2], kernel: [2, 3], multiplier: 1, strides: [1, 3], dilations: [1, 1], pad: 'same' },
  { name: 'dilation 2, same', x: [2, 9, 8, 2], kernel: [3, 3], multiplier: 2, strides: [1, 1], dilations: [2, 2], pad: 'same' },
  { name: 'dilation 2x3, valid, non-square', x: [1, 9, 11, 3], kernel: [2, 3], multiplier: 1, strides: [1, 1], dilations: [2, 3], pad: 'valid' },
  { name: 'more channels', x: [2, 6, 6, 16], kernel: [3, 3], multiplier: 1, strides: [1, 1], dilations: [1, 1], pad: 'same' },
];

function info(c: Case) {
  return tf.backend_util.computeConv2DInfo(c.x, [...c.kernel, c.x[3], c.multiplier], c.strides, c.dilations, c.pad, undefined, true);
}

/**
 * Straight-from-the-definition gradients of y = depthwiseConv2d(x, w): the
 * reference for dilated cases, where tfjs's cpu kernels ignore the dilation
 * (tfjs's gradient refuses dilation > 1 anyway, so they are never reached).
 */
function referenceGradients(c: Case, x: Float32Array, w: Float32Array, dy: Float32Array): { dx: Float64Array; dw: Float64Array } {
  const ci = info(c);
  const [n, h, wid, ch] = c.x;
  const [kh, kw] = c.kernel;
  const m = c.multiplier;
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < ci.outHeight; i++)
      for (let j = 0; j < ci.outWidth; j++)
        for (let r = 0; r < kh; r++)
          for (let s = 0; s < kw; s++) {
            const row = i * ci.strideHeight + r * ci.dilationHeight - ci.padInfo.top;
            const col = j * ci.strideWidth + s * ci.dilationWidth - ci.padInfo.left;
            if (row < 0 || row >= h || col < 0 || col >= wid) continue;
            for (let c1 = 0; c1 < ch; c1++)
              for (let q = 0; q < m; q++) {
                const g = dy[((b * ci.outHeight + i) * ci.outWidth + j) * ch * m + c1 * m + q];
                const xi = ((b * h + row) * wid + col) * ch + c1;
                const wi = ((r * kw + s) * ch + c1) * m + q;
                dx[xi] += g * w[wi];
                dw[wi] += g * x[xi];
              }
          }
  return { dx, dw };
}

describe('wasm DepthwiseConv2dNative gradients (composed from DepthwiseConv2dNative)', () => {
  before(ensureWasm);
  after(leaveOnWasm);

  it('are registered for wasm', () => {
    assert.ok(tf.getKernel('DepthwiseConv2dNativeBackpropFilter', 'wasm'));
    assert.ok(tf.getKernel('DepthwiseConv2dNativeBackpropInput', 'wasm'));
  });

  for (const c of CASES) {
    const dilated = c.dilations.some((d) => d > 1);
    const reference = dilated ? 'the definition' : 'cpu';
    const filterShape = [...c.kernel, c.x[3], c.multiplier];
    const attrs = { strides: c.strides, dilations: c.dilations, pad: c.pad };
    const computeFilterGrad = () =>
      tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x: randomTensor(c.x, 1), dy: randomTensor(info(c).outShape, 2) }, {
        ...attrs,
        filterShape,
      } as unknown as tf.NamedAttrMap) as tf.Tensor;
    const computeInputGrad = () =>
      tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy: randomTensor(info(c).outShape, 2), filter: randomTensor(filterShape, 3) }, {
        ...attrs,
        inputShape: c.x,
      } as unknown as tf.NamedAttrMap) as tf.Tensor;

    it(`filter gradient agrees with ${reference}: ${c.name}`, async () => {
      if (!dilated) {
        const err = await wasmVsCpu(computeFilterGrad);
        assert.ok(err <= TOLERANCE, `relative error ${err}`);
        return;
      }
      const wasm = await runOn('wasm', computeFilterGrad);
      const ref = referenceGradients(
        c,
        randomValues(tf.util.sizeFromShape(c.x), 1),
        randomValues(tf.util.sizeFromShape(filterShape), 3),
        randomValues(tf.util.sizeFromShape(info(c).outShape), 2),
      );
      assert.deepStrictEqual(wasm.shapes[0], filterShape);
      const err = relativeError(wasm.values[0], ref.dw);
      assert.ok(err <= TOLERANCE, `relative error ${err}`);
    });

    it(`input gradient agrees with ${reference}: ${c.name}`, async () => {
      if (!dilated) {
        const err = await wasmVsCpu(computeInputGrad);
        assert.ok(err <= TOLERANCE, `relative error ${err}`);
        return;
      }
      const wasm = await runOn('wasm', computeInputGrad);
      const ref = referenceGradients(
        c,
        randomValues(tf.util.sizeFromShape(c.x), 1),
        randomValues(tf.util.sizeFromShape(filterShape), 3),
        randomValues(tf.util.sizeFromShape(info(c).outShape), 2),
      );
      assert.deepStrictEqual(wasm.shapes[0], c.x);
      const err = relativeError(wasm.values[0], ref.dx);
      assert.ok(err <= TOLERANCE, `relative error ${err}`);
    });
  }

  it('the reference itself matches cpu on an undilated case', async () => {
    const c = CASES[4];
    const filterShape = [...c.kernel, c.x[3], c.multiplier];
    const cpu = await runOn('cpu', () => {
      const dy = randomTensor(info(c).outShape, 2);
      const attrs = { strides: c.strides, dilations: c.dilations, pad: c.pad };
      return [
        tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: randomTensor(filterShape, 3) }, {
          ...attrs,
          inputShape: c.x,
        } as unknown as tf.NamedAttrMap) as tf.Tensor,
        tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x: randomTensor(c.x, 1), dy }, {
          ...attrs,
          filterShape,
        } as unknown as tf.NamedAttrMap) as tf.Tensor,
      ];
    });
    const ref = referenceGradients(
      c,
      randomValues(tf.util.sizeFromShape(c.x), 1),
      randomValues(tf.util.sizeFromShape(filterShape), 3),
      randomValues(tf.util.sizeFromShape(info(c).outShape), 2),
    );
    assert.ok(relativeError(cpu.values[0], ref.dx) <= TOLERANCE);
    assert.ok(relativeError(cpu.values[1], ref.dw) <= TOLERANCE);
  });

  for (const [name, x, f, s, pad] of [
    ['stride 1, same, multiplier 2', [2, 6, 5, 3], [3, 3, 3, 2], 1, 'same'],
    ['stride 2, valid', [3, 9, 7, 2], [3, 2, 2, 1], 2, 'valid'],
  ] as const) {
    it(`tf.grad of depthwiseConv2d agrees with cpu: ${name}`, async () => {
      const err = await wasmVsCpu(() => {
        const loss = (a: tf.Tensor, b: tf.Tensor) => {
          const y = tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, pad);
          return tf.sum(tf.mul(y, randomTensor(y.shape, 4)));
        };
        return tf.grads(loss)([randomTensor([...x], 5), randomTensor([...f], 6)]);
      });
      assert.ok(err <= TOLERANCE, `relative error ${err}`);
    });
  }

  it('tf.grad of separableConv2d agrees with cpu', async () => {
    const err = await wasmVsCpu(() => {
      const loss = (a: tf.Tensor, dw: tf.Tensor, pw: tf.Tensor) => {
        const y = tf.separableConv2d(a as tf.Tensor4D, dw as tf.Tensor4D, pw as tf.Tensor4D, 2, 'same');
        return tf.sum(tf.mul(y, randomTensor(y.shape, 7)));
      };
      return tf.grads(loss as (...args: tf.Tensor[]) => tf.Tensor)([
        randomTensor([2, 7, 6, 3], 8),
        randomTensor([3, 3, 3, 2], 9),
        randomTensor([1, 1, 6, 4], 10),
      ]);
    });
    assert.ok(err <= TOLERANCE, `relative error ${err}`);
  });
});
