// UnsortedSegmentSum (the gradient of gather, so of every Embedding layer),
// which stock tfjs-backend-wasm 4.22 lacks.
//
// out[k, ...] = Σ_{i : ids[i] = k} x[i, ...] is a ScatterNd of x's rows at
// indices ids (ScatterNd adds rows that share an index). Like TensorFlow,
// rows whose id is negative are dropped; ids ≥ numSegments are dropped too
// (the cpu backend ignores them) instead of writing out of bounds.

import * as tf from '@tensorflow/tfjs';
import { composite, kernelInput, type KernelArgs } from './scope';

function unsortedSegmentSum(args: KernelArgs): tf.TensorInfo {
  const x = kernelInput(args, 'x');
  const segmentIds = kernelInput(args, 'segmentIds');
  const numSegments = (args.attrs as unknown as { numSegments: number }).numSegments;

  return composite(args.backend, (s) => {
    const idCount = tf.util.sizeFromShape(segmentIds.shape);
    const rowShape = x.shape.slice(segmentIds.shape.length);
    const outShape = [numSegments, ...rowShape];
    // The ids are small (one per gathered row) and reading them lets the
    // common all-valid case go straight to ScatterNd.
    const ids = s.backend.readSync(segmentIds.dataId) as Int32Array; // int32: the op checks it
    const validRows: number[] = [];
    for (let i = 0; i < idCount; i++) if (ids[i] >= 0 && ids[i] < numSegments) validRows.push(i);

    if (validRows.length === 0 || tf.util.sizeFromShape(outShape) === 0) {
      return s.run('Fill', {}, { shape: outShape, value: 0, dtype: x.dtype });
    }
    const rows = s.reshape(x, [idCount, ...rowShape]);
    if (validRows.length === idCount) {
      const indices = s.reshape(segmentIds, [idCount, 1]);
      return s.run('ScatterNd', { indices, updates: rows }, { shape: outShape });
    }
    const keep = s.fromValues([validRows.length], 'int32', Int32Array.from(validRows));
    const keptRows = s.run('GatherV2', { x: rows, indices: keep }, { axis: 0, batchDims: 0 });
    const keptIds = s.fromValues(
      [validRows.length, 1],
      'int32',
      Int32Array.from(validRows, (i) => ids[i]),
    );
    return s.run('ScatterNd', { indices: keptIds, updates: keptRows }, { shape: outShape });
  });
}

export const unsortedSegmentSumConfig: tf.KernelConfig = {
  kernelName: 'UnsortedSegmentSum',
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum as tf.KernelFunc,
};
