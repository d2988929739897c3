// IDX files (MNIST): magic 0x00000800 | type | ndims, big-endian dims, then the data. Gzip'd
// files (as the MNIST mirrors serve them) are inflated first, up to MAX_INFLATED_BYTES.
import { MAX_INFLATED_BYTES, maybeGunzip } from './inflate';

export { maybeGunzip } from './inflate';

export interface IdxArray { dims: number[]; data: Uint8Array; file?: string }

/** Parses an unsigned-byte IDX array (type 0x08), the only type MNIST uses. */
export function parseIdx(input: Uint8Array, file = 'IDX file', maxInflated = MAX_INFLATED_BYTES): IdxArray {
  const buf = maybeGunzip(input, file, maxInflated);
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
  return { dims, data: buf.subarray(header), file };
}

/** MNIST images [N,28,28] and labels [N] -> NHWC images (C = 1) and labels. */
export function mnistFromIdx(images: IdxArray, labels: IdxArray, file = 'MNIST'): { images: Uint8Array; labels: Int32Array; h: number; w: number } {
  const imageFile = images.file ?? file, labelFile = labels.file ?? file;
  if (images.dims.length !== 3) throw new Error(`${imageFile}: image dims [${images.dims}], expected [N, H, W]`);
  if (labels.dims.length !== 1) throw new Error(`${labelFile}: label dims [${labels.dims}], expected [N]`);
  if (images.dims[0] !== labels.dims[0]) throw new Error(`${imageFile}: ${images.dims[0]} images but ${labelFile} has ${labels.dims[0]} labels`);
  if (images.dims[0] === 0 || images.dims[1] === 0 || images.dims[2] === 0) throw new Error(`${imageFile}: image dims [${images.dims}] hold no pixels`);
  const out = Int32Array.from(labels.data);
  const bad = out.findIndex((l) => l > 9);
  if (bad >= 0) throw new Error(`${labelFile}: label ${out[bad]} at index ${bad} is not a digit`);
  return { images: images.data, labels: out, h: images.dims[1], w: images.dims[2] };
}
