// JS side of the native convolution, pooling-gradient and leading-axes-sum
// kernels (assembly/conv.ts, pool.ts, reduce.ts): checks that a call is one
// they handle, allocates the output and the scratch in the wasm heap, and
// passes byte addresses and the geometry. Callers (src/trainer/backend/
// wasmKernels) fall back to their composite or stock kernels when a function
// here is not applicable or the native kernels are not loaded.

import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { FLOPS_PER_BYTE_MOVED, type NativeKernels } from './module';
import { partRange } from './threadPool';

/**
 * Output positions per im2col block: forward and input-gradient blocks of at
 * most 65,536 floats (256 KB, within L2), the filter gradient 256 rows (it
 * sums over the rows; flat between 128 and 512). Measured on the seed CNN's
 * conv2 at batch 64 (2-core AMD EPYC): forward 14.3–15.3 ms for 32–448 rows,
 * best from 112 rows (im2col is 0.8 ms of it, the rest gemm). The stride-1
 * input gradient as a forward convolution of dy (`inputViaForward`) took
 * 15.4 ms against 16.3 ms for dy·wᵀ + col2im.
 */
const CONV_BLOCK = { forwardFloats: 65536, filterRows: 256, inputFloats: 65536, maxRows: 512, inputViaForward: true };

function blockRows(K: number, floats: number): number {
  return Math.max(4, Math.min(CONV_BLOCK.maxRows, Math.floor(floats / K / 4) * 4));
}

/** Whether the native kernels handle this convolution: NHWC, dilation 1. */
export function nativeConvSupported(info: tf.backend_util.Conv2DInfo, ...inputs: tf.TensorInfo[]): boolean {
  return info.dataFormat === 'channelsLast' && info.dilationHeight === 1 && info.dilationWidth === 1 && inputs.every((t) => t.dtype === 'float32');
}

/** The geometry arguments shared by the three conv kernels. */
function geometry(info: tf.backend_util.Conv2DInfo): number[] {
  return [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.outChannels,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
  ];
}

/** Scratch blocks from the wasm heap, freed together (also when the kernel throws). */
function withScratch<T>(kernels: NativeKernels, floats: number[], body: (pointers: number[]) => T): T {
  const pointers: number[] = [];
  try {
    for (const n of floats) pointers.push(kernels.malloc(Math.max(16, n * 4)));
    return body(pointers);
  } finally {
    for (const p of pointers) kernels.free(p);
  }
}

/** Makes an output tensor and lets `body` write it; the output is freed if `body` throws (e.g. no heap for scratch). */
function produce(kernels: NativeKernels, shape: number[], body: (out: tf.TensorInfo) => void): tf.TensorInfo {
  const backend: BackendWasm = kernels.backend;
  const out = backend.makeOutput(shape, 'float32');
  try {
    body(out);
  } catch (e) {
    backend.disposeData(out.dataId);
    throw e;
  }
  return out;
}

/** Activation the native forward pass applies: 0 none, 1 ReLU. */
export type NativeActivation = 0 | 1;

/** y = conv2d(x, filter) (+ bias of outChannels floats) (ReLU if act = 1). */
export function nativeConv2d(
  kernels: NativeKernels,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  bias: tf.TensorInfo | null,
  act: NativeActivation,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const K = info.filterHeight * info.filterWidth * info.inChannels;
  const chunk = blockRows(K, CONV_BLOCK.forwardFloats);
  // Split over output positions: each part its own im2col and panel scratch.
  const positions = info.batchSize * info.outHeight * info.outWidth;
  const parts = kernels.partsFor(2 * positions * K * info.outChannels, Math.ceil(positions / 4));
  return produce(kernels, info.outShape, (y) =>
    withScratch(kernels, partScratch(parts, [chunk * K, 8 * K]), (scratch) => {
      const fixed = [kernels.address(x), kernels.address(filter), kernels.address(y), bias ? kernels.address(bias) : 0, act];
      kernels.runParts(
        'conv2dForward',
        parts4(positions, parts).map(([p0, p1], i) => [...fixed, scratch[2 * i], scratch[2 * i + 1], ...geometry(info), chunk, p0, p1]),
      );
    }),
  );
}

/** The scratch sizes of one part, repeated for each of `parts` parts. */
function partScratch(parts: number, sizes: number[]): number[] {
  return Array.from({ length: parts }, () => sizes).flat();
}

/** `parts` contiguous ranges of [0, total), cut at multiples of 4 (whole SIMD rows of work). */
function parts4(total: number, parts: number): [number, number][] {
  const quads = Math.ceil(total / 4);
  return Array.from({ length: parts }, (_, i) => {
    const [q0, q1] = partRange(quads, parts, i);
    return [Math.min(total, q0 * 4), Math.min(total, q1 * 4)] as [number, number];
  });
}

/** dw [KH, KW, Ci, Co] of a conv2d with input x and output gradient dy. */
export function nativeConv2dBackpropFilter(kernels: NativeKernels, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const K = info.filterHeight * info.filterWidth * info.inChannels;
  const chunk = CONV_BLOCK.filterRows;
  // Split over filter rows (taps): each part sums over all positions in the same blocks, in the same order.
  const positions = info.batchSize * info.outHeight * info.outWidth;
  const parts = kernels.partsFor(2 * positions * K * info.outChannels, Math.ceil(K / 4));
  return produce(kernels, info.filterShape, (dw) =>
    withScratch(kernels, partScratch(parts, [chunk * K, 8 * chunk]), (scratch) => {
      const fixed = [kernels.address(x), kernels.address(dy), kernels.address(dw)];
      kernels.runParts(
        'conv2dBackpropFilter',
        parts4(K, parts).map(([k0, k1], i) => [...fixed, scratch[2 * i], scratch[2 * i + 1], ...geometry(info), chunk, k0, k1]),
      );
    }),
  );
}

/** dx [N, H, W, Ci] of a conv2d with filter w and output gradient dy. */
export function nativeConv2dBackpropInput(kernels: NativeKernels, dy: tf.TensorInfo, filter: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const K = info.filterHeight * info.filterWidth * info.inChannels;
  const viaForward = CONV_BLOCK.inputViaForward && info.strideHeight === 1 && info.strideWidth === 1;
  // The forward formulation's im2col rows have KH·KW·Co taps.
  const taps = viaForward ? info.filterHeight * info.filterWidth * info.outChannels : K;
  const chunk = blockRows(taps, CONV_BLOCK.inputFloats);
  // Split over images (the strided path's col2im adds up overlapping patches within an image).
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: Ci, outHeight: OH, outWidth: OW, outChannels: Co } = info;
  const parts = kernels.partsFor(2 * N * OH * OW * K * Co, N);
  return produce(kernels, info.inShape, (dx) =>
    withScratch(kernels, partScratch(parts, [chunk * taps, K * Co, 8 * Math.max(taps, Co)]), (scratch) => {
      const [dyAt, filterAt, dxAt] = [kernels.address(dy), kernels.address(filter), kernels.address(dx)];
      kernels.runParts(
        'conv2dBackpropInput',
        Array.from({ length: parts }, (_, i) => {
          const [n0, n1] = partRange(N, parts, i);
          const [cols, wt, panel] = scratch.slice(3 * i, 3 * i + 3);
          const geometryOfPart = [n1 - n0, ...geometry(info).slice(1)];
          return [dyAt + 4 * n0 * OH * OW * Co, filterAt, dxAt + 4 * n0 * H * W * Ci, cols, wt, panel, ...geometryOfPart, chunk, viaForward ? 1 : 0];
        }),
      );
    }),
  );
}

/** dx of a max pool (NHWC, float32) described by `info` (tf.backend_util.computePool2DInfo). */
export function nativeMaxPoolGrad(kernels: NativeKernels, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  return produce(kernels, x.shape, (dx) => {
    runPoolByImages(kernels, 'maxPoolGrad', [x, dy, dx], [info.inHeight * info.inWidth, info.outHeight * info.outWidth, info.inHeight * info.inWidth], info);
  });
}

/**
 * A pooling kernel (arguments: its tensors' addresses, then N, H, W, C, OH,
 * OW, KH, KW, sh, sw, top, left) split over images: windows never cross
 * images, so each part writes its own images only, and computes them as one
 * call would. `pixels` are each tensor's positions per image.
 */
function runPoolByImages(kernels: NativeKernels, name: string, tensors: tf.TensorInfo[], pixels: number[], info: tf.backend_util.Conv2DInfo): void {
  const { batchSize: N, inChannels: C } = info;
  // Memory-bound: a float read per tap and channel, weighed as bytes moved.
  const taps = N * info.outHeight * info.outWidth * info.effectiveFilterHeight * info.effectiveFilterWidth * C;
  const parts = kernels.partsFor(4 * FLOPS_PER_BYTE_MOVED * taps, N);
  const addresses = tensors.map((t) => kernels.address(t));
  const geometryOfPool = [
    info.inHeight,
    info.inWidth,
    C,
    info.outHeight,
    info.outWidth,
    info.effectiveFilterHeight,
    info.effectiveFilterWidth,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
  ];
  kernels.runParts(
    name,
    Array.from({ length: parts }, (_, i) => {
      const [n0, n1] = partRange(N, parts, i);
      return [...addresses.map((a, t) => a + 4 * n0 * pixels[t] * C), n1 - n0, ...geometryOfPool];
    }),
  );
}

/** y = MaxPool(x) (NHWC, float32) described by `info` (tf.backend_util.computePool2DInfo). */
export function nativeMaxPool(kernels: NativeKernels, x: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  return produce(kernels, info.outShape, (y) => {
    runPoolByImages(kernels, 'maxPoolForward', [x, y], [info.inHeight * info.inWidth, info.outHeight * info.outWidth], info);
  });
}

/** Σ of x (float32, viewed as [rows, cols]) over its rows, with the given output shape (rows·cols = size of x). */
export function nativeSumLeadingAxes(kernels: NativeKernels, x: tf.TensorInfo, rows: number, cols: number, outShape: number[]): tf.TensorInfo {
  return produce(kernels, outShape, (out) => {
    kernels.fn('sumLeadingAxes')(kernels.address(x), kernels.address(out), rows, cols);
  });
}
