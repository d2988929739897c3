// Reads any file in the seed's layout (one group per id with `image` and one-hot `label`) through
// h5wasm, validating as it goes. Uses h5wasm's low-level calls with one reusable wasm buffer: the
// high-level Group/Dataset objects re-query types and metadata on every access (~0.5 ms per id).
//
// A damaged file is refused with one line naming it (and the id): every h5wasm call is checked, a
// dataset's size is checked before any memory is set aside for it (one example at most
// MAX_EXAMPLE_BYTES, K at most MAX_CLASSES), and the image array grows with what is actually read,
// so a dataspace or an id.txt that claims more than the file holds cannot exhaust memory.
import * as fs from 'node:fs';
import { oneLine, quoted } from '../../util/messages';
import { loadH5wasm } from './h5wasm';

export interface SeedData {
  h: number; w: number; c: number; k: number;
  images: Uint8Array; // count*h*w*c
  labels: Int32Array;
}

/** One image or one label as stored (any element type): 256 MiB, a 9000 x 9000 RGB image as uint8. */
export const MAX_EXAMPLE_BYTES = 2 ** 28;
export const MAX_CLASSES = 2 ** 16;
/** All images together: the largest array JavaScript holds. */
export const MAX_IMAGE_BYTES = 2 ** 32;

interface DsMeta { shape: number[]; type: number; size: number; signed: boolean; total_size: number }

const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_ENUM = 8;
const H5O_TYPE_GROUP = 0; // H5G_GROUP as returned by h5wasm's get_type
const H5O_TYPE_DATASET = 1;

/** Decodes `n` numbers of the dataset's element type from wasm memory. */
function decode(heap: Uint8Array, ptr: number, n: number, meta: DsMeta): ArrayLike<number> {
  const buf = heap.buffer.slice(heap.byteOffset + ptr, heap.byteOffset + ptr + n * meta.size);
  const intType = meta.type === H5T_INTEGER || meta.type === H5T_ENUM;
  if (meta.type === H5T_FLOAT && (meta.size === 4 || meta.size === 8)) return meta.size === 4 ? new Float32Array(buf) : new Float64Array(buf);
  if (!intType) throw new Error(`unsupported element type (HDF5 class ${meta.type}, ${meta.size} bytes)`);
  switch (meta.size) {
    case 1: return meta.signed ? new Int8Array(buf) : new Uint8Array(buf);
    case 2: return meta.signed ? new Int16Array(buf) : new Uint16Array(buf);
    case 4: return meta.signed ? new Int32Array(buf) : new Uint32Array(buf);
    case 8: return Array.from(meta.signed ? new BigInt64Array(buf) : new BigUint64Array(buf), Number);
    default: throw new Error(`unsupported ${meta.size}-byte integer`);
  }
}

const whole = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

export async function readSeedHdf5(file: string, ids: string[]): Promise<SeedData> {
  if (ids.length === 0) throw new Error(`${file}: no ids to read (id.txt lists none)`);
  const h5 = await loadH5wasm();
  const M = (await h5.ready) as unknown as {
    get_type(fid: bigint, path: string): number;
    get_dataset_metadata(fid: bigint, path: string): DsMeta;
    get_dataset_data(fid: bigint, path: string, c: null, o: null, s: null, ptr: bigint): number;
    _malloc(n: number): number; _free(p: number): void; HEAPU8: Uint8Array;
  };
  let f: InstanceType<typeof h5.File>;
  try {
    f = new h5.File(file, 'r');
  } catch (err) {
    throw new Error(`${file}: not a readable HDF5 file (${oneLine(String((err as Error)?.message ?? err))})`);
  }
  const fid = f.file_id;
  let ptr = 0;
  let cap = 0;
  const fail = (id: string, what: string): never => { throw new Error(`${file}: id ${quoted(id)}: ${what}`); };
  /** An h5wasm call; what it throws (HDF5 errors, a trap in the library) becomes one line naming the file. */
  const call = <T>(id: string, what: string, fn: () => T): T => {
    try { return fn(); } catch (err) {
      const why = oneLine(String((err as Error)?.message ?? err)).replace('error - name not defined!', 'the HDF5 library cannot open it');
      return fail(id, `${what} (${why})`);
    }
  };
  const meta = (id: string, name: string): DsMeta => {
    const path = `/${id}/${name}`;
    const type = call(id, `cannot look up "${name}"`, () => M.get_type(fid, path));
    if (type < 0) fail(id, `group has no "${name}" dataset`);
    if (type !== H5O_TYPE_DATASET) fail(id, `"${name}" is not a dataset, or its object header is damaged`);
    const m = call(id, `cannot read the metadata of "${name}"`, () => M.get_dataset_metadata(fid, path));
    if (!Array.isArray(m?.shape) || !m.shape.every(whole) || !whole(m.total_size) || !whole(m.size) || m.size === 0) {
      fail(id, `"${name}" has no usable shape or element size (shape ${JSON.stringify(m?.shape)}, ${m?.size}-byte elements)`);
    }
    if (m.total_size * m.size > MAX_EXAMPLE_BYTES) fail(id, `"${name}" of shape [${m.shape}] is ${m.total_size * m.size} bytes, over the ${MAX_EXAMPLE_BYTES}-byte limit for one example`);
    return m;
  };
  /** Reads a whole dataset into the wasm buffer; returns its address. */
  const load = (id: string, name: string, m: DsMeta): number => {
    const bytes = m.total_size * m.size;
    if (bytes > cap) {
      if (ptr) M._free(ptr);
      cap = Math.max(bytes, 4096);
      ptr = M._malloc(cap);
      if (!ptr) { cap = 0; fail(id, `"${name}": cannot set aside ${bytes} bytes in the HDF5 library's memory`); }
    }
    const status = call(id, `cannot read "${name}"`, () => M.get_dataset_data(fid, `/${id}/${name}`, null, null, null, BigInt(ptr)));
    if (status < 0) fail(id, `cannot read "${name}" (the HDF5 library reported an error)`);
    return ptr;
  };
  const read = (id: string, name: string, m: DsMeta): ArrayLike<number> => {
    const at = load(id, name, m);
    try { return decode(M.HEAPU8, at, m.total_size, m); } catch (e) { return fail(id, `${name}: ${(e as Error).message}`); }
  };
  try {
    let h = 0, w = 0, c = 0, k = 0, n = 0;
    // Grows with what is read: as big as the file at first (the seed layout stores images raw).
    let images = new Uint8Array(0);
    const labels = new Int32Array(ids.length);
    const fileBytes = fs.statSync(file).size;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      const type = call(id, 'cannot look up the group', () => M.get_type(fid, `/${id}`));
      if (type !== H5O_TYPE_GROUP) fail(id, 'no group with this id (listed in id.txt)');
      const im = meta(id, 'image');
      const lb = meta(id, 'label');
      const shape = im.shape.length === 2 ? [...im.shape, 1] : im.shape;
      if (shape.length !== 3) fail(id, `image has shape [${im.shape}], expected [H, W, C]`);
      if (lb.shape.length !== 1 && !(lb.shape.length === 2 && lb.shape[0] === 1)) fail(id, `label has shape [${lb.shape}], expected one-hot [K]`);
      if (i === 0) {
        [h, w, c] = shape;
        k = lb.total_size;
        n = h * w * c;
        if (n === 0) fail(id, `image has shape [${im.shape}], which is empty`);
        if (k < 2) fail(id, `label has K = ${k} classes; at least 2 are needed`);
        if (k > MAX_CLASSES) fail(id, `label has K = ${k} classes, over the limit of ${MAX_CLASSES}`);
        if (ids.length * n > MAX_IMAGE_BYTES) throw new Error(`${file}: ${ids.length} images of [${h}, ${w}, ${c}] are ${ids.length * n} bytes, over the ${MAX_IMAGE_BYTES}-byte limit`);
        images = new Uint8Array(Math.min(ids.length * n, Math.max(fileBytes, n)));
      } else if (shape[0] !== h || shape[1] !== w || shape[2] !== c) {
        fail(id, `image has shape [${shape}] but id ${quoted(ids[0])} has [${h}, ${w}, ${c}]; all images must have one shape`);
      } else if (lb.total_size !== k) {
        fail(id, `label has ${lb.total_size} entries but id ${quoted(ids[0])} has ${k}`);
      }
      if ((i + 1) * n > images.length) { // a compressed file holds more than its size: grow
        const grown = new Uint8Array(Math.min(ids.length * n, Math.max((i + 1) * n, 2 * images.length)));
        grown.set(images);
        images = grown;
      }
      if ((im.type === H5T_INTEGER || im.type === H5T_ENUM) && im.size === 1 && !im.signed) {
        const at = load(id, 'image', im);
        images.set(M.HEAPU8.subarray(at, at + n), i * n);
      } else {
        const v = read(id, 'image', im);
        for (let j = 0; j < n; j++) {
          const x = Math.round(v[j]);
          if (!(x >= 0 && x <= 255)) fail(id, `image is not uint8 and has value ${v[j]} outside 0..255`);
          images[i * n + j] = x;
        }
      }
      const lv = read(id, 'label', lb);
      let hot = -1;
      for (let j = 0; j < k; j++) {
        if (lv[j] === 0) continue;
        if (lv[j] !== 1 || hot >= 0) fail(id, `label [${Array.from(lv).slice(0, 32).join(', ')}${k > 32 ? ', ...' : ''}] is not one-hot`);
        hot = j;
      }
      if (hot < 0) fail(id, `label [${Array.from(lv).slice(0, 32).join(', ')}${k > 32 ? ', ...' : ''}] is not one-hot (no class set)`);
      labels[i] = hot;
    }
    return { h, w, c, k, images, labels };
  } finally {
    try {
      if (ptr) M._free(ptr);
      f.close();
    } catch { /* the library failed on this file: the error being thrown says so */ }
  }
}
