// Shared helpers for model-builder tests: a spec from a layer list, and data shapes.

import * as tf from '@tensorflow/tfjs';
import { isUserError } from '../../../src/shared/errors';
import type { UserErrorInfo } from '../../../src/shared/protocol';
import { buildModel, type DataShape } from '../../../src/trainer/model';
import { parseModelSpec, type ParsedSpec } from '../../../src/spec';

export function specWith(layers: object[], options: { loss?: string; metrics?: string[]; model?: object } = {}): ParsedSpec {
  const text = JSON.stringify(
    {
      name: 'test-model',
      data: { source: 'synthetic', dataset: 'spiral' },
      model: { ...options.model, layers },
      training: { loss: options.loss ?? 'categoricalCrossentropy', ...(options.metrics ? { metrics: options.metrics } : {}) },
    },
    null,
    2,
  );
  return parseModelSpec(text, 'test.nn.json');
}

export const classes = (inputShape: number[], numClasses: number, targetShape: number[] = []): DataShape => ({
  inputShape,
  target: { kind: 'class', numClasses, shape: targetShape },
  inputIsTokenIds: false,
});

export const tokens = (steps: number, vocab: number): DataShape => ({
  inputShape: [steps],
  target: { kind: 'class', numClasses: vocab, shape: [steps] },
  inputIsTokenIds: true,
});

export function buildError(parsed: ParsedSpec, data: DataShape): UserErrorInfo {
  try {
    buildModel(parsed, data, 1).dispose();
  } catch (e) {
    if (isUserError(e)) return e.info;
    throw e;
  }
  throw new Error('expected buildModel to throw a UserError');
}

export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

export function weightValues(model: tf.LayersModel): Record<string, number[]> {
  return Object.fromEntries(model.weights.map((w) => [w.originalName, Array.from(w.read().dataSync())]));
}
