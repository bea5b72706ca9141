// The fused LSTM (src/trainer/backend/native/lstm*.ts): on wasm, one kernel
// forward and one backward must give the stock tfjs-layers LSTM's outputs
// and gradients (w.r.t. the input, kernel, recurrent kernel and bias) as the
// cpu backend computes them. Every wasm case also checks that the fused
// kernels really ran, so a silent fallback to the stock path fails.

import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { ensureWasm, leaveOnWasm, randomValues, relativeError } from './helpers';
import { nativeKernels, nativeKernelsError } from '../../../src/trainer/backend/native/module';
import { fusedLstmCalls } from '../../../src/trainer/backend/native/lstm';
import { FusedLSTM } from '../../../src/trainer/backend/native/lstmLayer';
import type { LSTMLayerArgs } from '@tensorflow/tfjs-layers/dist/layers/recurrent';

const TOLERANCE = 1e-4;
const OUTPUTS = ['output', 'd input', 'd kernel', 'd recurrent kernel', 'd bias'];

interface Case {
  B: number;
  T: number;
  D: number;
  U: number;
  returnSequences: boolean;
  activation?: string;
  recurrentActivation?: string;
  useBias?: boolean;
  goBackwards?: boolean;
  /** Scale of the random weights (larger: more saturated gates). */
  scale?: number;
}

interface Run {
  values: Float32Array[];
  fallback: string | null;
  forwardCalls: number;
  backwardCalls: number;
}

function label(c: Case): string {
  const acts = `${c.activation ?? 'tanh'}/${c.recurrentActivation ?? 'hardSigmoid'}`;
  return `B=${c.B} T=${c.T} D=${c.D} U=${c.U} seq=${c.returnSequences} ${acts}${c.useBias === false ? ' no bias' : ''}${c.goBackwards ? ' goBackwards' : ''}`;
}

/**
 * The stock LSTM cannot be differentiated over a single step (tfjs 4.22's
 * Unpack gradient gets one dy where it expects a list: "Argument tensors
 * passed to stack must be a `Tensor[]`"), so for T = 1 the reference is the
 * stock LSTMCell applied once to zero states, which is what the layer's loop
 * computes.
 */
function oneStepReference(layer: FusedLSTM, x: tf.Tensor, returnSequences: boolean): tf.Tensor {
  const [B, , D] = x.shape;
  const U = (layer.cell as unknown as { units: number }).units;
  const zeros = tf.zeros([B, U]);
  const [h] = layer.cell.call([tf.reshape(x, [B, D]), zeros, zeros], {}) as tf.Tensor[];
  return returnSequences ? tf.reshape(h, [B, 1, U]) : h;
}

/** Output and gradients of sum(lstm(x) · dy) for the case's deterministic x, weights and dy. */
async function runLstm(backend: 'wasm' | 'cpu', c: Case): Promise<Run> {
  await ensureWasm();
  await tf.setBackend(backend);
  const { B, T, D, U } = c;
  const scale = c.scale ?? 0.5;
  const useBias = c.useBias ?? true;
  const forwardBefore = fusedLstmCalls.forward;
  const backwardBefore = fusedLstmCalls.backward;
  const args: LSTMLayerArgs = { units: U, returnSequences: c.returnSequences, useBias, goBackwards: c.goBackwards };
  if (c.activation) args.activation = c.activation as LSTMLayerArgs['activation'];
  if (c.recurrentActivation) args.recurrentActivation = c.recurrentActivation as LSTMLayerArgs['recurrentActivation'];
  const layer = new FusedLSTM(args);
  const values = tf.tidy(() => {
    layer.apply(tf.zeros([1, T, D])); // builds the weights
    const weights = [tf.mul(tf.tensor(randomValues(D * 4 * U, 11), [D, 4 * U]), scale), tf.mul(tf.tensor(randomValues(U * 4 * U, 12), [U, 4 * U]), scale)];
    if (useBias) weights.push(tf.mul(tf.tensor(randomValues(4 * U, 13), [4 * U]), scale));
    layer.setWeights(weights);
    const x = tf.variable(tf.tensor(randomValues(B * T * D, 14), [B, T, D]));
    const dyShape = c.returnSequences ? [B, T, U] : [B, U];
    const dy = tf.tensor(randomValues(tf.util.sizeFromShape(dyShape), 15), dyShape);
    const variables = [x, ...layer.trainableWeights.map((w) => w.read() as tf.Variable)];
    let output: tf.Tensor | null = null;
    const { grads } = tf.variableGrads(() => {
      output = tf.keep(backend === 'cpu' && T === 1 ? oneStepReference(layer, x, c.returnSequences) : (layer.apply(x, { training: true }) as tf.Tensor));
      return tf.sum(tf.mul(output, dy)) as tf.Scalar;
    }, variables);
    const list = [output!, ...variables.map((v) => grads[v.name])];
    const read = list.map((t) => Float32Array.from(t.dataSync() as ArrayLike<number>));
    tf.dispose([x, output!]);
    return read;
  });
  layer.dispose();
  return {
    values,
    fallback: layer.lastFallbackReason,
    forwardCalls: fusedLstmCalls.forward - forwardBefore,
    backwardCalls: fusedLstmCalls.backward - backwardBefore,
  };
}

/** Compares wasm (must take the fused path when `fused`) against cpu's stock LSTM. */
async function check(c: Case, fused = true): Promise<string | null> {
  const wasm = await runLstm('wasm', c);
  const cpu = await runLstm('cpu', c);
  if (c.T > 1) assert.notEqual(cpu.fallback, null, 'cpu must run the stock LSTM');
  if (fused) {
    assert.equal(wasm.fallback, null, `fused path not taken: ${wasm.fallback}`);
    // Forward: the building call (zeros) and the measured call; backward: one.
    assert.equal(wasm.forwardCalls, 2, 'fused forward kernel calls');
    assert.equal(wasm.backwardCalls, 1, 'fused backward kernel calls');
  } else {
    assert.notEqual(wasm.fallback, null, 'expected the stock path');
    assert.equal(wasm.forwardCalls + wasm.backwardCalls, 0, 'fused kernels must not run');
  }
  assert.equal(wasm.values.length, cpu.values.length);
  cpu.values.forEach((expected, i) => {
    const err = relativeError(wasm.values[i], expected);
    assert.ok(err <= TOLERANCE, `${label(c)}: ${OUTPUTS[i]} relative error ${err.toExponential(2)} > ${TOLERANCE}`);
  });
  return wasm.fallback;
}

describe('fused LSTM on wasm (vs stock LSTM on cpu)', function () {
  this.timeout(120_000);

  before(async () => {
    await ensureWasm();
    await tf.setBackend('wasm');
    assert.ok(nativeKernels(tf.backend() as BackendWasm), `native kernels not loaded: ${nativeKernelsError()}`);
  });

  after(leaveOnWasm);

  // Every combination of the shape extremes: batch 1/33, steps 1/28, width 1/28, units 5 (a SIMD tail) / 8.
  for (const B of [1, 33]) {
    for (const T of [1, 28]) {
      for (const D of [1, 28]) {
        for (const returnSequences of [false, true]) {
          const c: Case = { B, T, D, U: B === 1 ? 8 : 5, returnSequences, recurrentActivation: 'sigmoid' };
          it(label(c), () => check(c));
        }
      }
    }
  }

  const more: Case[] = [
    // The spec builder's defaults (tanh / sigmoid) at the benchmark's size.
    { B: 64, T: 28, D: 28, U: 64, returnSequences: false, recurrentActivation: 'sigmoid' },
    // tfjs' default recurrent activation, hardSigmoid, with saturated gates (clipped on both sides).
    { B: 7, T: 9, D: 6, U: 13, returnSequences: true, scale: 2 },
    { B: 7, T: 9, D: 6, U: 4, returnSequences: false },
    { B: 5, T: 6, D: 3, U: 7, returnSequences: true, activation: 'relu', recurrentActivation: 'sigmoid' },
    { B: 5, T: 6, D: 3, U: 6, returnSequences: false, activation: 'linear', recurrentActivation: 'sigmoid', scale: 0.3 },
    { B: 5, T: 6, D: 3, U: 6, returnSequences: true, activation: 'sigmoid', recurrentActivation: 'tanh' },
    { B: 3, T: 5, D: 4, U: 5, returnSequences: true, recurrentActivation: 'sigmoid', useBias: false },
    { B: 3, T: 5, D: 4, U: 5, returnSequences: false, useBias: false },
  ];
  for (const c of more) it(label(c), () => check(c));

  it('keeps the stock path for goBackwards and unsupported activations, with the same results', async () => {
    const backwards = await check({ B: 3, T: 5, D: 2, U: 5, returnSequences: true, goBackwards: true, recurrentActivation: 'sigmoid' }, false);
    assert.equal(backwards, 'goBackwards');
    const elu = await check({ B: 3, T: 5, D: 2, U: 5, returnSequences: false, activation: 'elu', recurrentActivation: 'sigmoid' }, false);
    assert.match(elu ?? '', /activation elu is not fused/);
  });

  it('keeps the stock path for dropout, returnState, stateful and masks', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor(randomValues(2 * 4 * 3, 3), [2, 4, 3]);
    const reasons: (string | null)[] = [];
    for (const args of [
      { units: 3, dropout: 0.2 },
      { units: 3, recurrentDropout: 0.2 },
      { units: 3, returnState: true },
      { units: 3, stateful: true, batchInputShape: [2, 4, 3] },
    ] as LSTMLayerArgs[]) {
      const layer = new FusedLSTM(args);
      tf.dispose(layer.apply(x, { training: true }) as tf.Tensor | tf.Tensor[]);
      reasons.push(layer.lastFallbackReason);
      layer.dispose();
    }
    const masked = new FusedLSTM({ units: 3 });
    const mask = tf.tensor2d(
      [
        [1, 1, 0, 0],
        [1, 1, 1, 1],
      ],
      [2, 4],
      'bool',
    );
    tf.dispose(masked.apply(x, { mask }) as tf.Tensor);
    reasons.push(masked.lastFallbackReason);
    masked.dispose();
    tf.dispose([x, mask]);
    assert.deepEqual(reasons, ['dropout', 'dropout', 'returnState', 'stateful', 'mask']);
  });
});
