// Mini-batches of a split in a reproducible order: the order of an epoch
// depends only on (seed, epoch), so an epoch can be replayed exactly after
// "step back" or a restart from a checkpoint.

import { deriveSeed, Random } from './random';
import type { Split } from './types';

export interface Batch {
  /** [size, ...inputShape] row-major. */
  x: Float32Array;
  /** [size, ...targetShape] row-major. */
  y: Float32Array;
  size: number;
}

export class BatchSource {
  readonly batchesPerEpoch: number;
  private readonly sampleSize: number;
  private readonly targetSize: number;
  private cachedEpoch = -1;
  private cachedOrder: Uint32Array | null = null;

  constructor(
    private readonly split: Split,
    inputShape: number[],
    targetShape: number[],
    private readonly batchSize: number,
    private readonly options: { shuffle: boolean; seed: number },
  ) {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size must be an integer ≥ 1, got ${batchSize}`);
    this.sampleSize = inputShape.reduce((a, b) => a * b, 1);
    this.targetSize = targetShape.reduce((a, b) => a * b, 1);
    if (split.x.length !== split.count * this.sampleSize || split.y.length !== split.count * this.targetSize) {
      throw new RangeError(
        `split arrays do not match count ${split.count}: x has ${split.x.length} values for shape [${inputShape}], ` +
          `y has ${split.y.length} for shape [${targetShape}]`,
      );
    }
    this.batchesPerEpoch = Math.ceil(split.count / batchSize);
  }

  /** The sample order of an epoch (cached for the most recent epoch). */
  orderOf(epoch: number): Uint32Array {
    if (this.cachedOrder === null || this.cachedEpoch !== epoch) {
      this.cachedOrder = this.options.shuffle
        ? new Random(deriveSeed(this.options.seed, 'batch', epoch)).permutation(this.split.count)
        : Uint32Array.from({ length: this.split.count }, (_, i) => i);
      this.cachedEpoch = epoch;
    }
    return this.cachedOrder;
  }

  /** Batch `index` (0-based) of `epoch`; the last batch of an epoch may be smaller. Returns fresh arrays. */
  batch(epoch: number, index: number): Batch {
    if (!Number.isInteger(epoch) || epoch < 0) throw new RangeError(`epoch must be an integer ≥ 0, got ${epoch}`);
    if (!Number.isInteger(index) || index < 0 || index >= this.batchesPerEpoch) {
      throw new RangeError(`batch index ${index} is outside 0..${this.batchesPerEpoch - 1}`);
    }
    const start = index * this.batchSize;
    const size = Math.min(this.batchSize, this.split.count - start);
    const { sampleSize, targetSize } = this;
    if (!this.options.shuffle) {
      return {
        x: this.split.x.slice(start * sampleSize, (start + size) * sampleSize),
        y: this.split.y.slice(start * targetSize, (start + size) * targetSize),
        size,
      };
    }
    const order = this.orderOf(epoch);
    const x = new Float32Array(size * sampleSize);
    const y = new Float32Array(size * targetSize);
    for (let i = 0; i < size; i++) {
      const s = order[start + i];
      x.set(this.split.x.subarray(s * sampleSize, (s + 1) * sampleSize), i * sampleSize);
      y.set(this.split.y.subarray(s * targetSize, (s + 1) * targetSize), i * targetSize);
    }
    return { x, y, size };
  }
}
