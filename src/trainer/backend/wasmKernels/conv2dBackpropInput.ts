// Conv2DBackpropInput (the input gradient of every Conv2D that is not the
// first layer, and the forward pass of Conv2DTranspose) for wasm. Stock
// tfjs-backend-wasm 4.22 has it, but as a plain C++ loop: 65–260 ms of a
// seed-CNN training step (docs/performance.md). This one is the same
// arithmetic routed through the XNNPACK Conv2D kernel.
//
// Identity (NHWC, forward strides sh/sw, dilation 1 as tfjs requires for
// conv gradients): dx is the transposed convolution of dy, i.e. a stride-1
// 'valid' Conv2D of dy spread out (sh−1 zero rows between its rows, sw−1
// zero columns between its columns) and padded by KH−1−top in front, with the
// filter rotated 180° in space and its in/out channels swapped:
//   dx[n,h,w,ci] = Σ_{kh,kw,co} dyPadded[n, h+kh, w+kw, co] · W[KH−1−kh, KW−1−kw, ci, co]
//
// That composite is the fallback: NHWC float32 gradients run the native
// kernel (src/trainer/backend/native/assembly/conv.ts): dy·Wᵀ per block of
// output positions gives each position's patch gradient, which col2im adds
// into dx — no zero-spread dy for strides > 1.

import * as tf from '@tensorflow/tfjs';
import { nativeConv2dBackpropInput } from '../native/conv';
import { nativeConvGradient, type ConvBackpropAttrs } from './convBackprop';
import { composite, kernelInput, type KernelArgs, type Shape4 } from './scope';

interface Conv2DBackpropInputAttrs extends ConvBackpropAttrs {
  inputShape: Shape4;
}

function conv2dBackpropInput(args: KernelArgs): tf.TensorInfo {
  const dy = kernelInput(args, 'dy');
  const filter = kernelInput(args, 'filter');
  const attrs = args.attrs as unknown as Conv2DBackpropInputAttrs;
  const native = nativeConvGradient(args, attrs, attrs.inputShape, filter.shape as Shape4, dy, filter);
  return native ? nativeConv2dBackpropInput(native.kernels, dy, filter, native.info) : conv2dBackpropInputComposite(args);
}

/** The composite of stock wasm kernels (fallback; also the "before" of bench/kernels.ts). */
export function conv2dBackpropInputComposite(args: KernelArgs): tf.TensorInfo {
  const dy = kernelInput(args, 'dy');
  const filter = kernelInput(args, 'filter');
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as Conv2DBackpropInputAttrs;

  return composite(args.backend, (s) => {
    const channelsFirst = dataFormat === 'NCHW';
    const xShape: Shape4 = channelsFirst ? [inputShape[0], inputShape[2], inputShape[3], inputShape[1]] : inputShape;
    const dyNhwc = channelsFirst ? s.transpose(dy, [0, 2, 3, 1]) : dy;
    const [kh, kw] = filter.shape as Shape4;
    const info = tf.backend_util.computeConv2DInfo(xShape, filter.shape as Shape4, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
    const { strideHeight: sh, strideWidth: sw } = info;
    const [n, inH, inW] = xShape;
    const [, outH, outW, outC] = dyNhwc.shape as Shape4;

    // Row t of `spread` is dy's row t/sh when sh divides t, else zero.
    const spread =
      sh === 1 && sw === 1
        ? dyNhwc
        : s.reshape(
            s.pad(s.reshape(dyNhwc, [n, outH, 1, outW, 1, outC]), [
              [0, 0],
              [0, 0],
              [0, sh - 1],
              [0, 0],
              [0, sw - 1],
              [0, 0],
            ]),
            [n, outH * sh, outW * sw, outC],
          );
    const top = kh - 1 - info.padInfo.top;
    const left = kw - 1 - info.padInfo.left;
    // Rows past the last one the forward pass read get no gradient: the
    // bottom/right amounts can be negative (crop) as well as positive (pad).
    const bottom = inH + kh - 1 - top - outH * sh;
    const right = inW + kw - 1 - left - outW * sw;
    const rotated = s.transpose(s.run('Reverse', { x: filter }, { dims: [0, 1] }), [0, 1, 3, 2]); // [KH, KW, Co, Ci]
    const convAttrs = { strides: [1, 1], dilations: [1, 1], dataFormat: 'NHWC' };
    const dx =
      top >= 0 && bottom >= 0 && left >= 0 && right >= 0
        ? // Conv2D pads by itself (no padded copy of dy).
          s.run(
            'Conv2D',
            { x: spread, filter: rotated },
            {
              ...convAttrs,
              pad: [
                [0, 0],
                [top, bottom],
                [left, right],
                [0, 0],
              ],
            },
          )
        : s.run('Conv2D', { x: s.padOrCrop(spread, top, bottom, left, right), filter: rotated }, { ...convAttrs, pad: 'valid' });
    return channelsFirst ? s.transpose(dx, [0, 3, 1, 2]) : dx;
  });
}

export const conv2dBackpropInputConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropInput as tf.KernelFunc,
};
