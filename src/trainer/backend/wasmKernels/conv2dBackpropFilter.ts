// Conv2DBackpropFilter (the filter gradient of every Conv1D/Conv2D and of
// Conv2DTranspose's forward pass), which stock tfjs-backend-wasm 4.22 lacks.
//
// Identity (NHWC, forward strides sh/sw, dilation 1 as tfjs requires for
// conv gradients):
//   dW[kh,kw,ci,co] = Σ_{n,i,j} xPadded[n, i·sh+kh, j·sw+kw, ci] · dy[n,i,j,co]
// is a convolution of xPadded transposed to [Ci,H,W,N] (the batch becomes the
// summed channel axis) with dy transposed to [Ho,Wo,N,Co] as the filter,
// stride 1, dilation (sh,sw). Its output is [Ci,P,Q,Co] with P ≥ KH (larger
// when the forward pass never read the last input rows); rows/columns past the
// kernel size are sliced off and the result transposed to [KH,KW,Ci,Co].
//
// That composite is the fallback: NHWC float32 gradients run the native
// im2col + gemm kernel (src/trainer/backend/native/assembly/conv.ts), which
// sums patch ⊗ dy over blocks of output positions without any transpose.

import * as tf from '@tensorflow/tfjs';
import { nativeConv2dBackpropFilter } from '../native/conv';
import { nativeConvGradient, type ConvBackpropAttrs } from './convBackprop';
import { composite, kernelInput, type KernelArgs, type Shape4 } from './scope';

interface Conv2DBackpropFilterAttrs extends ConvBackpropAttrs {
  filterShape: Shape4;
}

function conv2dBackpropFilter(args: KernelArgs): tf.TensorInfo {
  const x = kernelInput(args, 'x');
  const dy = kernelInput(args, 'dy');
  const attrs = args.attrs as unknown as Conv2DBackpropFilterAttrs;
  const native = nativeConvGradient(args, attrs, x.shape as Shape4, attrs.filterShape, dy, x);
  return native ? nativeConv2dBackpropFilter(native.kernels, x, dy, native.info) : conv2dBackpropFilterComposite(args);
}

/** The composite of stock wasm kernels (fallback; also the "before" of bench/kernels.ts). */
export function conv2dBackpropFilterComposite(args: KernelArgs): tf.TensorInfo {
  const x = kernelInput(args, 'x');
  const dy = kernelInput(args, 'dy');
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as Conv2DBackpropFilterAttrs;

  return composite(args.backend, (s) => {
    const channelsFirst = dataFormat === 'NCHW';
    const xNhwc = channelsFirst ? s.transpose(x, [0, 2, 3, 1]) : x;
    const dyNhwc = channelsFirst ? s.transpose(dy, [0, 2, 3, 1]) : dy;
    const info = tf.backend_util.computeConv2DInfo(xNhwc.shape as Shape4, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
    const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
    const { top, bottom, left, right } = info.padInfo;
    const [, inH, inW, inC] = xNhwc.shape as Shape4;
    const outC = info.outChannels;
    // With dimRoundingMode 'ceil' the last output row may read past the padded
    // input (those reads count as zeros); pad enough that the conv covers it.
    const extraBottom = Math.max(0, (info.outHeight - 1) * sh + kh - (inH + top + bottom));
    const extraRight = Math.max(0, (info.outWidth - 1) * sw + kw - (inW + left + right));

    const xT = s.transpose(xNhwc, [3, 1, 2, 0]); // [Ci, H, W, N]
    const dyT = s.transpose(dyNhwc, [1, 2, 0, 3]); // [Ho, Wo, N, Co]
    const conv = s.run(
      'Conv2D',
      { x: xT, filter: dyT },
      {
        strides: [1, 1],
        pad: [
          [0, 0],
          [top, bottom + extraBottom],
          [left, right + extraRight],
          [0, 0],
        ],
        dataFormat: 'NHWC',
        dilations: [sh, sw],
      },
    ); // [Ci, P, Q, Co]
    const cropped = s.slice(conv, [0, 0, 0, 0], [inC, kh, kw, outC]);
    return s.transpose(cropped, [1, 2, 0, 3]);
  });
}

export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as tf.KernelFunc,
};
