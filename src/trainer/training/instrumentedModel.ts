// The instrumented training step: forward pass that exposes every layer's
// output, loss, gradients (optimizer.computeGradients), update, and the
// statistics of the step (loss and metrics read back once, the rest measured
// on the values in place). Not model.fit: fit never exposes
// gradients, and we need to stop between any two batches.

import * as tf from '@tensorflow/tfjs';
import type { StepStats } from '../../shared/stats';
import { featureMaps } from './featureMaps';
import { hostValues } from './hostValues';
import { computeLoss, getLearningRate, hostMetrics, type LossName } from './objectives';
import { activationStats, countNonFinite, histogram, snapshot, sumOfSquares, updateSums, type ValuesSnapshot } from './tensorStats';

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

/**
 * The part of a step's `StepStats` the step itself measures; the caller adds
 * the position (step, epoch, batch), the timing and the sample count. Keys in
 * `StepStats` order, so that a spread between them keeps the record's order.
 */
export type MeasuredStepStats = Pick<
  StepStats,
  'loss' | 'metrics' | 'learningRate' | 'gradNorm' | 'nonFinite' | 'detailed' | 'withHistograms' | 'layers' | 'weights'
>;

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
  /**
   * The trainable weights as they were before the last applied step: a pause
   * after a step the statistics schedule did not measure still shows that
   * step's update ratios (updateRatiosOfLastStep). One copy of the weights,
   * replaced each step (cost: docs/performance.md).
   */
  private weightsBeforeLastUpdate: ValuesSnapshot[] = [];

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

  /**
   * One training step (or an inspection pass with `apply: false`). Loss and
   * metrics are computed in the graph and read back once; gradient norms and
   * all per-layer statistics are JS loops over the tensors' values where the
   * backend holds them (./hostValues: no kernel dispatch, no copy on wasm).
   */
  async step(x: tf.Tensor, y: tf.Tensor, options: StepOptions): Promise<MeasuredStepStats> {
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
    // Weights before the update, for update ratios (copies: the update overwrites them).
    let before: ValuesSnapshot[] = [];
    const { value, grads } =
      this.trainableVariables.length > 0
        ? this.optimizer.computeGradients(f, this.trainableVariables)
        : { value: tf.keep(f()), grads: {} as tf.NamedTensorMap };
    try {
      const metricValues = hostMetrics(this.metricNames, this.loss, y, prediction!);
      const trainable = this.weights.filter((w) => w.trainable);
      const gradSumSq = trainable.map((w) => sumOfSquares(hostValues(grads[w.variable.name])));
      // An inspection pass (apply: false) updates nothing: it has no update ratio.
      // On wasm the copies are made in the heap, where updateSums runs natively.
      if (options.apply) {
        for (const copy of this.weightsBeforeLastUpdate) copy.dispose();
        before = trainable.map((w) => snapshot(hostValues(w.variable)));
        this.weightsBeforeLastUpdate = before;
      }
      if (options.apply && trainable.length > 0) this.optimizer.applyGradients(grads);
      const loss = (await value.data())[0];

      const total = gradSumSq.reduce((a, b) => a + b, 0);
      let nonFinite = Number.isFinite(loss) ? 0 : 1;
      const gradNonFinite = new Map<string, number>();
      const badStep = !Number.isFinite(total) || !Number.isFinite(loss);
      if (badStep) {
        // Rare path: count the bad values only when the sums say there are some.
        for (const w of trainable) {
          const bad = countNonFinite(hostValues(grads[w.variable.name]));
          gradNonFinite.set(w.name, bad);
          nonFinite += bad;
        }
      }
      const metrics: Record<string, number> = {};
      this.metricNames.forEach((name, i) => (metrics[name] = metricValues[i]));
      const gradNormOf = new Map(trainable.map((w, i) => [w.name, Math.sqrt(gradSumSq[i])]));
      const measurement: MeasuredStepStats = {
        loss,
        metrics,
        // The rate this update used (a change applies from the next step on).
        learningRate: getLearningRate(this.optimizer),
        gradNorm: Math.sqrt(total),
        nonFinite,
        detailed: options.detail,
        withHistograms: options.detail && options.histograms,
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
      // Activations are measured on detailed steps, and on a bad step (to show
      // the layer where NaN/Inf first appears).
      if (options.detail || badStep) this.measureActivations(measurement, outputs, options.detail && options.histograms);
      if (options.detail) this.measureWeights(measurement, before, options.histograms, grads);
      if (measurement.weights.some((w) => w.weightNonFinite > 0)) {
        measurement.nonFinite += measurement.weights.reduce((a, w) => a + w.weightNonFinite, 0);
      }
      return measurement;
    } finally {
      // `before` is kept (weightsBeforeLastUpdate) until the next applied step.
      tf.dispose(outputs);
      if (prediction) (prediction as tf.Tensor).dispose();
      value.dispose();
      tf.dispose(grads);
    }
  }

  private measureActivations(m: MeasuredStepStats, outputs: tf.Tensor[], histograms: boolean): void {
    this.layers.forEach((ref, i) => {
      const output = ref.outputIndex >= 0 ? outputs[ref.outputIndex] : undefined;
      if (!output) return;
      const stats = activationStats(hostValues(output), output.shape, ref.activation);
      if (histograms) stats.histogram = histogram(hostValues(output));
      m.layers[i].activationStats = stats;
      // Feature maps cost a pass over one sample; they ride with the histograms.
      const maps = histograms ? featureMaps(hostValues(output), output.shape) : undefined;
      if (maps) m.layers[i].featureMaps = maps;
    });
  }

  /** Weight norms, non-finite weights, update ratios and (optionally) weight and gradient histograms. */
  private measureWeights(m: MeasuredStepStats, before: ValuesSnapshot[], histograms: boolean, grads: tf.NamedTensorMap): void {
    const trainable = this.weights.filter((w) => w.trainable);
    this.weights.forEach((w, i) => {
      const stats = m.weights[i];
      const sumSq = sumOfSquares(hostValues(w.variable));
      stats.norm = Math.sqrt(sumSq);
      stats.weightNonFinite = Number.isFinite(sumSq) ? 0 : countNonFinite(hostValues(w.variable));
      const t = trainable.indexOf(w);
      if (t >= 0 && before[t]) stats.updateRatio = updateRatio(w, before[t]);
      if (histograms) {
        stats.histogram = histogram(hostValues(w.variable));
        if (t >= 0) stats.gradHistogram = histogram(hostValues(grads[w.variable.name]));
      }
    });
  }

  /**
   * The update ratio of each weight (null for non-trainable ones) in the last
   * applied step, from the copy taken before it: call before anything else
   * changes the weights (a pause, right after its step). Null before any step.
   */
  updateRatiosOfLastStep(): (number | null)[] | null {
    const before = this.weightsBeforeLastUpdate;
    if (before.length === 0) return null;
    const trainable = this.weights.filter((w) => w.trainable);
    return this.weights.map((w) => {
      const t = trainable.indexOf(w);
      return t >= 0 && before[t] ? updateRatio(w, before[t]) : null;
    });
  }

  /** Frees the copy of the weights kept for update ratios (the run ends). */
  disposeKeptWeights(): void {
    for (const copy of this.weightsBeforeLastUpdate) copy.dispose();
    this.weightsBeforeLastUpdate = [];
  }

  /** Loss and metrics over a whole split, in batches, without training behaviour (no dropout). */
  async evaluate(batches: Iterable<{ x: tf.Tensor; y: tf.Tensor; size: number }>): Promise<{ loss: number; metrics: Record<string, number> }> {
    let count = 0;
    let lossSum = 0;
    const metricSums = this.metricNames.map(() => 0);
    for (const { x, y, size } of batches) {
      try {
        const { loss, metrics } = tf.tidy(() => {
          const prediction = this.model.predict(x) as tf.Tensor;
          return {
            loss: computeLoss(this.loss, y, prediction).dataSync()[0],
            metrics: hostMetrics(this.metricNames, this.loss, y, prediction),
          };
        });
        lossSum += loss * size;
        this.metricNames.forEach((_, i) => (metricSums[i] += metrics[i] * size));
        count += size;
      } finally {
        x.dispose();
        y.dispose();
      }
    }
    const metrics: Record<string, number> = {};
    this.metricNames.forEach((name, i) => (metrics[name] = count > 0 ? metricSums[i] / count : NaN));
    return { loss: count > 0 ? lossSum / count : NaN, metrics };
  }
}

/** ‖W_after − W_before‖ / ‖W_before‖ of one weight tensor (0 when the update rounded away: src/shared/updateRatio.ts). */
function updateRatio(w: WeightRef, before: ValuesSnapshot): number {
  const sums = updateSums(hostValues(w.variable), before.values());
  return Math.sqrt(sums.diff) / Math.max(Math.sqrt(sums.before), 1e-12);
}
