// A small reader for MATLAB level 5 MAT-files (what scipy.io.savemat and MATLAB write with -v7 and
// older): a 128-byte header, then data elements, each possibly zlib-compressed (miCOMPRESSED, inflated
// up to MAX_INFLATED_BYTES). Numeric, non-complex, non-sparse matrices only: that is what SVHN's files
// hold. Every element's size is checked against the bytes that hold it before anything is read, so
// what is allocated is bounded by the (inflated) file.
import { inflateBounded, MAX_INFLATED_BYTES } from './inflate';
import { quoted } from '../../util/messages';

export interface MatArray {
  name: string;
  className: string; // 'uint8', 'double', ...
  dims: number[]; // MATLAB order; data is column-major
  data: ArrayLike<number>;
}

const MI_INT8 = 1;
const MI_UINT8 = 2;
const MI_INT32 = 5;
const MI_UINT32 = 6;
const MI_MATRIX = 14;
const MI_COMPRESSED = 15;
type Numbers = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;
// miTYPE -> element size, a reader over a DataView and the array that holds the values
const MI_TYPES: Record<number, { size: number; get: (v: DataView, o: number, le: boolean) => number; array: new (n: number) => Numbers }> = {
  1: { size: 1, get: (v, o) => v.getInt8(o), array: Int8Array },
  2: { size: 1, get: (v, o) => v.getUint8(o), array: Uint8Array },
  3: { size: 2, get: (v, o, le) => v.getInt16(o, le), array: Int16Array },
  4: { size: 2, get: (v, o, le) => v.getUint16(o, le), array: Uint16Array },
  5: { size: 4, get: (v, o, le) => v.getInt32(o, le), array: Int32Array },
  6: { size: 4, get: (v, o, le) => v.getUint32(o, le), array: Uint32Array },
  7: { size: 4, get: (v, o, le) => v.getFloat32(o, le), array: Float32Array },
  9: { size: 8, get: (v, o, le) => v.getFloat64(o, le), array: Float64Array },
  12: { size: 8, get: (v, o, le) => Number(v.getBigInt64(o, le)), array: Float64Array },
  13: { size: 8, get: (v, o, le) => Number(v.getBigUint64(o, le)), array: Float64Array },
};
const MX_CLASSES: Record<number, string> = {
  6: 'double', 7: 'single', 8: 'int8', 9: 'uint8', 10: 'int16', 11: 'uint16', 12: 'int32', 13: 'uint32', 14: 'int64', 15: 'uint64',
};
/** The values an integer class can hold (a file may store them in a smaller type, never a larger range). */
const CLASS_RANGE: Record<string, [number, number]> = {
  int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767], uint16: [0, 65535], int32: [-(2 ** 31), 2 ** 31 - 1], uint32: [0, 2 ** 32 - 1],
};

interface Element { type: number; data: Uint8Array; next: number }

/** Reads the data element at `pos`, handling the 4-byte "small data element" form. */
function readElement(buf: Uint8Array, pos: number, le: boolean, file: string): Element {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (pos + 8 > buf.length) throw new Error(`${file}: truncated MAT data element at byte ${pos}`);
  const first = v.getUint32(pos, le);
  if (first >>> 16 !== 0) { // small element: type and size packed into 4 bytes, data in the next 4
    const n = first >>> 16;
    if (n > 4) throw new Error(`${file}: small MAT data element at byte ${pos} claims ${n} bytes (at most 4 fit)`);
    return { type: first & 0xffff, data: buf.subarray(pos + 4, pos + 4 + n), next: pos + 8 };
  }
  const n = v.getUint32(pos + 4, le);
  if (pos + 8 + n > buf.length) throw new Error(`${file}: MAT data element at byte ${pos} claims ${n} bytes past the end`);
  const padded = first === MI_COMPRESSED ? n : Math.ceil(n / 8) * 8;
  return { type: first, data: buf.subarray(pos + 8, pos + 8 + n), next: pos + 8 + padded };
}

function numbers(el: Element, le: boolean, file: string, what: string): Numbers {
  const t = MI_TYPES[el.type];
  if (!t) throw new Error(`${file}: ${what} has unsupported MAT element type ${el.type}`);
  if (el.data.length % t.size !== 0) throw new Error(`${file}: ${what} holds ${el.data.length} bytes, not a whole number of ${t.size}-byte values`);
  if (el.type === MI_UINT8) return el.data; // no copy
  const v = new DataView(el.data.buffer, el.data.byteOffset, el.data.byteLength);
  const n = el.data.length / t.size;
  const out = new t.array(n);
  for (let i = 0; i < n; i++) out[i] = t.get(v, i * t.size, le);
  return out;
}

function parseMatrix(body: Uint8Array, le: boolean, file: string): MatArray {
  const flags = readElement(body, 0, le, file);
  if (flags.type !== MI_UINT32 || flags.data.length < 4) throw new Error(`${file}: MAT matrix without array flags (a miUINT32 element)`);
  const flagWord = new DataView(flags.data.buffer, flags.data.byteOffset, flags.data.byteLength).getUint32(0, le);
  const className = MX_CLASSES[flagWord & 0xff];
  const dimsEl = readElement(body, flags.next, le, file);
  const nameEl = readElement(body, dimsEl.next, le, file);
  if (nameEl.type !== MI_INT8 && nameEl.type !== MI_UINT8) throw new Error(`${file}: MAT matrix name has element type ${nameEl.type}, expected miINT8`);
  const name = Buffer.from(nameEl.data).toString('latin1');
  const variable = `variable ${quoted(name)}`;
  if (!className) throw new Error(`${file}: ${variable} has MATLAB class ${flagWord & 0xff}, not a numeric array`);
  if (flagWord & 0x800) throw new Error(`${file}: ${variable} is complex; only real arrays are supported`);
  if (dimsEl.type !== MI_INT32) throw new Error(`${file}: ${variable} has dimensions of element type ${dimsEl.type}, expected miINT32`);
  const dims = Array.from(numbers(dimsEl, le, file, `${variable}'s dimensions`));
  if (dims.length < 2 || dims.some((d) => d < 0)) throw new Error(`${file}: ${variable} has dims [${dims}]`);
  const real = readElement(body, nameEl.next, le, file);
  const data = numbers(real, le, file, variable);
  const count = dims.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new Error(`${file}: ${variable} has ${data.length} values for dims [${dims}]`);
  const range = CLASS_RANGE[className];
  if (range && !(className === 'uint8' && real.type === MI_UINT8)) {
    const bad = data.findIndex((x) => !(Number.isInteger(x) && x >= range[0] && x <= range[1]));
    if (bad >= 0) throw new Error(`${file}: ${variable} is ${className} but holds ${data[bad]} at index ${bad}`);
  }
  return { name, className, dims, data };
}

/** All numeric variables in a level 5 MAT-file, by name. */
export function parseMat5(buf: Uint8Array, file = 'MAT-file', maxInflated = MAX_INFLATED_BYTES): Map<string, MatArray> {
  if (buf.length < 128) throw new Error(`${file}: too short for a MAT-file`);
  const endian = Buffer.from(buf.subarray(126, 128)).toString('latin1');
  if (endian !== 'IM' && endian !== 'MI') {
    throw new Error(`${file}: not a MATLAB level 5 MAT-file (v7.3 files are HDF5; save with -v7)`);
  }
  const le = endian === 'IM';
  const out = new Map<string, MatArray>();
  let pos = 128;
  while (pos + 8 <= buf.length) {
    let el = readElement(buf, pos, le, file);
    pos = el.next;
    if (el.type === MI_COMPRESSED) el = readElement(inflateBounded(el.data, file, maxInflated), 0, le, file);
    if (el.type !== MI_MATRIX || el.data.length === 0) continue;
    const arr = parseMatrix(el.data, le, file);
    out.set(arr.name, arr);
  }
  return out;
}
