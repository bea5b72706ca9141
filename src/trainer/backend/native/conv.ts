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

/**
 * Winograd F(2×2, 3×3) (assembly/winograd.ts) for 3×3 stride-1 convolutions
 * whose channel counts are whole SIMD vectors and big enough for its [tiles ×
 * Ci]·[Ci × Co] products to run at the gemm's speed: tiles a block of at most
 * `blockFloats` floats of transformed patches and products (within L2). The
 * filter gradient's fixed cost (16 partial Ci×Co products to write and add
 * up) outweighs its savings under `minFilterGradientTiles` 2×2 output tiles:
 * on 8×8 64→64 at batch 1 (16 tiles) it took 127 µs against im2col's 96, at
 * batch 2 (32 tiles) 165 against 184 (best of 40 calls, one thread; the
 * forward pass and input gradient already win at 16 tiles: 69 against 90 µs).
 */
const WINOGRAD = { minChannels: 16, blockFloats: 65536, minFilterGradientTiles: 32 };

/**
 * Floats between the 16 planes (one per ξ) of a Winograd scratch block of
 * `rows` rows of `channels` floats: padded by a cache line, because planes a
 * multiple of 4 KiB apart made the transforms' stores and loads alias (4K
 * aliasing on x86, and all 16 planes in one L1 set): on the seed CNN's conv2
 * at batch 64, the filter gradient's patch transform took 4.9 ms, 0.7 ms
 * padded; the filter transform of a 64→64 filter 42 µs, 18 µs padded.
 */
function planeFloats(rows: number, channels: number): number {
  return rows * channels + 16;
}

/** 2×2 output tiles of a Winograd convolution with N images of OH × OW outputs. */
function winogradTiles(N: number, OH: number, OW: number): number {
  return N * Math.ceil(OH / 2) * Math.ceil(OW / 2);
}

/** 'auto': Winograd where it applies, else im2col; 'im2col': always im2col (the benchmark's before/after). */
export type ConvAlgorithm = 'auto' | 'im2col';

/** Whether a convolution with this filter and stride, from `cin` to `cout` channels, runs as Winograd F(2×2, 3×3). */
function winogradApplies(KH: number, KW: number, sh: number, sw: number, cin: number, cout: number): boolean {
  return KH === 3 && KW === 3 && sh === 1 && sw === 1 && cin % 4 === 0 && cout % 4 === 0 && Math.min(cin, cout) >= WINOGRAD.minChannels;
}

/**
 * out [N, OH, OW, cout] = the 3×3 stride-1 convolution of input [N, H, W, cin]
 * (padded by top/left in front) with `filter` (flip: the input gradient's
 * rotated, channel-swapped filter), through Winograd; split over tiles.
 */
function winogradConv(
  kernels: NativeKernels,
  addresses: { input: number; filter: number; out: number; bias: number },
  act: NativeActivation,
  flip: 0 | 1,
  [N, H, W, cin, OH, OW, cout, top, left]: number[],
): void {
  const paddedOut = Math.ceil(cout / 8) * 8;
  const tiles = winogradTiles(N, OH, OW);
  const blockTiles = Math.max(6, Math.floor(WINOGRAD.blockFloats / (16 * (cin + paddedOut)) / 6) * 6);
  const [uPlane, vPlane, mPlane] = [planeFloats(cin, paddedOut), planeFloats(blockTiles, cin), planeFloats(blockTiles, paddedOut)];
  const parts = kernels.partsFor(2 * 16 * tiles * cin * paddedOut, Math.ceil(tiles / blockTiles));
  kernels.withScratch([16 * uPlane, ...partScratch(parts, [16 * vPlane, 16 * mPlane, 16 * cin])], ([u, ...scratch]) => {
    kernels.fn('winogradFilter')(addresses.filter, u, uPlane, cin, cout, flip);
    kernels.runParts(
      'winogradForward',
      Array.from({ length: parts }, (_, i) => {
        const [t0, t1] = partRange(tiles, parts, i);
        const [v, m, patch] = scratch.slice(3 * i, 3 * i + 3);
        return [
          addresses.input,
          u,
          uPlane,
          addresses.out,
          addresses.bias,
          act,
          v,
          m,
          patch,
          N,
          H,
          W,
          cin,
          OH,
          OW,
          cout,
          top,
          left,
          blockTiles,
          vPlane,
          mPlane,
          t0,
          t1,
        ];
      }),
    );
  });
}

/** y = conv2d(x, filter) (+ bias of outChannels floats) (ReLU if act = 1). */
export function nativeConv2d(
  kernels: NativeKernels,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  bias: tf.TensorInfo | null,
  act: NativeActivation,
  info: tf.backend_util.Conv2DInfo,
  algorithm: ConvAlgorithm = 'auto',
): tf.TensorInfo {
  if (algorithm === 'auto' && winogradApplies(info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.inChannels, info.outChannels)) {
    return produce(kernels, info.outShape, (y) => {
      const addresses = { input: kernels.address(x), filter: kernels.address(filter), out: kernels.address(y), bias: bias ? kernels.address(bias) : 0 };
      const { batchSize: N, inHeight: H, inWidth: W, inChannels: Ci, outHeight: OH, outWidth: OW, outChannels: Co } = info;
      winogradConv(kernels, addresses, act, 0, [N, H, W, Ci, OH, OW, Co, info.padInfo.top, info.padInfo.left]);
    });
  }
  const K = info.filterHeight * info.filterWidth * info.inChannels;
  const chunk = blockRows(K, CONV_BLOCK.forwardFloats);
  // Split over output positions: each part its own im2col and panel scratch.
  const positions = info.batchSize * info.outHeight * info.outWidth;
  const parts = kernels.partsFor(2 * positions * K * info.outChannels, Math.ceil(positions / 4));
  return produce(kernels, info.outShape, (y) =>
    kernels.withScratch(partScratch(parts, [chunk * K, 8 * K]), (scratch) => {
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

/**
 * The filter gradients sum over every output position (or Winograd tile).
 * For threads, the sum is cut into reduction blocks whose number depends on
 * the shapes only: at most `maxBlocks`, and no more than fit `partialFloats`
 * floats of per-block partials. With several blocks, parts are ranges of
 * blocks, their partials added in block order afterwards; with one, parts
 * are ranges of taps (or output channels). Either way each element is summed
 * in the same order on any thread count.
 */
const REDUCTION = { maxBlocks: 16, partialFloats: 1 << 22 };

/**
 * The argument lists of a filter gradient's `parts` (REDUCTION): ranges of
 * its `blocks`, each over the whole [0, inner) (taps or output channels), or
 * with one block, ranges of [0, inner) cut at multiples of 4.
 */
function reductionPartArgs(
  blocks: number,
  parts: number,
  inner: number,
  argsOf: (part: number, blockRange: number[], innerRange: number[]) => number[],
): number[][] {
  return blocks > 1
    ? Array.from({ length: parts }, (_, i) => argsOf(i, partRange(blocks, parts, i), [0, inner]))
    : parts4(inner, parts).map((range, i) => argsOf(i, [0, 1], range));
}

/** [block size (a multiple of `step`), block count] for a sum over `total` units, each block's partial `partialFloats` floats. */
function reductionBlocks(total: number, step: number, partialFloats: number): [number, number] {
  const most = Math.max(1, Math.min(REDUCTION.maxBlocks, Math.floor(REDUCTION.partialFloats / partialFloats)));
  const size = step * Math.max(1, Math.ceil(Math.ceil(total / step) / most));
  return [size, Math.max(1, Math.ceil(total / size))];
}

/** dw [KH, KW, Ci, Co] of a conv2d with input x and output gradient dy. */
export function nativeConv2dBackpropFilter(
  kernels: NativeKernels,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  algorithm: ConvAlgorithm = 'auto',
): tf.TensorInfo {
  const tiles = winogradTiles(info.batchSize, info.outHeight, info.outWidth);
  if (
    algorithm === 'auto' &&
    tiles >= WINOGRAD.minFilterGradientTiles &&
    winogradApplies(info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.inChannels, info.outChannels)
  ) {
    return produce(kernels, info.filterShape, (dw) =>
      winogradFilterGradient(kernels, kernels.address(x), kernels.address(dy), kernels.address(dw), info, tiles),
    );
  }
  const K = info.filterHeight * info.filterWidth * info.inChannels;
  const Co = info.outChannels;
  const chunk = CONV_BLOCK.filterRows;
  const positions = info.batchSize * info.outHeight * info.outWidth;
  const [blockRows, blocks] = reductionBlocks(positions, chunk, K * Co);
  const flops = 2 * positions * K * Co;
  const parts = kernels.partsFor(flops, blocks > 1 ? blocks : Math.ceil(K / 4));
  return produce(kernels, info.filterShape, (dw) =>
    kernels.withScratch([blocks > 1 ? blocks * K * Co : 0, ...partScratch(parts, [chunk * K, 8 * chunk])], ([partials, ...scratch]) => {
      const [xAt, dyAt, dwAt] = [kernels.address(x), kernels.address(dy), kernels.address(dw)];
      const argsOf = (i: number, blockRange: number[], tapRange: number[]) => [
        xAt,
        dyAt,
        blocks > 1 ? partials : dwAt,
        scratch[2 * i],
        scratch[2 * i + 1],
        ...geometry(info),
        chunk,
        blockRows,
        ...blockRange,
        ...tapRange,
      ];
      kernels.runParts('conv2dBackpropFilter', reductionPartArgs(blocks, parts, K, argsOf));
      if (blocks > 1) kernels.fn('columnSums')(blocks, K * Co, partials, dwAt);
    }),
  );
}

/**
 * The filter gradient through Winograd (assembly/winogradGrad.ts), in
 * reduction blocks (REDUCTION) of whole sub-blocks, each `subTiles` tiles
 * transformed at once, sized to keep them within L2.
 */
const WINOGRAD_FILTER_GRADIENT = { subBlockFloats: 196608 };

function winogradFilterGradient(kernels: NativeKernels, xAt: number, dyAt: number, dwAt: number, info: tf.backend_util.Conv2DInfo, tiles: number): void {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: Ci, outHeight: OH, outWidth: OW, outChannels: Co } = info;
  const subTiles = Math.max(8, Math.floor(WINOGRAD_FILTER_GRADIENT.subBlockFloats / (16 * (Ci + Co)) / 8) * 8);
  const [vPlane, dPlane, sPlane] = [planeFloats(subTiles, Ci), planeFloats(subTiles, Co), planeFloats(Co, Ci)];
  const [blockTiles, blocks] = reductionBlocks(tiles, subTiles, 16 * sPlane);
  const parts = kernels.partsFor(2 * 16 * tiles * Ci * Co, blocks > 1 ? blocks : Co / 4);
  const sumParts = kernels.partsFor(FLOPS_PER_BYTE_MOVED * 4 * 16 * blocks * Ci * Co, Co);
  const perPart = [16 * vPlane, 16 * dPlane, 16 * Ci, 8 * subTiles];
  kernels.withScratch([blocks * 16 * sPlane, ...partScratch(parts, perPart)], ([partials, ...scratch]) => {
    const geometryOfConv = [N, H, W, Ci, OH, OW, Co, info.padInfo.top, info.padInfo.left];
    const argsOf = (i: number, blockRange: number[], channels: number[]) => [
      xAt,
      dyAt,
      partials,
      ...scratch.slice(4 * i, 4 * i + 4),
      ...geometryOfConv,
      blockTiles,
      subTiles,
      vPlane,
      dPlane,
      sPlane,
      ...blockRange,
      ...channels,
    ];
    kernels.runParts('winogradFilterGradBlocks', reductionPartArgs(blocks, parts, Co, argsOf));
    kernels.runParts(
      'winogradFilterGradSum',
      Array.from({ length: sumParts }, (_, i) => [partials, sPlane, blocks, dwAt, Ci, Co, ...partRange(Co, sumParts, i)]),
    );
  });
}

/** dx [N, H, W, Ci] of a conv2d with filter w and output gradient dy. */
export function nativeConv2dBackpropInput(
  kernels: NativeKernels,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  algorithm: ConvAlgorithm = 'auto',
): tf.TensorInfo {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: Ci, outHeight: OH, outWidth: OW, outChannels: Co } = info;
  if (algorithm === 'auto' && winogradApplies(info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, Co, Ci)) {
    // dx is the forward convolution of dy, padded by 2 - top in front, with the filter rotated and its channels swapped.
    return produce(kernels, info.inShape, (dx) => {
      const addresses = { input: kernels.address(dy), filter: kernels.address(filter), out: kernels.address(dx), bias: 0 };
      winogradConv(kernels, addresses, 0, 1, [N, OH, OW, Co, H, W, Ci, 2 - info.padInfo.top, 2 - info.padInfo.left]);
    });
  }
  const K = info.filterHeight * info.filterWidth * info.inChannels;
  const viaForward = CONV_BLOCK.inputViaForward && info.strideHeight === 1 && info.strideWidth === 1;
  // The forward formulation's im2col rows have KH·KW·Co taps.
  const taps = viaForward ? info.filterHeight * info.filterWidth * info.outChannels : K;
  const chunk = blockRows(taps, CONV_BLOCK.inputFloats);
  // Split over images (the strided path's col2im adds up overlapping patches within an image).
  const parts = kernels.partsFor(2 * N * OH * OW * K * Co, N);
  return produce(kernels, info.inShape, (dx) =>
    kernels.withScratch(partScratch(parts, [chunk * taps, K * Co, 8 * Math.max(taps, Co)]), (scratch) => {
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
