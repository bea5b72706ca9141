// One factory per spec layer type (the same list as spec/catalog/layers.ts):
// spec options → configured tfjs layers, with seeded initializers.

import * as tf from '@tensorflow/tfjs';
import type { InitializerSpec, LayerSpec, LayerType, RegularizerSpec } from '../../spec/types';
import { conv2d as fusedConv2dLayer } from '../backend/native/convLayer';
import { dense as fusedDenseLayer } from '../backend/native/denseLayer';
import { lstm as fusedLstmLayer } from '../backend/native/lstmLayer';
import { PositionalEmbedding } from './custom/positionalEmbedding';
import { TransformerEncoder } from './custom/transformerEncoder';
import { initializerSeed, makeInitializer, makeRegularizer } from './initializers';

type Layer = tf.layers.Layer;
type TfActivation = NonNullable<Parameters<typeof tf.layers.dense>[0]['activation']>;

export interface LayerContext {
  name: string;
  /** 0-based position in the spec's layer list. */
  index: number;
  runSeed: number;
}

/** Typed read of an already-validated option. */
function opt<T>(layer: LayerSpec, key: string): T | undefined {
  return layer[key] as T | undefined;
}

function common(layer: LayerSpec, ctx: LayerContext): { name: string; trainable: boolean } {
  return { name: ctx.name, trainable: layer.trainable ?? true };
}

function init(layer: LayerSpec, ctx: LayerContext, key: string, fallback: InitializerSpec, slot: number) {
  return makeInitializer(opt<InitializerSpec>(layer, key), fallback, initializerSeed(ctx.runSeed, ctx.index, slot));
}

function reg(layer: LayerSpec, key: string) {
  return makeRegularizer(opt<RegularizerSpec>(layer, key));
}

/**
 * The activation to configure on the layer itself, plus a LeakyReLU layer to
 * append when the spec asks for leakyReLU (tfjs has it as a layer, not as an
 * activation function).
 */
function activation(layer: LayerSpec, ctx: LayerContext, fallback: string): { own: TfActivation; after: Layer[] } {
  const name = opt<string>(layer, 'activation') ?? fallback;
  if (name !== 'leakyReLU') return { own: name as TfActivation, after: [] };
  const alpha = opt<number>(layer, 'alpha') ?? 0.2;
  return { own: 'linear', after: [tf.layers.leakyReLU({ alpha, name: `${ctx.name}_leakyReLU`, trainable: layer.trainable ?? true })] };
}

function weights(layer: LayerSpec, ctx: LayerContext, kernelDefault: InitializerSpec) {
  return {
    useBias: opt<boolean>(layer, 'useBias') ?? true,
    kernelInitializer: init(layer, ctx, 'kernelInitializer', kernelDefault, 0),
    biasInitializer: init(layer, ctx, 'biasInitializer', 'zeros', 1),
    kernelRegularizer: reg(layer, 'kernelRegularizer'),
    biasRegularizer: reg(layer, 'biasRegularizer'),
  };
}

function conv(layer: LayerSpec, ctx: LayerContext, dims: 1 | 2): Layer[] {
  const act = activation(layer, ctx, 'linear');
  const args = {
    ...common(layer, ctx),
    ...weights(layer, ctx, 'glorotUniform'),
    filters: opt<number>(layer, 'filters')!,
    kernelSize: opt<number | number[]>(layer, 'kernelSize')!,
    strides: opt<number | number[]>(layer, 'strides') ?? 1,
    padding: opt<'valid' | 'same'>(layer, 'padding') ?? 'valid',
    dilationRate: opt<number | number[]>(layer, 'dilationRate') ?? 1,
    activation: act.own,
  };
  // Conv2D: tfjs' layer, fused into one kernel forward on wasm (backend/native/convLayer.ts).
  const made = dims === 1 ? tf.layers.conv1d(args as Parameters<typeof tf.layers.conv1d>[0]) : fusedConv2dLayer(args as Parameters<typeof tf.layers.conv2d>[0]);
  return [made, ...act.after];
}

function pool(
  layer: LayerSpec,
  ctx: LayerContext,
  make: (args: { name: string; trainable: boolean; poolSize: never; strides?: never; padding: 'valid' | 'same' }) => Layer,
): Layer[] {
  return [
    make({
      ...common(layer, ctx),
      poolSize: (opt<number | number[]>(layer, 'poolSize') ?? 2) as never,
      strides: opt<number | number[]>(layer, 'strides') as never,
      padding: opt<'valid' | 'same'>(layer, 'padding') ?? 'valid',
    }),
  ];
}

function recurrent(layer: LayerSpec, ctx: LayerContext): Layer[] {
  const args = {
    ...common(layer, ctx),
    units: opt<number>(layer, 'units')!,
    activation: (opt<string>(layer, 'activation') ?? 'tanh') as TfActivation,
    recurrentActivation: (opt<string>(layer, 'recurrentActivation') ?? 'sigmoid') as TfActivation,
    returnSequences: opt<boolean>(layer, 'returnSequences') ?? false,
    dropout: opt<number>(layer, 'dropout') ?? 0,
    recurrentDropout: opt<number>(layer, 'recurrentDropout') ?? 0,
    useBias: opt<boolean>(layer, 'useBias') ?? true,
    kernelInitializer: init(layer, ctx, 'kernelInitializer', 'glorotUniform', 0),
    recurrentInitializer: init(layer, ctx, 'recurrentInitializer', 'orthogonal', 2),
    biasInitializer: init(layer, ctx, 'biasInitializer', 'zeros', 1),
    kernelRegularizer: reg(layer, 'kernelRegularizer'),
    recurrentRegularizer: reg(layer, 'recurrentRegularizer'),
    biasRegularizer: reg(layer, 'biasRegularizer'),
  };
  if (layer.type === 'lstm') return [fusedLstmLayer(args)]; // tf.layers.lstm with a fused wasm path
  if (layer.type === 'gru') return [tf.layers.gru(args)];
  const { recurrentActivation: _unused, ...simple } = args;
  return [tf.layers.simpleRNN(simple)];
}

const FACTORIES: Record<LayerType, (layer: LayerSpec, ctx: LayerContext) => Layer[]> = {
  dense: (layer, ctx) => {
    const act = activation(layer, ctx, 'linear');
    // tfjs' Dense, fused into one kernel forward on wasm (backend/native/denseLayer.ts).
    return [
      fusedDenseLayer({ ...common(layer, ctx), ...weights(layer, ctx, 'glorotUniform'), units: opt<number>(layer, 'units')!, activation: act.own }),
      ...act.after,
    ];
  },
  conv1d: (layer, ctx) => conv(layer, ctx, 1),
  conv2d: (layer, ctx) => conv(layer, ctx, 2),
  maxPooling1d: (layer, ctx) => pool(layer, ctx, (a) => tf.layers.maxPooling1d(a)),
  maxPooling2d: (layer, ctx) => pool(layer, ctx, (a) => tf.layers.maxPooling2d(a)),
  averagePooling1d: (layer, ctx) => pool(layer, ctx, (a) => tf.layers.averagePooling1d(a)),
  averagePooling2d: (layer, ctx) => pool(layer, ctx, (a) => tf.layers.averagePooling2d(a)),
  globalAveragePooling1d: (layer, ctx) => [tf.layers.globalAveragePooling1d(common(layer, ctx))],
  globalAveragePooling2d: (layer, ctx) => [tf.layers.globalAveragePooling2d(common(layer, ctx))],
  globalMaxPooling1d: (layer, ctx) => [tf.layers.globalMaxPooling1d(common(layer, ctx))],
  globalMaxPooling2d: (layer, ctx) => [tf.layers.globalMaxPooling2d(common(layer, ctx))],
  flatten: (layer, ctx) => [tf.layers.flatten(common(layer, ctx))],
  reshape: (layer, ctx) => [tf.layers.reshape({ ...common(layer, ctx), targetShape: opt<number[]>(layer, 'targetShape')! })],
  dropout: (layer, ctx) => [tf.layers.dropout({ ...common(layer, ctx), rate: opt<number>(layer, 'rate')! })],
  batchNormalization: (layer, ctx) => [
    tf.layers.batchNormalization({
      ...common(layer, ctx),
      momentum: opt<number>(layer, 'momentum') ?? 0.99,
      epsilon: opt<number>(layer, 'epsilon') ?? 0.001,
      center: opt<boolean>(layer, 'center') ?? true,
      scale: opt<boolean>(layer, 'scale') ?? true,
    }),
  ],
  layerNormalization: (layer, ctx) => [
    tf.layers.layerNormalization({
      ...common(layer, ctx),
      epsilon: opt<number>(layer, 'epsilon') ?? 0.001,
      center: opt<boolean>(layer, 'center') ?? true,
      scale: opt<boolean>(layer, 'scale') ?? true,
    }),
  ],
  simpleRNN: recurrent,
  lstm: recurrent,
  gru: recurrent,
  embedding: (layer, ctx) => [
    tf.layers.embedding({
      ...common(layer, ctx),
      inputDim: opt<number>(layer, 'inputDim')!,
      outputDim: opt<number>(layer, 'outputDim')!,
      embeddingsInitializer: init(layer, ctx, 'embeddingsInitializer', 'randomUniform', 0),
      embeddingsRegularizer: reg(layer, 'embeddingsRegularizer'),
    }),
  ],
  activation: (layer, ctx) => {
    const name = opt<string>(layer, 'activation')!;
    if (name === 'leakyReLU') return [tf.layers.leakyReLU({ ...common(layer, ctx), alpha: opt<number>(layer, 'alpha') ?? 0.2 })];
    return [tf.layers.activation({ ...common(layer, ctx), activation: name as TfActivation })];
  },
  positionalEmbedding: (layer, ctx) => [
    new PositionalEmbedding({
      ...common(layer, ctx),
      vocabSize: opt<number>(layer, 'vocabSize')!,
      embedDim: opt<number>(layer, 'embedDim')!,
      maxLength: opt<number>(layer, 'maxLength') ?? null,
      embeddingsInitializer: opt<InitializerSpec>(layer, 'embeddingsInitializer'),
      seed: initializerSeed(ctx.runSeed, ctx.index, 0),
    }),
  ],
  transformerEncoder: (layer, ctx) => [
    new TransformerEncoder({
      ...common(layer, ctx),
      numHeads: opt<number>(layer, 'numHeads')!,
      keyDim: opt<number>(layer, 'keyDim') ?? null,
      ffDim: opt<number>(layer, 'ffDim') ?? null,
      dropout: opt<number>(layer, 'dropout') ?? 0,
      activation: opt<'relu' | 'gelu'>(layer, 'activation') ?? 'relu',
      normFirst: opt<boolean>(layer, 'normFirst') ?? true,
      epsilon: opt<number>(layer, 'epsilon') ?? 1e-5,
      kernelInitializer: opt<InitializerSpec>(layer, 'kernelInitializer'),
      seed: initializerSeed(ctx.runSeed, ctx.index, 0),
    }),
  ],
  add: (layer, ctx) => [tf.layers.add(common(layer, ctx))],
  multiply: (layer, ctx) => [tf.layers.multiply(common(layer, ctx))],
  average: (layer, ctx) => [tf.layers.average(common(layer, ctx))],
  concatenate: (layer, ctx) => [tf.layers.concatenate({ ...common(layer, ctx), axis: opt<number>(layer, 'axis') ?? -1 })],
};

/** Layer types the builder accepts (equal to the spec catalog's list; a test checks it). */
export const BUILDABLE_LAYER_TYPES = Object.keys(FACTORIES) as LayerType[];

/** The tfjs layers for one spec layer: the layer itself, then an optional LeakyReLU. */
export function createLayers(layer: LayerSpec, ctx: LayerContext): Layer[] {
  return FACTORIES[layer.type](layer, ctx);
}
