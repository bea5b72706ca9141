// The two gradients of DepthwiseConv2dNative (DepthwiseConv2D and
// SeparableConv2D layers), which stock tfjs-backend-wasm 4.22 lacks. Both are
// composed from the wasm DepthwiseConv2dNative kernel. Notation: NHWC input
// [N,H,W,C], filter [KH,KW,C,M] (M = channel multiplier), output
// [N,Ho,Wo,C·M] with output channel c·M+m; forward strides s, dilations d.

import * as tf from '@tensorflow/tfjs';
import { composite, kernelInput, type KernelArgs, type Shape4 } from './scope';

type Padding = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

interface DepthwiseBackpropAttrs {
  strides: [number, number] | number;
  dilations?: [number, number] | number;
  pad: Padding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * dW[kh,kw,c,m] = Σ_{n,i,j} xPadded[n, i·s+kh·d, j·s+kw·d, c] · dy[n,i,j,c·M+m].
 * Moving the batch into the channel axis makes this a depthwise convolution
 * of x as [1,H,W,C·N] (channel c·N+n) with dy as the filter [Ho,Wo,C·N,M],
 * stride 1, dilation s. Its output [1,P,Q,C·N·M] holds every offset; the
 * offsets kh·d are picked out, then the batch axis is summed.
 */
function depthwiseConv2dNativeBackpropFilter(args: KernelArgs): tf.TensorInfo {
  const x = kernelInput(args, 'x');
  const dy = kernelInput(args, 'dy');
  const attrs = args.attrs as unknown as DepthwiseBackpropAttrs & { filterShape: Shape4 };
  const [kh, kw, inC, mult] = attrs.filterShape;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as Shape4,
    attrs.filterShape,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, bottom, left, right } = info.padInfo;
  const [n, inH, inW] = x.shape as Shape4;
  const effKH = (kh - 1) * dh + 1;
  const effKW = (kw - 1) * dw + 1;
  // With dimRoundingMode 'ceil' the last output row may read past the padded input.
  const extraBottom = Math.max(0, (info.outHeight - 1) * sh + effKH - (inH + top + bottom));
  const extraRight = Math.max(0, (info.outWidth - 1) * sw + effKW - (inW + left + right));

  return composite(args.backend, (s) => {
    const xByChannel = s.reshape(s.transpose(x, [1, 2, 3, 0]), [1, inH, inW, inC * n]);
    const dy5 = s.reshape(dy, [n, info.outHeight, info.outWidth, inC, mult]);
    const dyFilter = s.reshape(s.transpose(dy5, [1, 2, 3, 0, 4]), [info.outHeight, info.outWidth, inC * n, mult]);
    const conv = s.run(
      'DepthwiseConv2dNative',
      { x: xByChannel, filter: dyFilter },
      {
        strides: [1, 1],
        dilations: [sh, sw],
        pad: [
          [0, 0],
          [top, bottom + extraBottom],
          [left, right + extraRight],
          [0, 0],
        ],
      },
    ); // [1, P, Q, C·N·M]
    const channels = inC * n * mult;
    const atTaps =
      dh === 1 && dw === 1
        ? s.slice(conv, [0, 0, 0, 0], [1, kh, kw, channels])
        : s.run(
            'StridedSlice',
            { x: conv },
            {
              begin: [0, 0, 0, 0],
              end: [1, effKH, effKW, channels],
              strides: [1, dh, dw, 1],
              beginMask: 0,
              endMask: 0,
              ellipsisMask: 0,
              newAxisMask: 0,
              shrinkAxisMask: 0,
            },
          );
    if (n === 1) return s.reshape(atTaps, [kh, kw, inC, mult]);
    return s.sum(s.reshape(atTaps, [kh, kw, inC, n, mult]), [3]);
  });
}

/**
 * dx is the transposed depthwise convolution of dy: insert s−1 zeros between
 * dy's rows/columns, pad so that a 'valid' convolution yields H×W, and
 * convolve (dilation d) each of the C·M channels with its 180°-rotated
 * filter tap set; then sum the M channels that came from one input channel.
 */
function depthwiseConv2dNativeBackpropInput(args: KernelArgs): tf.TensorInfo {
  const dy = kernelInput(args, 'dy');
  const filter = kernelInput(args, 'filter');
  const attrs = args.attrs as unknown as DepthwiseBackpropAttrs & { inputShape: Shape4 };
  const [kh, kw, inC, mult] = filter.shape as Shape4;
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as Shape4,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const [n, inH, inW] = attrs.inputShape;
  const [, outH, outW, outC] = dy.shape as Shape4;
  const effKH = (kh - 1) * dh + 1;
  const effKW = (kw - 1) * dw + 1;

  return composite(args.backend, (s) => {
    // Row t of `spread` is dy's row t/sh when sh divides t, else zero.
    const spread =
      sh === 1 && sw === 1
        ? dy
        : s.reshape(
            s.pad(s.reshape(dy, [n, outH, 1, outW, 1, outC]), [
              [0, 0],
              [0, 0],
              [0, sh - 1],
              [0, 0],
              [0, sw - 1],
              [0, 0],
            ]),
            [n, outH * sh, outW * sw, outC],
          );
    const front = effKH - 1 - info.padInfo.top;
    const frontW = effKW - 1 - info.padInfo.left;
    const padded = s.padOrCrop(spread, front, inH + effKH - 1 - front - outH * sh, frontW, inW + effKW - 1 - frontW - outW * sw);
    const rotated = s.reshape(s.run('Reverse', { x: filter }, { dims: [0, 1] }), [kh, kw, outC, 1]);
    const conv = s.run(
      'DepthwiseConv2dNative',
      { x: padded, filter: rotated },
      {
        strides: [1, 1],
        dilations: [dh, dw],
        pad: 'valid',
      },
    ); // [N, H, W, C·M]
    if (mult === 1) return conv;
    return s.sum(s.reshape(conv, [n, inH, inW, inC, mult]), [4]);
  });
}

export const depthwiseConv2dNativeBackpropFilterConfig: tf.KernelConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropFilter',
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dNativeBackpropFilter as tf.KernelFunc,
};

export const depthwiseConv2dNativeBackpropInputConfig: tf.KernelConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropInput',
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dNativeBackpropInput as tf.KernelFunc,
};
