// Collects the in-graph numbers of a step (loss, metrics; a validation batch's
// loss and metrics) as small tensors and reads them back as ONE tensor: one
// concat and one `data()` instead of one read each. Per-layer statistics do
// not go through here: they are JS loops over the values in place
// (./tensorStats, ./hostValues), which on the CPU backends costs less than
// the kernels computing them in the graph (docs/performance.md).

import * as tf from '@tensorflow/tfjs';

export class StatsPacker {
  private readonly parts: tf.Tensor[] = [];
  private length = 0;

  /** Queues a tensor (any shape) and returns the offset of its first value in the result. */
  add(t: tf.Tensor): number {
    const offset = this.length;
    // Kept: the packer owns its parts, even when queued inside a tf.tidy.
    this.parts.push(tf.keep(t.rank === 1 ? t : t.reshape([-1])));
    if (t.rank !== 1) t.dispose();
    this.length += t.size;
    return offset;
  }

  /** Queues several scalars; returns the offset of the first. */
  addScalars(scalars: tf.Tensor[]): number {
    const offset = this.length;
    for (const s of scalars) this.add(s);
    return offset;
  }

  get size(): number {
    return this.length;
  }

  /** Reads everything back and disposes the queued tensors. */
  async read(): Promise<Float32Array> {
    if (this.parts.length === 0) return new Float32Array(0);
    const packed = tf.tidy(() => tf.concat(this.parts.map((p) => p.toFloat()), 0));
    for (const p of this.parts) p.dispose();
    this.parts.length = 0;
    try {
      return (await packed.data()) as Float32Array;
    } finally {
      packed.dispose();
    }
  }

  dispose(): void {
    for (const p of this.parts) p.dispose();
    this.parts.length = 0;
  }
}
