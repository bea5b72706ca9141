// Runs wasm kernels directly on TensorInfos from inside another kernel's
// kernelFunc, the way tfjs backends compose kernels internally. Going through
// the kernel functions rather than tf ops keeps the composite out of the
// engine (no tape entries, no tensor tracking) and lets us free every
// intermediate as soon as the result exists.

import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type Shape4 = [number, number, number, number];

export class WasmKernelScope {
  private readonly intermediates: tf.TensorInfo[] = [];

  constructor(readonly backend: BackendWasm) {}

  run(kernelName: string, inputs: tf.NamedTensorInfoMap, attrs: object = {}): tf.TensorInfo {
    const kernel = tf.getKernel(kernelName, 'wasm');
    if (kernel === undefined) {
      throw new Error(`wasm kernel '${kernelName}' is not registered; a Neural Debugger composite kernel needs it`);
    }
    return this.runKernel(kernel, inputs, attrs);
  }

  /** Runs a given kernel (e.g. the stock kernel a replacement wraps, which is no longer registered). */
  runKernel(kernel: tf.KernelConfig, inputs: tf.NamedTensorInfoMap, attrs: object = {}): tf.TensorInfo {
    const out = kernel.kernelFunc({ inputs, backend: this.backend, attrs: attrs as tf.NamedAttrMap });
    if (Array.isArray(out)) throw new Error(`wasm kernel '${kernel.kernelName}' returned several outputs`);
    this.intermediates.push(out);
    return out;
  }

  /** A tensor made from values computed in JS, freed with the other intermediates. */
  fromValues(shape: number[], dtype: tf.DataType, values: Int32Array | Float32Array): tf.TensorInfo {
    const out = this.backend.makeOutput(shape, dtype, undefined, values);
    this.intermediates.push(out);
    return out;
  }

  reshape(x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
    if (perm.every((p, i) => p === i)) return x;
    return this.run('Transpose', { x }, { perm });
  }

  slice(x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
    if (begin.every((b) => b === 0) && size.every((s, i) => s === x.shape[i])) return x;
    return this.run('Slice', { x }, { begin, size });
  }

  pad(x: tf.TensorInfo, paddings: [number, number][]): tf.TensorInfo {
    if (paddings.every(([a, b]) => a === 0 && b === 0)) return x;
    return this.run('PadV2', { x }, { paddings, constantValue: 0 });
  }

  sum(x: tf.TensorInfo, axis: number[]): tf.TensorInfo {
    return this.run('Sum', { x }, { axis, keepDims: false });
  }

  /**
   * Makes the spatial axes (1 and 2) of an NHWC tensor start `top`/`left`
   * rows/columns earlier and end `bottom`/`right` later: positive amounts pad
   * with zeros, negative ones crop.
   */
  padOrCrop(x: tf.TensorInfo, top: number, bottom: number, left: number, right: number): tf.TensorInfo {
    const [n, h, w, c] = x.shape as Shape4;
    const cropTop = Math.max(0, -top);
    const cropLeft = Math.max(0, -left);
    const keptH = h - cropTop - Math.max(0, -bottom);
    const keptW = w - cropLeft - Math.max(0, -right);
    if (keptH <= 0 || keptW <= 0) {
      throw new Error(`padOrCrop: cropping ${x.shape} by ${[top, bottom, left, right]} leaves nothing`);
    }
    const cropped = this.slice(x, [0, cropTop, cropLeft, 0], [n, keptH, keptW, c]);
    return this.pad(cropped, [
      [0, 0],
      [Math.max(0, top), Math.max(0, bottom)],
      [Math.max(0, left), Math.max(0, right)],
      [0, 0],
    ]);
  }

  /** Frees every intermediate except `result`, which becomes the kernel's output. */
  finish(result: tf.TensorInfo): tf.TensorInfo {
    if (!this.intermediates.includes(result)) {
      // The result is one of the kernel's inputs (every step was a no-op):
      // share its data the way the Reshape kernel does.
      this.backend.incRef(result.dataId);
      this.release();
      return { dataId: result.dataId, shape: result.shape, dtype: result.dtype };
    }
    this.release(result);
    return result;
  }

  /** Frees every intermediate except `keep`. Safe to call once per scope. */
  release(keep?: tf.TensorInfo): void {
    for (const t of this.intermediates) {
      if (t !== keep) this.backend.disposeData(t.dataId);
    }
    this.intermediates.length = 0;
  }
}

/** Runs `body` in a fresh scope; intermediates are freed even when it throws. */
export function composite(backend: tf.KernelBackend, body: (scope: WasmKernelScope) => tf.TensorInfo): tf.TensorInfo {
  const scope = new WasmKernelScope(backend as BackendWasm);
  try {
    return scope.finish(body(scope));
  } catch (e) {
    scope.release();
    throw e;
  }
}

/** Arguments tfjs passes to a kernelFunc. */
export interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs?: tf.NamedAttrMap;
}

/** A kernel input that tfjs's op wrapper always passes; absent only on misuse. */
export function kernelInput(args: KernelArgs, name: string): tf.TensorInfo {
  const t = args.inputs[name];
  if (t === undefined) throw new Error(`kernel input '${name}' is missing`);
  return t;
}
