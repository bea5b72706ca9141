// The NumPy .npy format (numpy.lib.format, versions 1–3): a magic string, a
// Python-dict header with descr/fortran_order/shape, then the raw values.
// Numbers come back as float32 (training precision), except |u1 which stays
// bytes (pixels are converted to floats once, by the pipeline); |u1 and
// little-endian float32 are views on the file's bytes, not copies.

import { UserError } from '../../shared/errors';

export interface NpyArray {
  shape: number[];
  /** The dtype as the file spells it, e.g. "<f4", "|u1", "|b1". */
  dtype: string;
  kind: 'float' | 'int' | 'uint' | 'bool';
  /** C order; |u1 arrays are bytes, every other dtype float32. */
  data: Uint8Array | Float32Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

type Reader = (view: DataView, offset: number, littleEndian: boolean) => number;

const READERS: Record<string, { size: number; kind: NpyArray['kind']; read: Reader }> = {
  f4: { size: 4, kind: 'float', read: (v, o, le) => v.getFloat32(o, le) },
  f8: { size: 8, kind: 'float', read: (v, o, le) => v.getFloat64(o, le) },
  i1: { size: 1, kind: 'int', read: (v, o) => v.getInt8(o) },
  i2: { size: 2, kind: 'int', read: (v, o, le) => v.getInt16(o, le) },
  i4: { size: 4, kind: 'int', read: (v, o, le) => v.getInt32(o, le) },
  i8: { size: 8, kind: 'int', read: (v, o, le) => Number(v.getBigInt64(o, le)) },
  u1: { size: 1, kind: 'uint', read: (v, o) => v.getUint8(o) },
  u2: { size: 2, kind: 'uint', read: (v, o, le) => v.getUint16(o, le) },
  u4: { size: 4, kind: 'uint', read: (v, o, le) => v.getUint32(o, le) },
  u8: { size: 8, kind: 'uint', read: (v, o, le) => Number(v.getBigUint64(o, le)) },
  b1: { size: 1, kind: 'bool', read: (v, o) => (v.getUint8(o) === 0 ? 0 : 1) },
};

const SUPPORTED = 'float32/64, int8/16/32/64, uint8/16/32/64 or bool';

/** Parses one .npy file; errors name `file` and, inside an .npz, the `member` ("x.npy"). */
export function parseNpy(bytes: Uint8Array, file: string, member?: string): NpyArray {
  const fail = (message: string): never => {
    throw new UserError({ file, message: member === undefined ? message : `array ${member}: ${message}` });
  };
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    fail('not a NumPy .npy file (it does not start with \\x93NUMPY); save arrays with numpy.save or numpy.savez');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  const headerLengthSize = major === 1 ? 2 : 4;
  if (major < 1 || major > 3) fail(`.npy format version ${major}.${bytes[7]} is not supported (versions 1 to 3 are)`);
  const headerLength = headerLengthSize === 2 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + headerLengthSize + headerLength;
  if (dataStart > bytes.length) fail(`the file is truncated inside its header (${bytes.length} bytes, the header needs ${dataStart})`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(8 + headerLengthSize, dataStart));

  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined) {
    fail(
      /'descr'\s*:\s*\[/.test(header)
        ? `structured arrays (record dtypes) are not supported; save a plain ${SUPPORTED} array`
        : `cannot read the dtype in the header: ${header.trim()}`,
    );
  }
  if (fortran === undefined || shapeText === undefined) fail(`cannot read the header: ${header.trim()}`);
  const shape = shapeText!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) fail(`cannot read the shape (${shapeText}) in the header`);

  const order = descr![0];
  const code = descr!.slice(1);
  const reader = READERS[code];
  if (!['<', '>', '|', '='].includes(order) || !reader) {
    const what = code.startsWith('O') ? 'object (pickled) arrays' : code.startsWith('U') || code.startsWith('S') ? 'string arrays' : `dtype ${descr}`;
    fail(`${what} cannot be read; save a ${SUPPORTED} array (e.g. x.astype("float32"))`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  const needed = count * reader.size;
  const available = bytes.length - dataStart;
  if (available < needed) {
    const rowSize = shape.length > 0 && shape[0] > 0 ? needed / shape[0] : needed;
    const complete = Math.floor(available / rowSize);
    fail(
      `the file is truncated: its header says ${shape[0] ?? 1} samples of shape (${shape.join(', ')}) ${descr} (${needed} bytes), ` +
        `but only ${available} bytes follow (${complete} complete samples); save it again`,
    );
  }
  const littleEndian = order !== '>';
  let data: Uint8Array | Float32Array;
  if (code === 'u1') data = bytes.subarray(dataStart, dataStart + count);
  else if (code === 'f4' && littleEndian && (bytes.byteOffset + dataStart) % 4 === 0) {
    // numpy aligns the data to 64 bytes: float32 is read in place, not copied.
    data = new Float32Array(bytes.buffer, bytes.byteOffset + dataStart, count);
  } else {
    data = new Float32Array(count);
    const read = reader.read;
    for (let i = 0, offset = dataStart; i < count; i++, offset += reader.size) data[i] = read(view, offset, littleEndian);
  }
  if (fortran === 'True' && shape.length > 1) data = toCOrder(data, shape);
  return { shape, dtype: descr!, kind: reader.kind, data };
}

/** Reorders a Fortran-order (column-major) array into C order. */
function toCOrder<T extends Uint8Array | Float32Array>(data: T, shape: number[]): T {
  const out = new (data.constructor as new (n: number) => T)(data.length);
  // Fortran strides: the first axis varies fastest.
  const strides = shape.map((_, axis) => shape.slice(0, axis).reduce((a, b) => a * b, 1));
  const index = new Array<number>(shape.length).fill(0);
  for (let c = 0; c < data.length; c++) {
    let f = 0;
    for (let axis = 0; axis < shape.length; axis++) f += index[axis] * strides[axis];
    out[c] = data[f];
    // Advance the C-order index: the last axis varies fastest.
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      if (++index[axis] < shape[axis]) break;
      index[axis] = 0;
    }
  }
  return out;
}
