// The instrumented training step: forward pass that exposes every layer's
// output, loss, gradients (optimizer.computeGradients), update, and all the
// statistics of the step read back once. Not model.fit: fit never exposes
// gradients, and we need to stop between any two batches.

import * as tf from '@tensorflow/tfjs';
import type { Histogram, LayerStats, WeightStats } from '../../shared/stats';
import { computeLoss, computeMetrics, type LossName } from './objectives';
import { StatsPacker } from './packer';
import {
  ACTIVATION_STATS_LENGTH,
  activationStatsTensor,
  decodeActivationStats,
  decodeHistogram,
  histogramTensor,
  nonFiniteCount,
  sumOfSquares,
} from './tensorStats';

interface LayerRef {
  layer: tf.layers.Layer;
  name: string;
  className: string;
  activation: string | null;
  /** Index of this layer's output in the inspection model's outputs, or -1 when it has none we can observe. */
  outputIndex: number;
}

interface WeightRef {
  /** `layer/weight`, stable across runs (tfjs variable names get numeric suffixes). */
  name: string;
  layer: string;
  variable: tf.Variable;
  shape: number[];
  trainable: boolean;
}

export interface StepOptions {
  /** Per-layer activation statistics, weight norms and update ratios. */
  detail: boolean;
  histograms: boolean;
  /** False for an inspection pass: measure, but do not update the weights. */
  apply: boolean;
}

export interface StepMeasurement {
  loss: number;
  metrics: Record<string, number>;
  gradNorm: number;
  nonFinite: number;
  layers: LayerStats[];
  weights: WeightStats[];
}

/** The activation function a layer applies, from its config. */
function layerActivation(layer: tf.layers.Layer): string | null {
  const config = layer.getConfig() as Record<string, unknown>;
  const activation = config.activation;
  if (typeof activation === 'string') return activation;
  if (activation && typeof activation === 'object' && 'className' in activation) {
    return String((activation as { className: unknown }).className);
  }
  const className = layer.getClassName();
  if (className === 'ReLU') return 'relu';
  if (className === 'LeakyReLU') return 'leakyReLU';
  if (className === 'ELU') return 'elu';
  if (className === 'Softmax') return 'softmax';
  return null;
}

export class InstrumentedModel {
  readonly layers: LayerRef[] = [];
  readonly weights: WeightRef[] = [];
  private readonly inspection: tf.LayersModel;
  private readonly predictionIndex: number;
  private readonly trainableVariables: tf.Variable[];

  constructor(
    readonly model: tf.LayersModel,
    readonly optimizer: tf.Optimizer,
    readonly loss: LossName,
    readonly metricNames: string[],
  ) {
    const outputs: tf.SymbolicTensor[] = [];
    for (const layer of model.layers) {
      const className = layer.getClassName();
      if (className === 'InputLayer') continue;
      let outputIndex = -1;
      try {
        const out = layer.output;
        outputs.push(Array.isArray(out) ? out[0] : out);
        outputIndex = outputs.length - 1;
      } catch {
        // A layer applied more than once has no single output: its
        // activations are not observed, its weights still are.
      }
      this.layers.push({ layer, name: layer.name, className, activation: layerActivation(layer), outputIndex });
      const trainableSet = new Set(layer.trainableWeights.map((w) => w.read()));
      for (const lv of [...layer.trainableWeights, ...layer.nonTrainableWeights]) {
        const variable = lv.read() as tf.Variable;
        this.weights.push({
          // originalName is already scoped (`dense_1/kernel`) for most layers.
          name: lv.originalName.startsWith(`${layer.name}/`) ? lv.originalName : `${layer.name}/${lv.originalName}`,
          layer: layer.name,
          variable,
          shape: lv.shape as number[],
          trainable: trainableSet.has(variable) && layer.trainable,
        });
      }
    }
    let predictionIndex = outputs.indexOf(model.outputs[0]);
    if (predictionIndex < 0) {
      outputs.push(model.outputs[0]);
      predictionIndex = outputs.length - 1;
    }
    this.predictionIndex = predictionIndex;
    this.inspection = tf.model({ inputs: model.inputs, outputs });
    this.trainableVariables = this.weights.filter((w) => w.trainable).map((w) => w.variable);
  }

  /** One training step (or an inspection pass with `apply: false`). */
  async step(x: tf.Tensor, y: tf.Tensor, options: StepOptions): Promise<StepMeasurement> {
    let outputs: tf.Tensor[] = [];
    let prediction: tf.Tensor | null = null;
    const f = (): tf.Scalar => {
      const result = this.inspection.apply(x, { training: true }) as tf.Tensor | tf.Tensor[];
      const list = Array.isArray(result) ? result : [result];
      prediction = tf.keep(list[this.predictionIndex]);
      // Kept every step (bookkeeping only, the tape holds them anyway): a
      // non-finite step needs them to find the layer where NaN/Inf first appears.
      outputs = list.map((t) => tf.keep(t));
      let loss = computeLoss(this.loss, y, list[this.predictionIndex]);
      for (const regularization of this.model.calculateLosses()) loss = tf.add(loss, regularization);
      return loss;
    };
    const { value, grads } =
      this.trainableVariables.length > 0
        ? this.optimizer.computeGradients(f, this.trainableVariables)
        : { value: tf.keep(f()), grads: {} as tf.NamedTensorMap };
    const packer = new StatsPacker();
    const before: tf.Tensor[] = [];
    try {
      const lossAt = packer.add(value.clone());
      const metricsAt = packer.addScalars(computeMetrics(this.metricNames, this.loss, y, prediction!));
      const trainable = this.weights.filter((w) => w.trainable);
      const gradSumSqAt = packer.addScalars(trainable.map((w) => sumOfSquares(grads[w.variable.name])));
      if (options.detail) for (const w of trainable) before.push(tf.clone(w.variable));
      if (options.apply && trainable.length > 0) this.optimizer.applyGradients(grads);

      const detail = options.detail ? this.queueDetail(packer, outputs, before, options.histograms, grads) : null;
      const values = await packer.read();

      const gradSumSq = trainable.map((_, i) => values[gradSumSqAt + i]);
      const total = gradSumSq.reduce((a, b) => a + b, 0);
      const loss = values[lossAt];
      let nonFinite = Number.isFinite(loss) ? 0 : 1;
      const gradNonFinite = new Map<string, number>();
      let locate: ((m: StepMeasurement) => void) | null = null;
      if (!Number.isFinite(total) || !Number.isFinite(loss)) {
        // Rare path: count the bad values only when the sums say there are
        // some, and measure every layer's output to show where they start.
        const counter = new StatsPacker();
        const at = counter.addScalars(trainable.map((w) => nonFiniteCount(grads[w.variable.name])));
        const activationAt = options.detail
          ? []
          : this.layers.map((ref) => (ref.outputIndex >= 0 ? counter.add(activationStatsTensor(outputs[ref.outputIndex], ref.activation)) : -1));
        const values2 = await counter.read();
        trainable.forEach((w, i) => gradNonFinite.set(w.name, values2[at + i]));
        nonFinite += trainable.reduce((a, _, i) => a + values2[at + i], 0);
        locate = (m) =>
          activationAt.forEach((offset, i) => {
            if (offset >= 0) m.layers[i].activationStats = decodeActivationStats(values2, offset);
          });
      }
      const metrics: Record<string, number> = {};
      this.metricNames.forEach((name, i) => (metrics[name] = values[metricsAt + i]));
      const gradNormOf = new Map(trainable.map((w, i) => [w.name, Math.sqrt(gradSumSq[i])]));
      const measurement: StepMeasurement = {
        loss,
        metrics,
        gradNorm: Math.sqrt(total),
        nonFinite,
        layers: this.layers.map((ref) => {
          const own = trainable.filter((w) => w.layer === ref.name);
          const sum = own.reduce((acc, w) => acc + gradSumSq[trainable.indexOf(w)], 0);
          return {
            name: ref.name,
            className: ref.className,
            activation: ref.activation,
            gradNorm: own.length > 0 ? Math.sqrt(sum) : null,
          };
        }),
        weights: this.weights.map((w) => ({
          name: w.name,
          layer: w.layer,
          shape: w.shape,
          trainable: w.trainable,
          norm: null,
          gradNorm: w.trainable ? gradNormOf.get(w.name)! : null,
          updateRatio: null,
          gradNonFinite: gradNonFinite.get(w.name) ?? 0,
          weightNonFinite: 0,
        })),
      };
      if (detail) detail(values, measurement);
      locate?.(measurement);
      if (measurement.weights.some((w) => w.weightNonFinite > 0)) {
        measurement.nonFinite += measurement.weights.reduce((a, w) => a + w.weightNonFinite, 0);
      }
      return measurement;
    } finally {
      packer.dispose();
      tf.dispose(before);
      tf.dispose(outputs);
      if (prediction) (prediction as tf.Tensor).dispose();
      value.dispose();
      tf.dispose(grads);
    }
  }

  /**
   * Queues per-layer and per-weight detail; returns the decoder that fills
   * the measurement once the packed values are read.
   */
  private queueDetail(
    packer: StatsPacker,
    outputs: tf.Tensor[],
    before: tf.Tensor[],
    histograms: boolean,
    grads: tf.NamedTensorMap,
  ): (values: Float32Array, m: StepMeasurement) => void {
    const activationAt = this.layers.map((ref) =>
      ref.outputIndex >= 0 && outputs[ref.outputIndex] ? packer.add(activationStatsTensor(outputs[ref.outputIndex], ref.activation)) : -1,
    );
    const activationHistAt = this.layers.map((ref) =>
      histograms && activationAt[this.layers.indexOf(ref)] >= 0 ? packer.add(histogramTensor(outputs[ref.outputIndex])) : -1,
    );
    const trainable = this.weights.filter((w) => w.trainable);
    const weightAt = this.weights.map((w) => packer.addScalars([sumOfSquares(w.variable), nonFiniteCount(w.variable)]));
    const updateAt = trainable.map((w, i) =>
      packer.addScalars([tf.tidy(() => sumOfSquares(tf.sub(w.variable, before[i]))), sumOfSquares(before[i])]),
    );
    const weightHistAt = this.weights.map((w) => (histograms ? packer.add(histogramTensor(w.variable)) : -1));
    const gradHistAt = this.weights.map((w) => (histograms && w.trainable ? packer.add(histogramTensor(grads[w.variable.name])) : -1));

    return (values, m) => {
      this.layers.forEach((ref, i) => {
        if (activationAt[i] < 0) return;
        const stats = decodeActivationStats(values, activationAt[i]);
        if (activationHistAt[i] >= 0) {
          stats.histogram = decodeHistogram(values, activationHistAt[i], outputs[ref.outputIndex].size);
        }
        m.layers[i].activationStats = stats;
      });
      this.weights.forEach((w, i) => {
        const stats = m.weights[i];
        stats.norm = Math.sqrt(values[weightAt[i]]);
        stats.weightNonFinite = Math.round(values[weightAt[i] + 1]);
        const t = trainable.indexOf(w);
        if (t >= 0) {
          const beforeNorm = Math.sqrt(values[updateAt[t] + 1]);
          stats.updateRatio = Math.sqrt(values[updateAt[t]]) / Math.max(beforeNorm, 1e-12);
        }
        const size = w.shape.reduce((a, b) => a * b, 1);
        if (weightHistAt[i] >= 0) stats.histogram = decodeHistogram(values, weightHistAt[i], size);
        if (gradHistAt[i] >= 0) stats.gradHistogram = decodeHistogram(values, gradHistAt[i], size) as Histogram;
      });
    };
  }

  /** Loss and metrics over a whole split, in batches, without training behaviour (no dropout). */
  async evaluate(
    batches: Iterable<{ x: tf.Tensor; y: tf.Tensor; size: number }>,
  ): Promise<{ loss: number; metrics: Record<string, number> }> {
    let count = 0;
    let lossSum = 0;
    const metricSums = this.metricNames.map(() => 0);
    for (const { x, y, size } of batches) {
      const packer = new StatsPacker();
      try {
        tf.tidy(() => {
          const prediction = this.model.predict(x) as tf.Tensor;
          packer.add(tf.keep(computeLoss(this.loss, y, prediction)));
          packer.addScalars(computeMetrics(this.metricNames, this.loss, y, prediction).map((s) => tf.keep(s)));
        });
        const values = await packer.read();
        lossSum += values[0] * size;
        this.metricNames.forEach((_, i) => (metricSums[i] += values[1 + i] * size));
        count += size;
      } finally {
        packer.dispose();
        x.dispose();
        y.dispose();
      }
    }
    const metrics: Record<string, number> = {};
    this.metricNames.forEach((name, i) => (metrics[name] = count > 0 ? metricSums[i] / count : NaN));
    return { loss: count > 0 ? lossSum / count : NaN, metrics };
  }
}
