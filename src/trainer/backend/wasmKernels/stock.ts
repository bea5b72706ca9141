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

const wrapping = new Set<string>();

/**
 * The config of a replacement that hands the cases it does not speed up to
 * the stock kernel `kernelName` (so it is registered only where that kernel
 * exists). The stock kernel binds its wasm function in its setup, which must
 * still run although the stock config is no longer registered.
 */
export function wrapStockKernel(kernelName: string, kernelFunc: tf.KernelFunc): tf.KernelConfig {
  wrapping.add(kernelName);
  return { kernelName, backendName: 'wasm', kernelFunc, setupFunc: (backend) => requireStockKernel(kernelName).setupFunc?.(backend) };
}

/** Whether our replacement of `kernelName` was made by `wrapStockKernel`. */
export function wrapsStockKernel(kernelName: string): boolean {
  return wrapping.has(kernelName);
}
