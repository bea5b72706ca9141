// One image file → bytes of the requested size and channels. Decoding is
// pngjs and jpeg-js (pure JavaScript, no native build); both give RGBA for
// every PNG colour type (palette, grayscale, 16-bit, alpha) and JPEG
// (grayscale, YCbCr, CMYK). Resizing is bilinear with half-pixel centres,
// what Keras' image_dataset_from_directory (tf.image.resize) does by default.

import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';

export interface Rgba {
  width: number;
  height: number;
  /** width × height × 4 bytes. */
  data: Uint8Array;
}

/** Thrown for a file that is not a readable PNG or JPEG; the loader names the file. */
export class ImageDecodeError extends Error {}

/** Large enough for a 24-megapixel photo; a corrupt header asking for more is refused. */
const MAX_MEGAPIXELS = 100;

export function decodeImage(bytes: Uint8Array): Rgba {
  const isPng = bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const isJpeg = bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  if (!isPng && !isJpeg) {
    const head = [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new ImageDecodeError(`not a PNG or JPEG file (it starts with bytes ${head || 'nothing: the file is empty'})`);
  }
  try {
    if (isPng) {
      // pngjs has no size limit: check the header's size (IHDR, bytes 16–23) before it allocates.
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const pixels = bytes.length >= 24 ? view.getUint32(16) * view.getUint32(20) : 0;
      if (pixels > MAX_MEGAPIXELS * 1e6)
        throw new Error(`its header says ${view.getUint32(16)} × ${view.getUint32(20)} pixels (width × height), more than ${MAX_MEGAPIXELS} megapixels`);
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, data: png.data };
    }
    const image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_MEGAPIXELS });
    return { width: image.width, height: image.height, data: image.data };
  } catch (e) {
    // pngjs reports a file cut short as a stream still waiting for data.
    const reason = /finished stream|unexpected end/i.test((e as Error).message) ? 'the file ends early: it is truncated' : (e as Error).message;
    throw new ImageDecodeError(`cannot decode this ${isPng ? 'PNG' : 'JPEG'} file (${reason})`);
  }
}

/**
 * Writes `image` resized to height × width with `channels` (3: RGB, alpha
 * dropped; 1: luma with TensorFlow's rgb_to_grayscale weights) into `out` at `offset`.
 */
export function writeResized(image: Rgba, height: number, width: number, channels: 1 | 3, out: Uint8Array, offset: number): void {
  const { width: inW, height: inH, data } = image;
  const scaleY = inH / height;
  const scaleX = inW / width;
  const rgb = [0, 0, 0];
  for (let y = 0; y < height; y++) {
    const sy = Math.min(Math.max((y + 0.5) * scaleY - 0.5, 0), inH - 1);
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, inH - 1);
    const fy = sy - y0;
    for (let x = 0; x < width; x++) {
      const sx = Math.min(Math.max((x + 0.5) * scaleX - 0.5, 0), inW - 1);
      const x0 = Math.floor(sx);
      const x1 = Math.min(x0 + 1, inW - 1);
      const fx = sx - x0;
      const a = (y0 * inW + x0) * 4;
      const b = (y0 * inW + x1) * 4;
      const c = (y1 * inW + x0) * 4;
      const d = (y1 * inW + x1) * 4;
      for (let k = 0; k < 3; k++) {
        const top = data[a + k] + (data[b + k] - data[a + k]) * fx;
        const bottom = data[c + k] + (data[d + k] - data[c + k]) * fx;
        rgb[k] = top + (bottom - top) * fy;
      }
      const at = offset + (y * width + x) * channels;
      if (channels === 1) out[at] = Math.round(0.2989 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]);
      else {
        out[at] = Math.round(rgb[0]);
        out[at + 1] = Math.round(rgb[1]);
        out[at + 2] = Math.round(rgb[2]);
      }
    }
  }
}
