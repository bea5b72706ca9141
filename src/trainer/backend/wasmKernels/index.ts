// Kernels this project supplies to @tensorflow/tfjs-backend-wasm 4.22 so that
// every supported layer trains on it: the ones wasm lacks, each composed from
// kernels wasm has, and replacements for stock wasm kernels that compute
// wrong gradients. Identities are in each file and in docs/backends.md; they
// were found by training one step of every supported layer type on wasm and
// comparing with the cpu backend (test/trainer/backend/layerCoverage.test.ts).

import * as tf from '@tensorflow/tfjs';
import { conv2dBackpropFilterConfig } from './conv2dBackpropFilter';
import {
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
} from './depthwiseBackprop';
import { maxPoolGradConfig } from './maxPoolGrad';
import { unsortedSegmentSumConfig } from './unsortedSegmentSum';

/** Kernels stock wasm does not have ("Kernel '…' not registered for backend 'wasm'"). */
export const WASM_MISSING_KERNELS: readonly tf.KernelConfig[] = [
  conv2dBackpropFilterConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  unsortedSegmentSumConfig,
];

/** Stock wasm kernels that give wrong results, replaced by ours. */
export const WASM_REPLACED_KERNELS: readonly tf.KernelConfig[] = [maxPoolGradConfig];

export const WASM_TRAINING_KERNELS: readonly tf.KernelConfig[] = [...WASM_MISSING_KERNELS, ...WASM_REPLACED_KERNELS];

/** The stock kernels replaced in this process, kept so tests can check whether they are still wrong. */
const replacedStock = new Map<string, tf.KernelConfig>();

export function replacedStockKernel(kernelName: string): tf.KernelConfig | undefined {
  return replacedStock.get(kernelName);
}

function isOurs(kernel: tf.KernelConfig | undefined, config: tf.KernelConfig): boolean {
  return kernel !== undefined && kernel.kernelFunc === config.kernelFunc;
}

/**
 * Registers, for the 'wasm' backend only, each kernel wasm lacks and replaces
 * each stock kernel known to be wrong. Idempotent. Returns the names of all
 * wasm kernels this project supplies (registered now or by an earlier call),
 * so every backend report lists them; a missing kernel that some other code
 * (or a future tfjs-backend-wasm) already provides is left alone and not listed.
 */
export function registerMissingWasmKernels(): string[] {
  const supplied: string[] = [];
  for (const config of WASM_MISSING_KERNELS) {
    const existing = tf.getKernel(config.kernelName, 'wasm');
    if (existing === undefined) tf.registerKernel(config);
    else if (!isOurs(existing, config)) continue;
    supplied.push(config.kernelName);
  }
  for (const config of WASM_REPLACED_KERNELS) {
    const existing = tf.getKernel(config.kernelName, 'wasm');
    if (!isOurs(existing, config)) {
      if (existing !== undefined) {
        replacedStock.set(config.kernelName, existing);
        tf.unregisterKernel(config.kernelName, 'wasm');
      }
      tf.registerKernel(config);
    }
    supplied.push(config.kernelName);
  }
  return supplied;
}
