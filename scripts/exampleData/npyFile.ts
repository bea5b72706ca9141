// Writes NumPy .npy files and .npz archives (numpy.lib.format version 1.0),
// for the example data and the tests: what numpy.save / numpy.savez write.

import { zipSync } from 'fflate';

export type NpyDtype = '<f4' | '<f8' | '>f4' | '<i1' | '<i2' | '<i4' | '<i8' | '|u1' | '<u2' | '|b1';

const WRITERS: Record<NpyDtype, { size: number; write: (view: DataView, offset: number, value: number) => void }> = {
  '<f4': { size: 4, write: (v, o, x) => v.setFloat32(o, x, true) },
  '>f4': { size: 4, write: (v, o, x) => v.setFloat32(o, x, false) },
  '<f8': { size: 8, write: (v, o, x) => v.setFloat64(o, x, true) },
  '<i1': { size: 1, write: (v, o, x) => v.setInt8(o, x) },
  '<i2': { size: 2, write: (v, o, x) => v.setInt16(o, x, true) },
  '<i4': { size: 4, write: (v, o, x) => v.setInt32(o, x, true) },
  '<i8': { size: 8, write: (v, o, x) => v.setBigInt64(o, BigInt(x), true) },
  '|u1': { size: 1, write: (v, o, x) => v.setUint8(o, x) },
  '<u2': { size: 2, write: (v, o, x) => v.setUint16(o, x, true) },
  '|b1': { size: 1, write: (v, o, x) => v.setUint8(o, x ? 1 : 0) },
};

/** An .npy file of `values` (C order unless `fortranOrder`: then `values` must already be in Fortran order). */
export function encodeNpy(values: ArrayLike<number>, shape: number[], dtype: NpyDtype, fortranOrder = false): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${dtype}', 'fortran_order': ${fortranOrder ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  // numpy pads the header with spaces so that the data starts at a multiple of 64, ending it with a newline.
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const { size, write } = WRITERS[dtype];
  const bytes = new Uint8Array(10 + header.length + values.length * size);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const view = new DataView(bytes.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) bytes[10 + i] = header.charCodeAt(i);
  for (let i = 0, offset = 10 + header.length; i < values.length; i++, offset += size) write(view, offset, values[i]);
  return bytes;
}

/** An .npz archive with one `<name>.npy` member per array (deflated, as numpy.savez_compressed). */
export function encodeNpz(arrays: Record<string, Uint8Array>): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(arrays).map(([name, npy]) => [`${name}.npy`, npy])), { level: 9 });
}
