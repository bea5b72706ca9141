// One Transformer encoder block as a single tfjs layer (tfjs-layers has no
// MultiHeadAttention): multi-head self-attention and a feed-forward network,
// each with a residual connection and layer normalisation. All weights are
// created with addWeight, so they train, save and show up in statistics.

import * as tf from '@tensorflow/tfjs';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology';
import type { InitializerSpec } from '../../../spec/types';
import { makeInitializer } from '../initializers';
import { singleShape } from './positionalEmbedding';

export interface TransformerEncoderConfig extends LayerArgs {
  numHeads: number;
  /** Per-head query/key/value size; null = width / numHeads. */
  keyDim?: number | null;
  /** Feed-forward hidden size; null = 4 × width. */
  ffDim?: number | null;
  dropout?: number;
  activation?: 'relu' | 'gelu';
  normFirst?: boolean;
  epsilon?: number;
  kernelInitializer?: InitializerSpec;
  seed?: number;
}

interface Projection {
  kernel: tf.LayerVariable;
  bias: tf.LayerVariable | null;
}

interface Norm {
  gamma: tf.LayerVariable;
  beta: tf.LayerVariable;
}

export class TransformerEncoder extends tf.layers.Layer {
  static className = 'TransformerEncoder';
  private readonly numHeads: number;
  private keyDim: number | null;
  private ffDim: number | null;
  private readonly dropoutRate: number;
  private readonly activation: 'relu' | 'gelu';
  private readonly normFirst: boolean;
  private readonly epsilon: number;
  private readonly kernelInitializer: InitializerSpec;
  private readonly seed: number;
  private weightsByRole: {
    query: Projection;
    key: Projection;
    value: Projection;
    output: Projection;
    ffIn: Projection;
    ffOut: Projection;
    norm1: Norm;
    norm2: Norm;
  } | null = null;

  constructor(config: TransformerEncoderConfig) {
    super(config);
    this.numHeads = config.numHeads;
    this.keyDim = config.keyDim ?? null;
    this.ffDim = config.ffDim ?? null;
    this.dropoutRate = config.dropout ?? 0;
    this.activation = config.activation ?? 'relu';
    this.normFirst = config.normFirst ?? true;
    this.epsilon = config.epsilon ?? 1e-5;
    this.kernelInitializer = config.kernelInitializer ?? 'glorotUniform';
    this.seed = config.seed ?? 0;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = singleShape(inputShape);
    const width = shape[shape.length - 1];
    if (shape.length !== 3 || width === null) throw new Error(`${this.name}: expects [batch, steps, width] input, got [${shape.join(', ')}]`);
    if (this.keyDim === null) {
      if (width % this.numHeads !== 0) throw new Error(`${this.name}: width ${width} is not divisible by numHeads ${this.numHeads}; set keyDim`);
      this.keyDim = width / this.numHeads;
    }
    if (this.ffDim === null) this.ffDim = 4 * width;
    const attentionWidth = this.numHeads * this.keyDim;
    let slot = 0;
    const projection = (name: string, inputs: number, outputs: number, withBias = true): Projection => ({
      kernel: this.addWeight(`${name}/kernel`, [inputs, outputs], 'float32', makeInitializer(this.kernelInitializer, 'glorotUniform', this.seed + slot++)),
      bias: withBias ? this.addWeight(`${name}/bias`, [outputs], 'float32', tf.initializers.zeros()) : null,
    });
    const norm = (name: string): Norm => ({
      gamma: this.addWeight(`${name}/gamma`, [width], 'float32', tf.initializers.ones()),
      beta: this.addWeight(`${name}/beta`, [width], 'float32', tf.initializers.zeros()),
    });
    this.weightsByRole = {
      query: projection('attention/query', width, attentionWidth),
      // No key bias: it adds the same amount to every score of a query, which
      // softmax cancels, so its gradient is always zero.
      key: projection('attention/key', width, attentionWidth, false),
      value: projection('attention/value', width, attentionWidth),
      output: projection('attention/output', attentionWidth, width),
      norm1: norm('attention_norm'),
      ffIn: projection('feedforward/dense_1', width, this.ffDim),
      ffOut: projection('feedforward/dense_2', this.ffDim, width),
      norm2: norm('feedforward_norm'),
    };
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return singleShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const w = this.weightsByRole!;
      const training = kwargs?.training === true;
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D;
      const dropout = (t: tf.Tensor) => (training && this.dropoutRate > 0 ? tf.dropout(t, this.dropoutRate) : t);

      const attentionIn = this.normFirst ? this.layerNorm(x, w.norm1) : x;
      let h = tf.add(x, dropout(this.selfAttention(attentionIn, dropout)));
      if (!this.normFirst) h = this.layerNorm(h, w.norm1);

      const ffIn = this.normFirst ? this.layerNorm(h, w.norm2) : h;
      const hidden = this.activation === 'gelu' ? gelu(dense(ffIn, w.ffIn)) : tf.relu(dense(ffIn, w.ffIn));
      let out = tf.add(h, dropout(dense(hidden, w.ffOut)));
      if (!this.normFirst) out = this.layerNorm(out, w.norm2);
      return out;
    });
  }

  private selfAttention(x: tf.Tensor, dropout: (t: tf.Tensor) => tf.Tensor): tf.Tensor {
    const w = this.weightsByRole!;
    const [batch, steps] = x.shape;
    const heads = this.numHeads;
    const keyDim = this.keyDim!;
    // [batch, steps, heads·keyDim] → [batch, heads, steps, keyDim]
    const split = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [batch, steps, heads, keyDim]), [0, 2, 1, 3]);
    const q = split(dense(x, w.query));
    const k = split(dense(x, w.key));
    const v = split(dense(x, w.value));
    const scores = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(keyDim));
    const attention = dropout(tf.softmax(scores, -1));
    const context = tf.reshape(tf.transpose(tf.matMul(attention, v), [0, 2, 1, 3]), [batch, steps, heads * keyDim]);
    return dense(context, w.output);
  }

  private layerNorm(x: tf.Tensor, norm: Norm): tf.Tensor {
    const { mean, variance } = tf.moments(x, -1, true);
    const normalized = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.epsilon)));
    return tf.add(tf.mul(normalized, norm.gamma.read()), norm.beta.read());
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      numHeads: this.numHeads,
      keyDim: this.keyDim,
      ffDim: this.ffDim,
      dropout: this.dropoutRate,
      activation: this.activation,
      normFirst: this.normFirst,
      epsilon: this.epsilon,
      kernelInitializer: this.kernelInitializer as unknown as tf.serialization.ConfigDictValue,
      seed: this.seed,
    };
  }
}

/** x · kernel + bias over the last axis of a rank-3 tensor. */
function dense(x: tf.Tensor, p: Projection): tf.Tensor {
  const [batch, steps, width] = x.shape;
  const kernel = p.kernel.read();
  const flat = tf.matMul(tf.reshape(x, [batch * steps, width]), kernel);
  const biased = p.bias ? tf.add(flat, p.bias.read()) : flat;
  return tf.reshape(biased, [batch, steps, kernel.shape[1] as number]);
}

/** Exact GELU, x·Φ(x), as tfjs-layers' 'gelu' activation computes it. */
function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.mul(0.5, tf.add(1, tf.erf(tf.div(x, Math.SQRT2)))));
}

tf.serialization.registerClass(TransformerEncoder);
