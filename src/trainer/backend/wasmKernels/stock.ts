// The stock wasm kernels that this project replaced, remembered so that a
// replacement can hand the cases it does not speed up back to the stock
// kernel, and tests can check whether a stock kernel is still wrong.

import type * as tf from '@tensorflow/tfjs';

const replacedStock = new Map<string, tf.KernelConfig>();

export function rememberStockKernel(config: tf.KernelConfig): void {
  replacedStock.set(config.kernelName, config);
}

export function stockKernel(kernelName: string): tf.KernelConfig | undefined {
  return replacedStock.get(kernelName);
}

/**
 * The stock kernel a wrapping replacement delegates to. Present whenever the
 * replacement is registered (registerMissingWasmKernels only registers a
 * wrapper after remembering the kernel it wraps).
 */
export function requireStockKernel(kernelName: string): tf.KernelConfig {
  const stock = replacedStock.get(kernelName);
  if (!stock) throw new Error(`the stock wasm '${kernelName}' kernel was not found; cannot run its replacement`);
  return stock;
}
