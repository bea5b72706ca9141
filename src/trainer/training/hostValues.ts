// A tensor's values as a Float32Array, read where they already are. Every
// backend this trainer runs on keeps tensors in CPU memory (wasm: the module's
// heap; cpu: JS arrays; node: libtensorflow buffers), so a statistic computed
// by a JS loop over the values costs one pass over memory, while the same
// statistic as tfjs ops costs a kernel dispatch per op (20–50 µs each, and
// a full statistics step issued hundreds of them: docs/performance.md).

import * as tf from '@tensorflow/tfjs';

interface HeapBackend {
  typedArrayFromHeap(info: tf.TensorInfo): ArrayLike<number>;
}

function heapBackend(): HeapBackend | null {
  if (tf.getBackend() !== 'wasm') return null;
  const backend = tf.backend() as unknown as Partial<HeapBackend>;
  return typeof backend.typedArrayFromHeap === 'function' ? (backend as HeapBackend) : null;
}

/**
 * The values of `t`, float32. On wasm this is a view of the module's heap,
 * not a copy: use it at once, before any other tfjs call (an allocation can
 * grow, and so move, the heap). Elsewhere it is `dataSync()`.
 */
export function hostValues(t: tf.Tensor): Float32Array {
  if (t.isDisposed) throw new Error('hostValues: the tensor is disposed');
  const heap = t.dtype === 'float32' ? heapBackend() : null;
  if (heap) return heap.typedArrayFromHeap({ dataId: t.dataId, shape: t.shape, dtype: t.dtype }) as Float32Array;
  const values = t.dataSync();
  return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
}
