// A small reader for MATLAB level 5 MAT-files (what scipy.io.savemat and MATLAB write with -v7 and
// older): a 128-byte header, then data elements, each possibly zlib-compressed (miCOMPRESSED).
// Numeric, non-complex, non-sparse matrices only: that is what SVHN's files hold.
import * as zlib from 'node:zlib';

export interface MatArray {
  name: string;
  className: string; // 'uint8', 'double', ...
  dims: number[]; // MATLAB order; data is column-major
  data: ArrayLike<number>;
}

const MI_MATRIX = 14;
const MI_COMPRESSED = 15;
// miTYPE -> element size and a reader over a DataView
const MI_TYPES: Record<number, { size: number; get: (v: DataView, o: number, le: boolean) => number }> = {
  1: { size: 1, get: (v, o) => v.getInt8(o) },
  2: { size: 1, get: (v, o) => v.getUint8(o) },
  3: { size: 2, get: (v, o, le) => v.getInt16(o, le) },
  4: { size: 2, get: (v, o, le) => v.getUint16(o, le) },
  5: { size: 4, get: (v, o, le) => v.getInt32(o, le) },
  6: { size: 4, get: (v, o, le) => v.getUint32(o, le) },
  7: { size: 4, get: (v, o, le) => v.getFloat32(o, le) },
  9: { size: 8, get: (v, o, le) => v.getFloat64(o, le) },
  12: { size: 8, get: (v, o, le) => Number(v.getBigInt64(o, le)) },
  13: { size: 8, get: (v, o, le) => Number(v.getBigUint64(o, le)) },
};
const MX_CLASSES: Record<number, string> = {
  6: 'double', 7: 'single', 8: 'int8', 9: 'uint8', 10: 'int16', 11: 'uint16', 12: 'int32', 13: 'uint32', 14: 'int64', 15: 'uint64',
};

interface Element { type: number; data: Uint8Array; next: number }

/** Reads the data element at `pos`, handling the 4-byte "small data element" form. */
function readElement(buf: Uint8Array, pos: number, le: boolean, file: string): Element {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (pos + 8 > buf.length) throw new Error(`${file}: truncated MAT data element at byte ${pos}`);
  const first = v.getUint32(pos, le);
  if (first >>> 16 !== 0) { // small element: type and size packed into 4 bytes, data in the next 4
    return { type: first & 0xffff, data: buf.subarray(pos + 4, pos + 4 + (first >>> 16)), next: pos + 8 };
  }
  const n = v.getUint32(pos + 4, le);
  if (pos + 8 + n > buf.length) throw new Error(`${file}: MAT data element at byte ${pos} claims ${n} bytes past the end`);
  const padded = first === MI_COMPRESSED ? n : (n + 7) & ~7;
  return { type: first, data: buf.subarray(pos + 8, pos + 8 + n), next: pos + 8 + padded };
}

function numbers(el: Element, le: boolean, file: string): ArrayLike<number> {
  const t = MI_TYPES[el.type];
  if (!t) throw new Error(`${file}: unsupported MAT element type ${el.type}`);
  if (el.type === 2) return el.data; // uint8: no copy
  const v = new DataView(el.data.buffer, el.data.byteOffset, el.data.byteLength);
  const n = Math.floor(el.data.length / t.size);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = t.get(v, i * t.size, le);
  return out;
}

function parseMatrix(body: Uint8Array, le: boolean, file: string): MatArray {
  const flags = readElement(body, 0, le, file);
  const fv = new DataView(flags.data.buffer, flags.data.byteOffset, flags.data.byteLength);
  const flagWord = fv.getUint32(0, le);
  const className = MX_CLASSES[flagWord & 0xff];
  const dimsEl = readElement(body, flags.next, le, file);
  const nameEl = readElement(body, dimsEl.next, le, file);
  const name = Buffer.from(nameEl.data).toString('latin1');
  if (!className) throw new Error(`${file}: variable "${name}" has MATLAB class ${flagWord & 0xff}, not a numeric array`);
  if (flagWord & 0x800) throw new Error(`${file}: variable "${name}" is complex; only real arrays are supported`);
  const dims = Array.from(numbers(dimsEl, le, file));
  const real = readElement(body, nameEl.next, le, file);
  const data = numbers(real, le, file);
  const count = dims.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new Error(`${file}: variable "${name}" has ${data.length} values for dims [${dims}]`);
  return { name, className, dims, data };
}

/** All numeric variables in a level 5 MAT-file, by name. */
export function parseMat5(buf: Uint8Array, file = 'MAT-file'): Map<string, MatArray> {
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
    if (el.type === MI_COMPRESSED) {
      let inflated: Uint8Array;
      try { inflated = zlib.inflateSync(el.data); } catch (err) { throw new Error(`${file}: corrupt compressed element (${(err as Error).message})`); }
      el = readElement(inflated, 0, le, file);
    }
    if (el.type !== MI_MATRIX || el.data.length === 0) continue;
    const arr = parseMatrix(el.data, le, file);
    out.set(arr.name, arr);
  }
  return out;
}
