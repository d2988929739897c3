// IDX files (MNIST): magic 0x00000800 | type | ndims, big-endian dims, then the data. Gzip'd
// files (as the MNIST mirrors serve them) are inflated first.
import * as zlib from 'node:zlib';

export interface IdxArray { dims: number[]; data: Uint8Array }

export function maybeGunzip(buf: Uint8Array): Uint8Array {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b ? zlib.gunzipSync(buf) : buf;
}

/** Parses an unsigned-byte IDX array (type 0x08), the only type MNIST uses. */
export function parseIdx(input: Uint8Array, file = 'IDX file'): IdxArray {
  const buf = maybeGunzip(input);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 4 || view.getUint16(0) !== 0) throw new Error(`${file}: not an IDX file (bad magic)`);
  const type = buf[2];
  const ndims = buf[3];
  if (type !== 0x08) throw new Error(`${file}: IDX element type 0x${type.toString(16)} is not unsigned byte`);
  const header = 4 + 4 * ndims;
  if (buf.length < header) throw new Error(`${file}: truncated IDX header`);
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i));
  const size = dims.reduce((a, b) => a * b, 1);
  if (buf.length !== header + size) throw new Error(`${file}: IDX data is ${buf.length - header} bytes, dims [${dims}] need ${size}`);
  return { dims, data: buf.subarray(header) };
}

/** MNIST images [N,28,28] and labels [N] -> NHWC images (C = 1) and labels. */
export function mnistFromIdx(images: IdxArray, labels: IdxArray, file = 'MNIST'): { images: Uint8Array; labels: Int32Array; h: number; w: number } {
  if (images.dims.length !== 3 || labels.dims.length !== 1 || images.dims[0] !== labels.dims[0]) {
    throw new Error(`${file}: image dims [${images.dims}] do not match label dims [${labels.dims}]`);
  }
  const out = Int32Array.from(labels.data);
  const bad = out.findIndex((l) => l > 9);
  if (bad >= 0) throw new Error(`${file}: label ${out[bad]} at index ${bad} is not a digit`);
  return { images: images.data, labels: out, h: images.dims[1], w: images.dims[2] };
}
