// Reads any file in the seed's layout (one group per id with `image` and one-hot `label`) through
// h5wasm, validating as it goes. Uses h5wasm's low-level calls with one reusable wasm buffer: the
// high-level Group/Dataset objects re-query types and metadata on every access (~0.5 ms per id).
import { loadH5wasm } from './h5wasm';

export interface SeedData {
  h: number; w: number; c: number; k: number;
  images: Uint8Array; // count*h*w*c
  labels: Int32Array;
}

interface DsMeta { shape: number[]; type: number; size: number; signed: boolean; total_size: number }

const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_ENUM = 8;
const H5O_TYPE_GROUP = 0; // H5G_GROUP as returned by h5wasm's get_type

/** Decodes `n` numbers of the dataset's element type from wasm memory. */
function decode(heap: Uint8Array, ptr: number, n: number, meta: DsMeta): ArrayLike<number> {
  const buf = heap.buffer.slice(heap.byteOffset + ptr, heap.byteOffset + ptr + n * meta.size);
  const intType = meta.type === H5T_INTEGER || meta.type === H5T_ENUM;
  if (meta.type === H5T_FLOAT) return meta.size === 4 ? new Float32Array(buf) : new Float64Array(buf);
  if (!intType) throw new Error('unsupported element type');
  switch (meta.size) {
    case 1: return meta.signed ? new Int8Array(buf) : new Uint8Array(buf);
    case 2: return meta.signed ? new Int16Array(buf) : new Uint16Array(buf);
    case 4: return meta.signed ? new Int32Array(buf) : new Uint32Array(buf);
    case 8: return Array.from(meta.signed ? new BigInt64Array(buf) : new BigUint64Array(buf), Number);
    default: throw new Error(`unsupported ${meta.size}-byte integer`);
  }
}

export async function readSeedHdf5(file: string, ids: string[]): Promise<SeedData> {
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
    throw new Error(`${file}: not a readable HDF5 file (${(err as Error).message})`);
  }
  const fid = f.file_id;
  let ptr = 0;
  let cap = 0;
  const fail = (id: string, what: string): never => { throw new Error(`${file}: id "${id}": ${what}`); };
  const meta = (id: string, name: string): DsMeta => {
    const path = `/${id}/${name}`;
    if (M.get_type(fid, path) < 0) fail(id, `group has no "${name}" dataset`);
    return M.get_dataset_metadata(fid, path);
  };
  const ensure = (bytes: number): void => {
    if (bytes > cap) { if (ptr) M._free(ptr); cap = Math.max(bytes, 4096); ptr = M._malloc(cap); }
  };
  const read = (id: string, name: string, m: DsMeta): ArrayLike<number> => {
    ensure(m.total_size * m.size);
    M.get_dataset_data(fid, `/${id}/${name}`, null, null, null, BigInt(ptr));
    try { return decode(M.HEAPU8, ptr, m.total_size, m); } catch (e) { return fail(id, `${name}: ${(e as Error).message}`); }
  };
  try {
    let h = 0, w = 0, c = 0, k = 0;
    let images = new Uint8Array(0);
    const labels = new Int32Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (M.get_type(fid, `/${id}`) !== H5O_TYPE_GROUP) fail(id, 'no group with this id (listed in id.txt)');
      const im = meta(id, 'image');
      const lb = meta(id, 'label');
      const shape = im.shape.length === 2 ? [...im.shape, 1] : im.shape;
      if (shape.length !== 3) fail(id, `image has shape [${im.shape}], expected [H, W, C]`);
      if (lb.shape.length !== 1 && !(lb.shape.length === 2 && lb.shape[0] === 1)) fail(id, `label has shape [${lb.shape}], expected one-hot [K]`);
      if (i === 0) {
        [h, w, c] = shape;
        k = lb.total_size;
        if (h * w * c === 0) fail(id, `image has shape [${im.shape}], which is empty`);
        if (k < 2) fail(id, `label has K = ${k} classes; at least 2 are needed`);
        images = new Uint8Array(ids.length * h * w * c);
      } else if (shape[0] !== h || shape[1] !== w || shape[2] !== c) {
        fail(id, `image has shape [${shape}] but id "${ids[0]}" has [${h}, ${w}, ${c}]; all images must have one shape`);
      } else if (lb.total_size !== k) {
        fail(id, `label has ${lb.total_size} entries but id "${ids[0]}" has ${k}`);
      }
      const n = h * w * c;
      if ((im.type === H5T_INTEGER || im.type === H5T_ENUM) && im.size === 1 && !im.signed) {
        ensure(n);
        M.get_dataset_data(fid, `/${id}/image`, null, null, null, BigInt(ptr));
        images.set(M.HEAPU8.subarray(ptr, ptr + n), i * n);
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
        if (lv[j] !== 1 || hot >= 0) fail(id, `label [${Array.from(lv).join(', ')}] is not one-hot`);
        hot = j;
      }
      if (hot < 0) fail(id, `label [${Array.from(lv).join(', ')}] is not one-hot (no class set)`);
      labels[i] = hot;
    }
    return { h, w, c, k, images, labels };
  } finally {
    if (ptr) M._free(ptr);
    f.close();
  }
}
