// Binary element-wise float32 ops (Add, Sub, Mul, Div, SquaredDifference) for
// the broadcasts training uses, with both operands viewed as [rows, cols]:
//   SAME   out[i]    = a[i]    op b[i]
//   B_ROW  out[r, c] = a[r, c] op b[c]      (b = a suffix of out: a bias row)
//   A_ROW  out[r, c] = a[c]    op b[r, c]
//   B_COL  out[r, c] = a[r, c] op b[r]      (b = out's leading axes then 1s, or a scalar: rows 1)
//   A_COL  out[r, c] = a[r]    op b[r, c]
// Stock tfjs-backend-wasm takes a per-element index path whenever operands
// broadcast. Every lane is one IEEE single op (SquaredDifference: d = a − b,
// d·d, like the stock kernel), always a op b in that order, so results are
// bit-identical to the stock kernel's (test/trainer/backend/nativeBinary.test.ts).

import { at } from './simd';

const ADD = 0;
const SUB = 1;
const MUL = 2;
const DIV = 3;
const SQDIFF = 4;

const SAME = 0;
const B_ROW = 1;
const A_ROW = 2;
const B_COL = 3;
const A_COL = 4;

// `op` is a constant at every call site below: after inlining, the optimizer
// folds these chains to the single instruction.
// @ts-ignore: decorator
@inline function vop(op: i32, x: v128, y: v128): v128 {
  if (op == ADD) return f32x4.add(x, y);
  if (op == SUB) return f32x4.sub(x, y);
  if (op == MUL) return f32x4.mul(x, y);
  if (op == DIV) return f32x4.div(x, y);
  const d = f32x4.sub(x, y);
  return f32x4.mul(d, d);
}

// @ts-ignore: decorator
@inline function sop(op: i32, x: f32, y: f32): f32 {
  if (op == ADD) return x + y;
  if (op == SUB) return x - y;
  if (op == MUL) return x * y;
  if (op == DIV) return x / y;
  const d = x - y;
  return d * d;
}

/** out[i] = a[i] op b[i], i < n. */
// @ts-ignore: decorator
@inline function vecVec(op: i32, a: usize, b: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const pa = at(a, i), pb = at(b, i), po = at(out, i);
    v128.store(po, vop(op, v128.load(pa), v128.load(pb)));
    v128.store(po, vop(op, v128.load(pa, 16), v128.load(pb, 16)), 16);
    v128.store(po, vop(op, v128.load(pa, 32), v128.load(pb, 32)), 32);
    v128.store(po, vop(op, v128.load(pa, 48), v128.load(pb, 48)), 48);
  }
  for (; i + 4 <= n; i += 4) v128.store(at(out, i), vop(op, v128.load(at(a, i)), v128.load(at(b, i))));
  for (; i < n; i++) store<f32>(at(out, i), sop(op, load<f32>(at(a, i)), load<f32>(at(b, i))));
}

/** out[i] = a[i] op s, i < n. */
// @ts-ignore: decorator
@inline function vecScalar(op: i32, a: usize, s: f32, out: usize, n: i32): void {
  const v = f32x4.splat(s);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const pa = at(a, i), po = at(out, i);
    v128.store(po, vop(op, v128.load(pa), v));
    v128.store(po, vop(op, v128.load(pa, 16), v), 16);
    v128.store(po, vop(op, v128.load(pa, 32), v), 32);
    v128.store(po, vop(op, v128.load(pa, 48), v), 48);
  }
  for (; i + 4 <= n; i += 4) v128.store(at(out, i), vop(op, v128.load(at(a, i)), v));
  for (; i < n; i++) store<f32>(at(out, i), sop(op, load<f32>(at(a, i)), s));
}

/** out[i] = s op b[i], i < n. */
// @ts-ignore: decorator
@inline function scalarVec(op: i32, s: f32, b: usize, out: usize, n: i32): void {
  const v = f32x4.splat(s);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const pb = at(b, i), po = at(out, i);
    v128.store(po, vop(op, v, v128.load(pb)));
    v128.store(po, vop(op, v, v128.load(pb, 16)), 16);
    v128.store(po, vop(op, v, v128.load(pb, 32)), 32);
    v128.store(po, vop(op, v, v128.load(pb, 48)), 48);
  }
  for (; i + 4 <= n; i += 4) v128.store(at(out, i), vop(op, v, v128.load(at(b, i))));
  for (; i < n; i++) store<f32>(at(out, i), sop(op, s, load<f32>(at(b, i))));
}

// @ts-ignore: decorator
@inline function binary(op: i32, mode: i32, a: usize, b: usize, out: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  if (mode == SAME) {
    vecVec(op, a, b, out, rows * cols);
  } else if (mode == B_ROW) {
    for (let r = 0; r < rows; r++) vecVec(op, a + <usize>r * rowBytes, b, out + <usize>r * rowBytes, cols);
  } else if (mode == A_ROW) {
    for (let r = 0; r < rows; r++) vecVec(op, a, b + <usize>r * rowBytes, out + <usize>r * rowBytes, cols);
  } else if (mode == B_COL) {
    for (let r = 0; r < rows; r++) vecScalar(op, a + <usize>r * rowBytes, load<f32>(at(b, r)), out + <usize>r * rowBytes, cols);
  } else if (mode == A_COL) {
    for (let r = 0; r < rows; r++) scalarVec(op, load<f32>(at(a, r)), b + <usize>r * rowBytes, out + <usize>r * rowBytes, cols);
  } else {
    unreachable();
  }
}

export function binaryAdd(mode: i32, a: usize, b: usize, out: usize, rows: i32, cols: i32): void {
  binary(ADD, mode, a, b, out, rows, cols);
}

export function binarySub(mode: i32, a: usize, b: usize, out: usize, rows: i32, cols: i32): void {
  binary(SUB, mode, a, b, out, rows, cols);
}

export function binaryMul(mode: i32, a: usize, b: usize, out: usize, rows: i32, cols: i32): void {
  binary(MUL, mode, a, b, out, rows, cols);
}

export function binaryDiv(mode: i32, a: usize, b: usize, out: usize, rows: i32, cols: i32): void {
  binary(DIV, mode, a, b, out, rows, cols);
}

export function binarySquaredDifference(mode: i32, a: usize, b: usize, out: usize, rows: i32, cols: i32): void {
  binary(SQDIFF, mode, a, b, out, rows, cols);
}
