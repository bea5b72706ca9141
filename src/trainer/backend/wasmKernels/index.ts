// Kernels this project supplies to @tensorflow/tfjs-backend-wasm 4.22 so that
// every supported layer trains on it, and trains fast: the ones wasm lacks,
// each composed from kernels wasm has, replacements for stock wasm kernels
// that compute wrong gradients, and replacements for stock kernels that are
// slow (docs/performance.md has the measurements). Identities are in each file and in docs/backends.md; they
// were found by training one step of every supported layer type on wasm and
// comparing with the cpu backend (test/trainer/backend/layerCoverage.test.ts).

import * as tf from '@tensorflow/tfjs';
import { batchMatMulConfig, fusedMatMulConfig } from './batchMatMul';
import { binaryConfigs } from './binary';
import { identityConfig } from './identity';
import { conv2dConfig, fusedConv2dConfig } from './conv2d';
import { conv2dBackpropFilterConfig } from './conv2dBackpropFilter';
import { conv2dBackpropInputConfig } from './conv2dBackpropInput';
import { depthwiseConv2dNativeBackpropFilterConfig, depthwiseConv2dNativeBackpropInputConfig } from './depthwiseBackprop';
import { maxPoolConfig } from './maxPool';
import { maxPoolGradConfig } from './maxPoolGrad';
import { registerReluGradient, reluGradConfig } from './reluGrad';
import { rememberStockKernel, stockKernel, wrapsStockKernel } from './stock';
import { sumConfig } from './sum';
import { unsortedSegmentSumConfig } from './unsortedSegmentSum';

/** Kernels stock wasm does not have ("Kernel '…' not registered for backend 'wasm'"). */
export const WASM_MISSING_KERNELS: readonly tf.KernelConfig[] = [
  conv2dBackpropFilterConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  unsortedSegmentSumConfig,
  // Not a tfjs kernel: the one-pass ReLU gradient (./reluGrad.ts), with the gradient that uses it.
  reluGradConfig,
];

/** Stock wasm kernels that give wrong results, replaced by ours. */
const WASM_REPLACED_KERNELS: readonly tf.KernelConfig[] = [maxPoolGradConfig];

/**
 * Stock wasm kernels that are correct but slow in training, replaced by
 * compositions of fast wasm kernels or native ones. Those made by
 * `wrapStockKernel` hand the cases they do not speed up to the stock kernel,
 * so they are registered only where it exists.
 */
export const WASM_FASTER_KERNELS: readonly tf.KernelConfig[] = [
  conv2dConfig,
  fusedConv2dConfig,
  maxPoolConfig,
  sumConfig,
  conv2dBackpropInputConfig,
  batchMatMulConfig,
  fusedMatMulConfig,
  identityConfig,
  ...binaryConfigs,
];

export const WASM_TRAINING_KERNELS: readonly tf.KernelConfig[] = [...WASM_MISSING_KERNELS, ...WASM_REPLACED_KERNELS, ...WASM_FASTER_KERNELS];

export function replacedStockKernel(kernelName: string): tf.KernelConfig | undefined {
  return stockKernel(kernelName);
}

function isOurs(kernel: tf.KernelConfig | undefined, config: tf.KernelConfig): boolean {
  return kernel !== undefined && kernel.kernelFunc === config.kernelFunc;
}

/**
 * Registers, for the 'wasm' backend only, each kernel wasm lacks and replaces
 * each stock kernel known to be wrong or slow. Idempotent. Returns the names of all
 * wasm kernels this project supplies (registered now or by an earlier call),
 * so every backend report lists them; a missing kernel that some other code
 * (or a future tfjs-backend-wasm) already provides is left alone and not listed.
 */
export function registerMissingWasmKernels(): string[] {
  registerReluGradient();
  const supplied: string[] = [];
  for (const config of WASM_MISSING_KERNELS) {
    const existing = tf.getKernel(config.kernelName, 'wasm');
    if (existing === undefined) tf.registerKernel(config);
    else if (!isOurs(existing, config)) continue;
    supplied.push(config.kernelName);
  }
  for (const config of [...WASM_REPLACED_KERNELS, ...WASM_FASTER_KERNELS]) {
    const existing = tf.getKernel(config.kernelName, 'wasm');
    if (!isOurs(existing, config)) {
      if (existing !== undefined) {
        rememberStockKernel(existing);
        tf.unregisterKernel(config.kernelName, 'wasm');
      } else if (wrapsStockKernel(config.kernelName) && !stockKernel(config.kernelName)) {
        continue;
      }
      tf.registerKernel(config);
    }
    supplied.push(config.kernelName);
  }
  return supplied;
}
