// What the two convolution gradients (Conv2DBackpropFilter and
// Conv2DBackpropInput) share: their attributes, and the check that routes a
// call to the native im2col + gemm kernels or else to their composite.

import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { nativeConvSupported } from '../native/conv';
import { nativeKernels, type NativeKernels } from '../native/module';
import type { KernelArgs, Shape4 } from './scope';

/** tfjs' attributes of both kernels; each adds the shape the other has as an input. */
export interface ConvBackpropAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * The native kernels and the forward convolution's geometry (x of `xShape`,
 * a filter of `filterShape`) when they compute this gradient: NHWC, float32
 * `operands`, dilation 1, and a dy of the forward output's shape. Null: the
 * caller runs its composite.
 */
export function nativeConvGradient(
  args: KernelArgs,
  attrs: ConvBackpropAttrs,
  xShape: Shape4,
  filterShape: Shape4,
  dy: tf.TensorInfo,
  other: tf.TensorInfo,
): { kernels: NativeKernels; info: tf.backend_util.Conv2DInfo } | null {
  const kernels = attrs.dataFormat === 'NCHW' ? null : nativeKernels(args.backend as BackendWasm);
  if (!kernels) return null;
  const { strides, pad, dimRoundingMode } = attrs;
  const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  return nativeConvSupported(info, dy, other) && tf.util.arraysEqual(dy.shape, info.outShape) ? { kernels, info } : null;
}
