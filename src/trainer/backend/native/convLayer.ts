// tfjs-layers' Conv2D with a fused op behind its `call`, as the fused Dense
// (./denseLayer.ts): forward is ONE kernel ('NeuralConv2D': im2col + gemm with
// the bias and ReLU in the gemm's epilogue, assembly/conv.ts), backward folds
// the ReLU gradient into the bias-gradient sweep (dz = dy ⊙ [y > 0] and
// db = Σ dz in one pass, the fused Dense's 'NeuralDenseBackward' on [P, Co]
// views), then the native filter and input gradients (the input gradient only
// when autodiff asks: never for the first layer). tfjs runs the same layer as
// Conv2D, Add, Relu forward and Step, Cast, Multiply, Sum backward, each a
// pass over the whole activation. Same class name ('Conv2D'), weights, config
// and serialization; any call the kernels do not cover runs the stock code.

import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types';
import { nativeConv2d, nativeConvSupported } from './conv';
import { activationGradAndBiasSum } from './dense';
import { nativeKernels, requireNativeKernels } from './module';
import { kernelInput, type KernelArgs, type Shape4 } from '../wasmKernels/scope';

const CONV_KERNEL = 'NeuralConv2D';

/** Activations fused into the epilogue → codes of assembly/conv.ts (and of the dense backward sweep). */
const CONV_ACTIVATIONS: Readonly<Record<string, 0 | 1>> = { linear: 0, relu: 1 };

interface ConvAttrs {
  strides: [number, number];
  pad: 'valid' | 'same';
  activation: 0 | 1;
  withBias: boolean;
}

function convInfo(xShape: Shape4, filterShape: Shape4, attrs: ConvAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(xShape, filterShape, attrs.strides, 1, attrs.pad, undefined, false, 'channelsLast');
}

function convForward(args: KernelArgs): tf.TensorInfo {
  const native = requireNativeKernels(args.backend, CONV_KERNEL);
  const [x, filter] = [kernelInput(args, 'x'), kernelInput(args, 'filter')];
  const attrs = args.attrs as unknown as ConvAttrs;
  const info = convInfo(x.shape as Shape4, filter.shape as Shape4, attrs);
  return nativeConv2d(native, x, filter, args.inputs.bias ?? null, attrs.activation, info);
}

let registered = false;

/** Registers the forward kernel for wasm and its gradient. Idempotent. */
function registerConvKernel(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({ kernelName: CONV_KERNEL, backendName: 'wasm', kernelFunc: convForward as tf.KernelFunc });
  tf.registerGradient({
    kernelName: CONV_KERNEL,
    inputsToSave: ['x', 'filter'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter, y] = saved;
      const { strides, pad, activation, withBias } = attrs as unknown as ConvAttrs;
      const grad = dy as tf.Tensor4D;
      const channels = grad.shape[3];
      const rows = grad.size / channels;
      const [dz2, db] = activationGradAndBiasSum(grad.reshape([rows, channels]), y.reshape([rows, channels]), activation, withBias);
      const dz = dz2.reshape(grad.shape);
      const convAttrs = { strides, pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
      const grads: Record<string, () => tf.Tensor> = {
        x: () =>
          tf.engine().runKernel('Conv2DBackpropInput', { dy: dz, filter }, { ...convAttrs, inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
        filter: () =>
          tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: dz }, { ...convAttrs, filterShape: filter.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
      };
      if (withBias) grads.bias = () => db;
      return grads;
    },
  });
}

/** Why `convOp` cannot compute this call (null when it can). */
function convUnavailable(x: tf.Tensor, filter: tf.Tensor, attrs: ConvAttrs | null, why: string | null): string | null {
  if (why !== null) return why;
  if (tf.getBackend() !== 'wasm') return `backend ${tf.getBackend()}`;
  const kernels = nativeKernels(tf.backend() as BackendWasm);
  if (!kernels) return 'native kernels not loaded';
  if (x.rank !== 4 || x.dtype !== 'float32' || filter.dtype !== 'float32') return `input ${x.dtype} [${x.shape}]`;
  if (attrs === null) return 'not built';
  if (!nativeConvSupported(convInfo(x.shape as Shape4, filter.shape as Shape4, attrs), x, filter)) return 'geometry the native kernel does not cover';
  return null;
}

/** act(conv(x, filter) + bias) as one kernel; the caller checked `convUnavailable` is null. */
function convOp(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor | null, attrs: ConvAttrs): tf.Tensor4D {
  registerConvKernel();
  const inputs: tf.NamedTensorMap = bias ? { x, filter, bias } : { x, filter };
  return tf.engine().runKernel(CONV_KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

type Conv2DArgs = Parameters<typeof tf.layers.conv2d>[0];
type Conv2DLayer = ReturnType<typeof tf.layers.conv2d>;
type Conv2DConstructor = new (args: Conv2DArgs) => Conv2DLayer;

/** The stock class, taken from an instance: tfjs does not export it by value. */
const StockConv2D = tf.layers.conv2d({ filters: 1, kernelSize: 1 }).constructor as Conv2DConstructor;

/** The fields of tfjs-layers' Conv2D that `call` reads. */
interface ConvInternals {
  kernel: tf.LayerVariable | null;
  bias: tf.LayerVariable | null;
  activation: { getClassName(): string };
  strides: number[];
  padding: string;
  dataFormat: string;
  dilationRate: number | number[];
}

export class FusedConv2D extends StockConv2D {
  /** The stock name: getClassName(), saved configs and checkpoints say 'Conv2D'. */
  static className = 'Conv2D';

  /** Why the last call did not take the fused path; null when it did (or before any call). */
  lastFallbackReason: string | null = null;

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const own = this as unknown as ConvInternals;
    const x = Array.isArray(inputs) ? (inputs.length === 1 ? inputs[0] : null) : inputs;
    const attrs = this.fusedAttrs(own);
    const reason = x === null ? 'more than one input tensor' : !own.kernel ? 'not built' : convUnavailable(x, own.kernel.read(), attrs.attrs, attrs.why);
    this.lastFallbackReason = reason;
    if (reason !== null || x === null || !own.kernel || !attrs.attrs) return super.call(inputs, kwargs);
    const [kernel, fused] = [own.kernel, attrs.attrs];
    return tf.tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      return convOp(x as tf.Tensor4D, kernel.read() as tf.Tensor4D, own.bias ? own.bias.read() : null, fused);
    });
  }

  private fusedAttrs(own: ConvInternals): { attrs: ConvAttrs | null; why: string | null } {
    const activation = CONV_ACTIVATIONS[own.activation.getClassName()];
    if (activation === undefined) return { attrs: null, why: `activation ${own.activation.getClassName()}` };
    if (own.dataFormat !== 'channelsLast') return { attrs: null, why: `data format ${own.dataFormat}` };
    const dilation = typeof own.dilationRate === 'number' ? [own.dilationRate] : own.dilationRate;
    if (dilation.some((d) => d !== 1)) return { attrs: null, why: `dilation ${dilation.join('x')}` };
    if (own.padding !== 'same' && own.padding !== 'valid') return { attrs: null, why: `padding ${own.padding}` };
    return { attrs: { strides: [own.strides[0], own.strides[1]], pad: own.padding, activation, withBias: own.bias !== null }, why: null };
  }
}

// Deserialisation (checkpoints, Keras import) builds this class for 'Conv2D' too.
tf.serialization.registerClass(FusedConv2D as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);

/** Drop-in for tf.layers.conv2d. */
export function conv2d(args: Conv2DArgs): Conv2DLayer {
  return new FusedConv2D(args);
}
