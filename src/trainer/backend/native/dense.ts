// A Dense layer's forward pass as ONE wasm kernel ('NeuralDense': gemm with
// the bias and ReLU in its epilogue, sigmoid/tanh applied in place) and its
// backward pass as at most four: the pre-activation and bias gradients in one
// sweep ('NeuralDenseBackward'), then the two products dx = dz·Wᵀ and
// dW = xᵀ·dz, each only when autodiff asks for it (the first layer's dx
// never is). tfjs runs the same layer as matMul, add and activation forward,
// about ten kernels backward, plus a saved copy of every intermediate; on
// wasm those dispatches cost more than the arithmetic of a small MLP.

import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { nativeMatMul } from './matMul';
import { FLOPS_PER_BYTE_MOVED, nativeKernels, requireNativeKernels } from './module';
import { partRange } from './threadPool';
import { kernelInput, type KernelArgs } from '../wasmKernels/scope';

const DENSE_KERNEL = 'NeuralDense';
const DENSE_BACKWARD_KERNEL = 'NeuralDenseBackward';
/** Rows per block of the backward sweep's partial bias sums (assembly/dense.ts, denseBackwardBlocks). */
const BLOCK_ROWS = 256;

/** tfjs-layers activation class names the kernels implement → codes of assembly/dense.ts. */
const DENSE_ACTIVATIONS: Readonly<Record<string, number>> = { linear: 0, relu: 1, sigmoid: 2, tanh: 3 };

interface DenseAttrs {
  activation: number;
}

function denseForward(args: KernelArgs): tf.TensorInfo {
  const native = requireNativeKernels(args.backend, DENSE_KERNEL);
  const [x, kernel, bias] = [kernelInput(args, 'x'), kernelInput(args, 'kernel'), args.inputs.bias];
  const activation = (args.attrs as unknown as DenseAttrs).activation;
  const y = nativeMatMul(native, { a: x, b: kernel, transposeA: false, transposeB: false }, { bias, relu: activation === 1 });
  if (activation > 1) native.fn('denseActivation')(tf.util.sizeFromShape(y.shape), native.address(y), activation);
  return y;
}

/** dz = dy ⊙ act'(y) and, when `withBias`, db = Σ_rows dz. */
function denseBackward(args: KernelArgs): tf.TensorInfo[] {
  const native = requireNativeKernels(args.backend, DENSE_BACKWARD_KERNEL);
  const [dy, y] = [kernelInput(args, 'dy'), kernelInput(args, 'y')];
  const { activation, withBias } = args.attrs as unknown as DenseAttrs & { withBias: boolean };
  const [rows, cols] = y.shape;
  const dz = native.backend.makeOutput([rows, cols], 'float32');
  const db = native.backend.makeOutput([withBias ? cols : 0], 'float32');
  const [dyAt, yAt, dzAt] = [native.address(dy), native.address(y), native.address(dz)];
  // Blocks of rows, each with its own partial bias sums, summed in block
  // order at the end: the same bits on any thread count (assembly/dense.ts).
  const blocks = Math.ceil(rows / BLOCK_ROWS);
  const partials = withBias ? native.malloc(Math.max(1, blocks * cols) * 4) : 0;
  try {
    // A memory-bound sweep: each element reads dy and y and writes dz.
    const parts = native.partsFor(3 * 4 * FLOPS_PER_BYTE_MOVED * rows * cols, blocks);
    native.runParts(
      'denseBackwardBlocks',
      Array.from({ length: parts }, (_, i) => [rows, cols, BLOCK_ROWS, dyAt, yAt, activation, dzAt, partials, ...partRange(blocks, parts, i)]),
    );
    if (withBias) native.fn('columnSums')(blocks, cols, partials, native.address(db));
  } finally {
    if (partials) native.free(partials);
  }
  return [dz, db];
}

let registered = false;

/** Registers both kernels for wasm and the forward kernel's gradient. Idempotent. */
function registerDenseKernels(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({ kernelName: DENSE_KERNEL, backendName: 'wasm', kernelFunc: denseForward as tf.KernelFunc });
  tf.registerKernel({ kernelName: DENSE_BACKWARD_KERNEL, backendName: 'wasm', kernelFunc: denseBackward as unknown as tf.KernelFunc });
  tf.registerGradient({
    kernelName: DENSE_KERNEL,
    inputsToSave: ['x', 'kernel'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, kernel, y] = saved;
      const withBias = (attrs as unknown as { withBias: boolean }).withBias;
      const [dz, db] = tf.engine().runKernel(DENSE_BACKWARD_KERNEL, { dy: dy as tf.Tensor, y }, {
        activation: (attrs as unknown as DenseAttrs).activation,
        withBias,
      } as unknown as tf.NamedAttrMap) as tf.Tensor[];
      const grads: Record<string, () => tf.Tensor> = {
        x: () => tf.matMul(dz, kernel, false, true),
        kernel: () => tf.matMul(x, dz, true, false),
      };
      if (withBias) grads.bias = () => db;
      return grads;
    },
  });
}

/**
 * dz = dy ⊙ act'(y) and, when `withBias`, db = Σ_rows dz, for [rows, cols]
 * views of a layer's output gradient and output (activation 0 linear, 1 ReLU,
 * 2 sigmoid, 3 tanh): the fused convolution's backward pass uses it too.
 */
export function activationGradAndBiasSum(dy: tf.Tensor2D, y: tf.Tensor2D, activation: number, withBias: boolean): [tf.Tensor2D, tf.Tensor1D] {
  registerDenseKernels();
  return tf.engine().runKernel(DENSE_BACKWARD_KERNEL, { dy, y }, { activation, withBias } as unknown as tf.NamedAttrMap) as unknown as [
    tf.Tensor2D,
    tf.Tensor1D,
  ];
}

/** Whether `denseOp` can compute this layer call; null if so, else why not. */
export function denseUnavailable(x: tf.Tensor, activation: string): string | null {
  if (tf.getBackend() !== 'wasm') return `backend ${tf.getBackend()}`;
  if (!nativeKernels(tf.backend() as BackendWasm)) return 'native kernels not loaded';
  if (x.rank !== 2 || x.dtype !== 'float32') return `input ${x.dtype} [${x.shape}]`;
  if (!(activation in DENSE_ACTIVATIONS) && activation !== 'softmax') return `activation ${activation}`;
  return null;
}

/** act(x·kernel + bias); the caller checked `denseUnavailable` is null. Softmax runs as linear, then tf.softmax. */
export function denseOp(x: tf.Tensor2D, kernel: tf.Tensor, bias: tf.Tensor | null, activation: string): tf.Tensor {
  registerDenseKernels();
  const code = activation === 'softmax' ? 0 : DENSE_ACTIVATIONS[activation];
  const inputs: tf.NamedTensorMap = bias ? { x, kernel, bias } : { x, kernel };
  const y = tf.engine().runKernel(DENSE_KERNEL, inputs, { activation: code, withBias: bias !== null } as unknown as tf.NamedAttrMap) as tf.Tensor;
  return activation === 'softmax' ? tf.softmax(y) : y;
}
