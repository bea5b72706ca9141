// Reader for the idx format of MNIST (and look-alikes such as Fashion-MNIST):
// a 4-byte magic (0, 0, type 0x08 = unsigned byte, number of dimensions), the
// dimensions as big-endian uint32, then the values.

import * as path from 'path';
import { UserError } from '../../shared/errors';

export interface IdxArray {
  dims: number[];
  /** A view into the file's bytes (no copy). */
  data: Uint8Array;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** Parses an unsigned-byte idx file with `rank` dimensions; `file` is named in errors. */
export function parseIdx(bytes: Uint8Array, file: string, rank: number): IdxArray {
  const what = rank === 1 ? 'a labels file' : 'an images file';
  const expectedMagic = new Uint8Array([0, 0, 0x08, rank]);
  if (bytes.length < 4) {
    throw new UserError({
      file,
      message: `${path.basename(file)} is truncated: it has ${bytes.length} bytes, fewer than the 4-byte idx header`,
    });
  }
  const magic = bytes.subarray(0, 4);
  if (magic[0] !== 0 || magic[1] !== 0 || magic[2] !== 0x08 || magic[3] !== rank) {
    throw new UserError({
      file,
      message:
        `wrong magic number: the file starts with ${hex(magic)}, but ${what} in idx format starts with ` +
        `${hex(expectedMagic)}; is this the right file (or a download error page)?`,
    });
  }
  const headerSize = 4 + 4 * rank;
  if (bytes.length < headerSize) {
    throw new UserError({
      file,
      message: `${path.basename(file)} is truncated: it has ${bytes.length} bytes, fewer than the ${headerSize}-byte header`,
    });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const expectedSize = headerSize + dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== expectedSize) {
    const problem = bytes.length < expectedSize ? 'is truncated' : 'has extra bytes at the end';
    throw new UserError({
      file,
      message:
        `${path.basename(file)} ${problem}: its header says ${dims.join(' × ')} values, so the file should be ` +
        `${expectedSize} bytes, but it is ${bytes.length} bytes; download it again`,
    });
  }
  return { dims, data: bytes.subarray(headerSize) };
}
