// Conv2D and FusedConv2D forward for wasm through our native im2col + gemm
// (src/trainer/backend/native/assembly/conv.ts): the stock kernels run
// XNNPACK's convolution at ~12 GFLOP/s on the seed CNN's layers, the shared
// gemm runs at 36–44. In training tfjs-layers reaches plain Conv2D (its fused
// call is unfused while gradients are recorded: bias Add and activation come
// separately); inference and user code reach FusedConv2D. Cases the native
// kernel does not cover — NCHW, dilation > 1, non-float32, an activation
// other than linear/ReLU, a bias that is not one value per output channel,
// or native kernels that failed to load — go to the stock kernel.

import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { nativeKernels } from '../native/module';
import { nativeConv2d, nativeConvSupported, type NativeActivation } from '../native/conv';
import { kernelInput, type KernelArgs, type Shape4 } from './scope';
import { requireStockKernel, wrapStockKernel } from './stock';

interface Conv2DAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dilations: [number, number] | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  activation?: string;
}

function convInfo(x: tf.TensorInfo, filter: tf.TensorInfo, attrs: Conv2DAttrs): tf.backend_util.Conv2DInfo | null {
  if (x.shape.length !== 4 || filter.shape.length !== 4 || attrs.dataFormat === 'NCHW') return null;
  return tf.backend_util.computeConv2DInfo(
    x.shape as Shape4,
    filter.shape as Shape4,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
}

function conv2d(args: KernelArgs): tf.TensorInfo {
  const x = kernelInput(args, 'x');
  const filter = kernelInput(args, 'filter');
  const attrs = args.attrs as unknown as Conv2DAttrs;
  const kernels = nativeKernels(args.backend as BackendWasm);
  const info = kernels ? convInfo(x, filter, attrs) : null;
  if (kernels && info && nativeConvSupported(info, x, filter)) return nativeConv2d(kernels, x, filter, null, 0, info);
  return requireStockKernel('Conv2D').kernelFunc(args) as tf.TensorInfo;
}

const ACTIVATIONS: Record<string, NativeActivation> = { linear: 0, relu: 1 };

function fusedConv2d(args: KernelArgs): tf.TensorInfo {
  const x = kernelInput(args, 'x');
  const filter = kernelInput(args, 'filter');
  const bias = args.inputs.bias ?? null;
  const attrs = args.attrs as unknown as Conv2DAttrs;
  const act = ACTIVATIONS[attrs.activation ?? 'linear'];
  const kernels = nativeKernels(args.backend as BackendWasm);
  const info = kernels && act !== undefined ? convInfo(x, filter, attrs) : null;
  const biasOk =
    bias === null ||
    (bias.dtype === 'float32' && tf.util.sizeFromShape(bias.shape) === info?.outChannels && bias.shape[bias.shape.length - 1] === info.outChannels);
  if (kernels && info && act !== undefined && biasOk && nativeConvSupported(info, x, filter)) {
    return nativeConv2d(kernels, x, filter, bias, act, info);
  }
  return requireStockKernel('FusedConv2D').kernelFunc(args) as tf.TensorInfo;
}

export const conv2dConfig = wrapStockKernel('Conv2D', conv2d as tf.KernelFunc);
export const fusedConv2dConfig = wrapStockKernel('FusedConv2D', fusedConv2d as tf.KernelFunc);
