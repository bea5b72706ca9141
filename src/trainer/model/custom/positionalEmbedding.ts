// Token embedding + learned position embedding, the input stage of a token
// Transformer: ids [batch, steps] → [batch, steps, embedDim].

import * as tf from '@tensorflow/tfjs';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology';
import type { InitializerSpec } from '../../../spec/types';
import { makeInitializer } from '../initializers';

export interface PositionalEmbeddingConfig extends LayerArgs {
  vocabSize: number;
  embedDim: number;
  /** Longest sequence; null = taken from the input shape when the layer is built. */
  maxLength?: number | null;
  /** Spec-form initializer (plain JSON, so that getConfig/fromConfig round-trip it). */
  embeddingsInitializer?: InitializerSpec;
  seed?: number;
}

const DEFAULT_INITIALIZER: InitializerSpec = { type: 'randomNormal', mean: 0, stddev: 0.02 };

export class PositionalEmbedding extends tf.layers.Layer {
  static className = 'PositionalEmbedding';
  private readonly vocabSize: number;
  private readonly embedDim: number;
  private maxLength: number | null;
  private readonly embeddingsInitializer: InitializerSpec;
  private readonly seed: number;
  private tokenTable: tf.LayerVariable | null = null;
  private positionTable: tf.LayerVariable | null = null;

  constructor(config: PositionalEmbeddingConfig) {
    super(config);
    this.vocabSize = config.vocabSize;
    this.embedDim = config.embedDim;
    this.maxLength = config.maxLength ?? null;
    this.embeddingsInitializer = config.embeddingsInitializer ?? DEFAULT_INITIALIZER;
    this.seed = config.seed ?? 0;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = singleShape(inputShape);
    const steps = shape[1];
    if (this.maxLength === null) {
      if (steps === null || steps === undefined) throw new Error(`${this.name}: maxLength is needed when the sequence length is not fixed`);
      this.maxLength = steps;
    }
    this.tokenTable = this.addWeight(
      'token_embeddings',
      [this.vocabSize, this.embedDim],
      'float32',
      makeInitializer(this.embeddingsInitializer, DEFAULT_INITIALIZER, this.seed),
    );
    this.positionTable = this.addWeight(
      'position_embeddings',
      [this.maxLength, this.embedDim],
      'float32',
      makeInitializer(this.embeddingsInitializer, DEFAULT_INITIALIZER, this.seed + 1),
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = singleShape(inputShape);
    return [shape[0], shape[1], this.embedDim];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const ids = (Array.isArray(inputs) ? inputs[0] : inputs).toInt();
      const steps = ids.shape[1] as number;
      const tokens = tf.gather(this.tokenTable!.read(), ids);
      const positions = tf.slice(this.positionTable!.read(), [0, 0], [steps, this.embedDim]);
      return tf.add(tokens, positions);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      vocabSize: this.vocabSize,
      embedDim: this.embedDim,
      maxLength: this.maxLength,
      embeddingsInitializer: this.embeddingsInitializer as unknown as tf.serialization.ConfigDictValue,
      seed: this.seed,
    };
  }
}

export function singleShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
  return Array.isArray(inputShape[0]) ? (inputShape[0] as tf.Shape) : (inputShape as tf.Shape);
}

tf.serialization.registerClass(PositionalEmbedding);
