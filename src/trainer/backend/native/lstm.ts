// A fused LSTM sequence op for the wasm backend: the whole forward pass is ONE
// kernel ('NeuralLstmSequence') and the whole backward pass ONE kernel
// ('NeuralLstmSequenceGrad'), both running assembly/lstm.ts in the backend's
// heap. tfjs-layers' LSTM otherwise dispatches ~100 small kernels per time
// step (matMul, split, sigmoid, … forward and backward), and on wasm that
// dispatch is most of a step's time. The op is wired to autodiff with
// tf.customGrad: its only visible output is h, the forward workspace (gates,
// c, act(c), previous h) is saved for the backward kernel.
//
// Semantics are tfjs-layers' LSTMCell (Keras gate order i, f, c, o; zero
// initial state; z = x·W + h·R + b), for the activations in ACTIVATION_CODES.
//
// Threads: the forward pass and the backward pass's walk back through the
// steps split over batch rows (one fork for the whole sequence), the weight
// gradients over their gate columns; each element is computed the same way
// on any split (assembly/lstm.ts).

import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { nativeKernels, requireNativeKernels, type NativeKernels } from './module';
import { partRange } from './threadPool';

export const LSTM_FORWARD_KERNEL = 'NeuralLstmSequence';
export const LSTM_BACKWARD_KERNEL = 'NeuralLstmSequenceGrad';

/** tfjs-layers activation class names → the codes of assembly/lstm.ts. */
const ACTIVATION_CODES: Readonly<Record<string, number>> = {
  linear: 0,
  tanh: 1,
  sigmoid: 2,
  hardSigmoid: 3,
  relu: 4,
};

export interface FusedLstmOptions {
  /** Activation of the candidate and of the cell output (tfjs-layers class name). */
  activation: string;
  /** Activation of the i, f, o gates. */
  recurrentActivation: string;
  returnSequences: boolean;
}

interface LstmAttrs {
  act: number;
  ract: number;
  returnSequences: boolean;
}

/** Calls of each kernel since the process started (tests use them to prove the fused path ran). */
export const fusedLstmCalls = { forward: 0, backward: 0 };

function dims(x: tf.TensorInfo, recurrentKernel: tf.TensorInfo): { B: number; T: number; D: number; U: number } {
  const [B, T, D] = x.shape;
  return { B, T, D, U: recurrentKernel.shape[0] };
}

/** Floats of the forward workspace kept for the backward pass: gates 4U, c, act(c), previous h. */
function workspaceSize(B: number, T: number, U: number): number {
  return 7 * B * T * U;
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: unknown };

function input(args: KernelArgs, name: string): tf.TensorInfo {
  const info = args.inputs[name];
  if (!info) throw new Error(`${LSTM_FORWARD_KERNEL}: missing input '${name}'`);
  return info;
}

/** Parts of a call split over the B batch rows: each does 2·T·4U·(D + U) multiply-adds per row. */
function batchParts(kernels: NativeKernels, B: number, T: number, D: number, U: number): number {
  return kernels.partsFor(2 * B * T * 4 * U * (D + U), B);
}

function lstmForwardKernel(args: KernelArgs): tf.TensorInfo[] {
  const [x, kernel, recurrentKernel] = ['x', 'kernel', 'recurrentKernel'].map((n) => input(args, n));
  const bias = args.inputs.bias;
  const attrs = args.attrs as unknown as LstmAttrs;
  const kernels = requireNativeKernels(args.backend, LSTM_FORWARD_KERNEL);
  const { B, T, D, U } = dims(x, recurrentKernel);
  const backend = args.backend as BackendWasm;
  const out = backend.makeOutput(attrs.returnSequences ? [B, T, U] : [B, U], 'float32');
  const workspace = backend.makeOutput([workspaceSize(B, T, U)], 'float32');
  const parts = batchParts(kernels, B, T, D, U);
  kernels.withScratch(new Array<number>(parts).fill(8 * Math.max(D, U)), (panels) => {
    const fixed = [
      B,
      T,
      D,
      U,
      kernels.address(x),
      kernels.address(kernel),
      kernels.address(recurrentKernel),
      bias ? kernels.address(bias) : 0,
      attrs.act,
      attrs.ract,
      attrs.returnSequences ? 1 : 0,
      kernels.address(out),
      kernels.address(workspace),
    ];
    kernels.runParts(
      'lstmForward',
      panels.map((panel, i) => [...fixed, panel, ...partRange(B, parts, i)]),
    );
  });
  fusedLstmCalls.forward++;
  return [out, workspace];
}

function lstmBackwardKernel(args: KernelArgs): tf.TensorInfo[] {
  const [x, kernel, recurrentKernel, workspace, dy] = ['x', 'kernel', 'recurrentKernel', 'workspace', 'dy'].map((n) => input(args, n));
  const attrs = args.attrs as unknown as LstmAttrs & { hasBias: boolean };
  const kernels = requireNativeKernels(args.backend, LSTM_BACKWARD_KERNEL);
  const { B, T, D, U } = dims(x, recurrentKernel);
  const G = 4 * U;
  const backend = args.backend as BackendWasm;
  const dx = backend.makeOutput([B, T, D], 'float32');
  const dw = backend.makeOutput([D, G], 'float32');
  const dr = backend.makeOutput([U, G], 'float32');
  const db = attrs.hasBias ? backend.makeOutput([G], 'float32') : null;
  const stepParts = batchParts(kernels, B, T, D, U);
  // The weight gradients: the same multiply-adds, split over 8-column panels of the 4U gate columns.
  const panelsOfG = Math.ceil(G / 8);
  const weightParts = kernels.partsFor(2 * B * T * G * (D + U), panelsOfG);
  // gemm packs 8·K floats: K is at most 4U (dh, dx) or B·T (the weight gradients' row chunks).
  const panelFloats = 8 * Math.max(G, B * T);
  const shared = [B * T * G, B * U, B * U, G * U];
  kernels.withScratch([...shared, ...new Array<number>(Math.max(stepParts, weightParts)).fill(panelFloats)], ([dZ, dh, dc, rt, ...panels]) => {
    const [xAt, wsAt] = [kernels.address(x), kernels.address(workspace)];
    kernels.fn('lstmTransposeRecurrent')(kernels.address(recurrentKernel), rt, U);
    const fixed = [B, T, D, U, kernels.address(kernel), attrs.act, attrs.ract, attrs.returnSequences ? 1 : 0, wsAt, kernels.address(dy), kernels.address(dx)];
    kernels.runParts(
      'lstmBackwardSteps',
      Array.from({ length: stepParts }, (_, i) => [...fixed, dZ, dh, dc, rt, panels[i], ...partRange(B, stepParts, i)]),
    );
    const outputs = [kernels.address(dw), kernels.address(dr), db ? kernels.address(db) : 0];
    kernels.runParts(
      'lstmBackwardWeights',
      Array.from({ length: weightParts }, (_, i) => {
        const [p0, p1] = partRange(panelsOfG, weightParts, i);
        return [B, T, D, U, xAt, wsAt, dZ, ...outputs, panels[i], 8 * p0, Math.min(G, 8 * p1)];
      }),
    );
  });
  fusedLstmCalls.backward++;
  return db ? [dx, dw, dr, db] : [dx, dw, dr];
}

const lstmForwardConfig: tf.KernelConfig = {
  kernelName: LSTM_FORWARD_KERNEL,
  backendName: 'wasm',
  kernelFunc: lstmForwardKernel as unknown as tf.KernelFunc,
};

const lstmBackwardConfig: tf.KernelConfig = {
  kernelName: LSTM_BACKWARD_KERNEL,
  backendName: 'wasm',
  kernelFunc: lstmBackwardKernel as unknown as tf.KernelFunc,
};

/** Registers both kernels for 'wasm' (idempotent). */
function registerFusedLstmKernels(): void {
  for (const config of [lstmForwardConfig, lstmBackwardConfig]) {
    if (tf.getKernel(config.kernelName, 'wasm') === undefined) tf.registerKernel(config);
  }
}

/**
 * Why the fused op cannot run here with these options, or null when it can:
 * the active backend must be wasm with the native kernels (built with the
 * LSTM functions) loaded, and both activations must be ones the kernel has.
 */
export function fusedLstmUnavailable(options: FusedLstmOptions): string | null {
  if (tf.getBackend() !== 'wasm') return `backend is ${tf.getBackend()}, not wasm`;
  if (!(options.activation in ACTIVATION_CODES)) return `activation ${options.activation} is not fused`;
  if (!(options.recurrentActivation in ACTIVATION_CODES)) return `recurrentActivation ${options.recurrentActivation} is not fused`;
  const kernels = nativeKernels(tf.backend() as BackendWasm);
  if (!kernels) return 'native wasm kernels not loaded';
  try {
    for (const name of ['lstmForward', 'lstmTransposeRecurrent', 'lstmBackwardSteps', 'lstmBackwardWeights']) kernels.fn(name);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  return null;
}

/**
 * The LSTM layer's output for x [batch, steps, features] from zero initial
 * states: h of every step [batch, steps, units] (returnSequences) or of the
 * last [batch, units]. Differentiable w.r.t. x, kernel, recurrentKernel and
 * bias. Call only where fusedLstmUnavailable(options) is null.
 */
export function fusedLstm(x: tf.Tensor, kernel: tf.Tensor, recurrentKernel: tf.Tensor, bias: tf.Tensor | null, options: FusedLstmOptions): tf.Tensor {
  const [B, T, D] = x.shape;
  const U = recurrentKernel.shape[0];
  if (
    x.rank !== 3 ||
    kernel.shape[0] !== D ||
    kernel.shape[1] !== 4 * U ||
    recurrentKernel.shape[1] !== 4 * U ||
    (bias !== null && (bias.rank !== 1 || bias.shape[0] !== 4 * U)) ||
    B < 1 ||
    T < 1
  ) {
    throw new Error(`fusedLstm: inconsistent shapes x ${x.shape}, kernel ${kernel.shape}, recurrentKernel ${recurrentKernel.shape}, bias ${bias?.shape}`);
  }
  registerFusedLstmKernels();
  const attrs = {
    act: ACTIVATION_CODES[options.activation],
    ract: ACTIVATION_CODES[options.recurrentActivation],
    returnSequences: options.returnSequences,
  };
  const inputs = bias ? [x, kernel, recurrentKernel, bias] : [x, kernel, recurrentKernel];
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const [xs, k, rk, b] = args.slice(0, -1) as tf.Tensor[];
    const named: tf.NamedTensorMap = { x: xs, kernel: k, recurrentKernel: rk };
    if (b) named.bias = b;
    const [y, workspace] = tf.engine().runKernel(LSTM_FORWARD_KERNEL, named, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    save([xs, k, rk, workspace]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sk, srk, sws] = saved;
        return tf.engine().runKernel(LSTM_BACKWARD_KERNEL, { x: sx, kernel: sk, recurrentKernel: srk, workspace: sws, dy }, {
          ...attrs,
          hasBias: b !== undefined,
        } as unknown as tf.NamedAttrMap) as tf.Tensor[];
      },
    };
  });
  // Named scope: profiles list the customGrad wrapper as 'NeuralLstm' (it encloses the forward kernel).
  return tf.tidy('NeuralLstm', () => op(...inputs));
}
