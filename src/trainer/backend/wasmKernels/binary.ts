// Add, Sub, Multiply, RealDiv and SquaredDifference for wasm on the native
// SIMD kernels (../native/assembly/elementwise.ts) for the float32 broadcasts
// training uses: same shape, a scalar operand, an operand that is a suffix of
// the output's shape (a bias row: [32] against [512,32]) and an operand that
// is the output's leading axes followed by 1s (layer norm: [64,8,1] against
// [64,8,32]), in either operand order. Stock tfjs-backend-wasm 4.22 takes a
// per-element index path whenever operands broadcast (a [64,4,8,8] × scalar
// product ~85 µs on a busy machine). Results are bit-identical to the stock
// kernel's (one IEEE single op per element, a op b). Everything else — other
// dtypes, other broadcasts ([3,1] × [1,4]), empty tensors, no native kernels —
// goes to the stock kernel.

import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { nativeKernels } from '../native/module';
import { kernelInput, type KernelArgs } from './scope';
import { requireStockKernel, wrapStockKernel } from './stock';

/** Layouts of elementwise.ts (same numbering). */
export enum BinaryMode {
  Same = 0,
  /** b is repeated on every row: out[r, c] = a[r, c] op b[c]. */
  BRow = 1,
  ARow = 2,
  /** b is one value per row: out[r, c] = a[r, c] op b[r] (a scalar b: one row). */
  BCol = 3,
  ACol = 4,
}

export interface BinaryPlan {
  mode: BinaryMode;
  rows: number;
  cols: number;
  outShape: number[];
}

/** Each kernel replaced, with the native function that computes it. */
export const NATIVE_BINARY_FUNCTIONS: Readonly<Record<string, string>> = {
  Add: 'binaryAdd',
  Sub: 'binarySub',
  Multiply: 'binaryMul',
  RealDiv: 'binaryDiv',
  SquaredDifference: 'binarySquaredDifference',
};

const COMMUTATIVE = new Set(['Add', 'Multiply']);

const size = (shape: number[]) => tf.util.sizeFromShape(shape);

/**
 * How `small` (broadcast) lies in `out`: as a suffix of out's axes (rows
 * mode: the cols) or as its leading axes followed by 1s (cols mode: the rows);
 * null for any other broadcast.
 */
function broadcastLayout(small: number[], out: number[]): { row: boolean; rows: number; cols: number } | null {
  const n = size(out);
  const padded = [...new Array<number>(out.length - small.length).fill(1), ...small];
  const first = padded.findIndex((d) => d !== 1); // small's leading 1s are free
  if (first >= 0 && padded.slice(first).every((d, i) => d === out[first + i])) {
    const cols = size(out.slice(first));
    return { row: true, rows: n / cols, cols };
  }
  let k = padded.length; // small = out[0..k) then 1s
  while (k > 0 && padded[k - 1] === 1) k--;
  if (padded.slice(0, k).every((d, i) => d === out[i])) {
    const rows = size(out.slice(0, k));
    return { row: false, rows, cols: n / rows };
  }
  return null;
}

/** The native layout for operands of these shapes, or null (hand to the stock kernel). */
export function binaryPlan(aShape: number[], bShape: number[]): BinaryPlan | null {
  const outShape = tf.backend_util.assertAndGetBroadcastShape(aShape, bShape);
  const n = size(outShape);
  if (n === 0) return null;
  const aFull = size(aShape) === n; // broadcasting only repeats: a full-size operand has out's layout
  const bFull = size(bShape) === n;
  if (aFull && bFull) return { mode: BinaryMode.Same, rows: 1, cols: n, outShape };
  if (aFull || bFull) {
    const layout = broadcastLayout(aFull ? bShape : aShape, outShape);
    if (layout === null) return null;
    const mode = layout.row ? (aFull ? BinaryMode.BRow : BinaryMode.ARow) : aFull ? BinaryMode.BCol : BinaryMode.ACol;
    return { mode, rows: layout.rows, cols: layout.cols, outShape };
  }
  return null; // both broadcast ([3,1] × [1,4])
}

/**
 * Whether stock Add/Multiply compute b op a (XNNPACK puts the operand that
 * is one value per row second): when a is one value per row, or both are
 * single values. Only the NaN's payload tells (x86 returns the first NaN operand's).
 */
function stockSwaps(plan: BinaryPlan): boolean {
  return plan.mode === BinaryMode.ACol || (plan.mode === BinaryMode.Same && plan.rows * plan.cols === 1);
}

function binaryKernel(kernelName: string, nativeName: string): tf.KernelConfig {
  const commutative = COMMUTATIVE.has(kernelName);
  const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
    const a = kernelInput(args, 'a');
    const b = kernelInput(args, 'b');
    const plan = a.dtype === 'float32' && b.dtype === 'float32' ? binaryPlan(a.shape, b.shape) : null;
    const backend = args.backend as BackendWasm;
    const kernels = plan ? nativeKernels(backend) : null;
    if (!plan || !kernels) return requireStockKernel(kernelName).kernelFunc(args) as tf.TensorInfo;
    const out = backend.makeOutput(plan.outShape, 'float32');
    const f = kernels.fn(nativeName);
    if (commutative && stockSwaps(plan)) {
      // b op a: the same value, and the NaN the stock kernel returns when both are NaN.
      f(plan.mode === BinaryMode.ACol ? BinaryMode.BCol : plan.mode, kernels.address(b), kernels.address(a), kernels.address(out), plan.rows, plan.cols);
    } else {
      f(plan.mode, kernels.address(a), kernels.address(b), kernels.address(out), plan.rows, plan.cols);
    }
    return out;
  };
  return wrapStockKernel(kernelName, kernelFunc as tf.KernelFunc);
}

export const binaryConfigs: readonly tf.KernelConfig[] = Object.entries(NATIVE_BINARY_FUNCTIONS).map(([kernelName, nativeName]) =>
  binaryKernel(kernelName, nativeName),
);
