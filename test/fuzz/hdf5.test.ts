// Fuzzing the HDF5 reader of the seed's layout (through h5wasm, in the sandbox child so that an
// abort or a runaway allocation inside the WebAssembly HDF5 library is observed, not fatal): the
// fixture written by h5py (via the seed's own prepare script) and a file written by ssgan, mutated
// with most mutations aimed at the superblock, the dataspaces (image and label dims) and the
// datatypes; and id.txt mutated beside it.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import * as fc from 'fast-check';
import { loadH5wasm } from '../../src/data/hdf5/h5wasm';
import { writeSeedHdf5 } from '../../src/data/hdf5/seed-writer';
import { applyMutations, CASE_DIR, describeOps, FIXTURES, fuzz, labelled, LONG, occurrences, opsArb, Sandbox } from './harness';

const sandbox = new Sandbox({ h5wasm: true });
after(() => sandbox.close());

const u64 = (...v: number[]): Uint8Array => { const b = Buffer.alloc(8 * v.length); v.forEach((x, i) => b.writeBigUInt64LE(BigInt(x), 8 * i)); return b; };
const hex = (s: string): Uint8Array => Buffer.from(s.replace(/ /g, ''), 'hex');

interface Seed { hdf5: Uint8Array; ids: Uint8Array; hot: [number, number][] }
const SEEDS = new Map<string, Seed>();

/** The superblock, the dataspaces (rank, flags, dims, max dims) and the datatypes of every image and label. */
function hotSpots(b: Uint8Array, h: number, w: number, c: number, k: number): [number, number][] {
  const space = (rank: number, ...dims: number[]): [number, number][] =>
    occurrences(b, Buffer.concat([hex(`01 0${rank} 01 00 00 00 00 00`), u64(...dims)])).map(([s]) => [s, s + 8 + 16 * rank]);
  return [
    [0, 96],
    ...space(3, h, w, c),
    ...space(1, k),
    ...occurrences(b, hex('10 00 00 00 01 00 00 00 00 00 08 00')), // uint8
    ...occurrences(b, hex('18 02 00 00 01 00 00 00')), // the bool enum of h5py's labels
  ];
}

before(async () => {
  const dir = path.join(FIXTURES, 'seed-h5');
  const h5py = new Uint8Array(fs.readFileSync(path.join(dir, 'data.hdf5')));
  SEEDS.set('h5py', { hdf5: h5py, ids: new Uint8Array(fs.readFileSync(path.join(dir, 'id.txt'))), hot: hotSpots(h5py, 28, 28, 1, 10) });
  // A smaller file as ssgan writes it: 24 colour images, 3 classes.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ssgan-fuzz-h5-'));
  const n = 24, h = 8, w = 6, c = 3, k = 3;
  writeSeedHdf5(path.join(tmp, 'data.hdf5'), { count: n, h, w, c, k, images: Uint8Array.from({ length: n * h * w * c }, (_, i) => (i * 7) & 255), labels: Int32Array.from({ length: n }, (_, i) => i % k) });
  const ssgan = new Uint8Array(fs.readFileSync(path.join(tmp, 'data.hdf5')));
  fs.rmSync(tmp, { recursive: true, force: true });
  SEEDS.set('ssgan', { hdf5: ssgan, ids: Buffer.from(Array.from({ length: n }, (_, i) => `${i}\n`).join('')), hot: hotSpots(ssgan, h, w, c, k) });
  // Chunked and gzip-compressed (as h5py writes with compression='gzip'): the file is smaller than its images.
  const chunked = await compressedFile(40, 48, 48, 3, 4);
  SEEDS.set('gzip-chunked', { hdf5: chunked, ids: Buffer.from(Array.from({ length: 40 }, (_, i) => `${i}\n`).join('')), hot: hotSpots(chunked, 48, 48, 3, 4) });
});

async function compressedFile(n: number, h: number, w: number, c: number, k: number): Promise<Uint8Array> {
  const h5 = await loadH5wasm();
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ssgan-fuzz-h5-')), 'data.hdf5');
  const f = new h5.File(file, 'w');
  for (let i = 0; i < n; i++) {
    const g = f.create_group(String(i));
    g.create_dataset({ name: 'image', data: new Uint8Array(h * w * c).fill(i * 5), shape: [h, w, c], chunks: [h, w, c], compression: 'gzip', compression_opts: 6 });
    g.create_dataset({ name: 'label', data: Uint8Array.from({ length: k }, (_, j) => (j === i % k ? 1 : 0)), shape: [k] });
  }
  f.close();
  const bytes = new Uint8Array(fs.readFileSync(file));
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  assert.ok(bytes.length < n * h * w * c, 'the compressed seed should be smaller than its images');
  return bytes;
}

const ID_WORDS = ['0\n', '1\n', '239\n', '240\n', '-1\n', '/\n', '.\n', '..\n', '0/image\n', '0/label\n', '//0\n', '\n', '\0', 'é', '0\n'.repeat(500)];

interface Case { seed: string; hdf5: Uint8Array; ids: Uint8Array }

const caseArb: fc.Arbitrary<Case> = fc.tuple(fc.constantFrom('h5py', 'ssgan', 'gzip-chunked'), fc.nat({ max: 9 })).chain(([name, which]) => {
  const s = SEEDS.get(name)!;
  if (which === 0) { // id.txt mutated, data.hdf5 as written
    return opsArb(s.ids.length, { hot: [[0, s.ids.length]], dictionary: ID_WORDS }).map((ops) =>
      labelled({ seed: name, hdf5: s.hdf5, ids: applyMutations(s.ids, ops) }, `${name} id.txt: ${describeOps(ops)}`));
  }
  return opsArb(s.hdf5.length, { hot: s.hot, maxOps: 3 }).map((ops) =>
    labelled({ seed: name, hdf5: applyMutations(s.hdf5, ops), ids: s.ids }, `${name} data.hdf5: ${describeOps(ops)}`));
});

test('HDF5 (seed layout): mutated files and id lists give a consistent dataset or a one-line error naming the file', async (t) => {
  const stats = await fuzz({
    sandbox, target: 'hdf5', arb: caseArb,
    input: (c) => ({ files: { 'data.hdf5': c.hdf5, 'id.txt': c.ids } }),
    file: () => `${CASE_DIR}/`, // data.hdf5 or id.txt, in the sandbox's folder for the case
    check: (_c, v) => {
      assert.ok(v.h > 0 && v.w > 0 && v.c > 0 && v.k >= 2 && v.n > 0, JSON.stringify(v));
      assert.equal(v.imageBytes, v.n * v.h * v.w * v.c);
      assert.ok(v.labelRange[0] >= 0 && v.labelRange[1] < v.k);
    },
    bounds: { memMiB: 768 },
  });
  t.diagnostic(stats.line('HDF5'));
});

/**
 * A file whose image datasets are chunked and resized to `dims` without writing (HDF5 then reads
 * fill values: a tiny file can describe any size), under ids 0..count-1 (hard links after the first).
 */
async function claiming(dims: number[], count: number): Promise<Uint8Array> {
  const h5 = await loadH5wasm();
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ssgan-fuzz-h5-')), 'data.hdf5');
  const f = new h5.File(file, 'w');
  const g = f.create_group('0');
  const ds = g.create_dataset({ name: 'image', data: new Uint8Array(28 * 28), shape: [28, 28, 1], maxshape: [null, null, null], chunks: [28, 28, 1] });
  g.create_dataset({ name: 'label', data: new Uint8Array([0, 1, 0]), shape: [3] });
  ds.resize(dims);
  for (let i = 1; i < count; i++) f.create_hard_link('/0', `/${i}`);
  f.close();
  const bytes = new Uint8Array(fs.readFileSync(file));
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  return bytes;
}

test('HDF5: an image dataspace claiming 10^12 pixels, or ids adding up past 4 GiB, are refused before memory is set aside', async () => {
  const fresh = new Sandbox({ h5wasm: true }); // its own child: the peak memory of earlier cases does not count
  try {
    const ids = (n: number): Uint8Array => Buffer.from(Array.from({ length: n }, (_, i) => `${i}\n`).join(''));
    const cases: [number[], number, RegExp][] = [
      [[1_000_000, 1_000_000, 1], 2, /data\.hdf5: id "0": "image" of shape \[1000000,1000000,1\] is 1000000000000 bytes, over the 268435456-byte limit for one example$/],
      [[2 ** 40, 28, 1], 2, /over the 268435456-byte limit for one example$/],
      [[16384, 16384, 1], 20, /data\.hdf5: 20 images of \[16384, 16384, 1\] are 5368709120 bytes, over the 4294967296-byte limit$/],
    ];
    for (const [dims, count, message] of cases) {
      const file = await claiming(dims, count);
      const o = await fresh.run('hdf5', { files: { 'data.hdf5': file, 'id.txt': ids(count) } });
      assert.equal(o.kind, 'error', `${dims}: ${JSON.stringify(o).slice(0, 300)}`);
      if (o.kind !== 'error') continue;
      assert.match(o.message, message);
      assert.ok(o.mem.maxRssMiB - o.mem.baseMaxRssMiB < 64, `${dims}: peak grew by ${o.mem.maxRssMiB - o.mem.baseMaxRssMiB} MiB`);
    }
  } finally {
    fresh.close();
  }
});

test('id.txt: repeated ids, ids that cannot name a group, and long id lists (a million under npm run fuzz) are refused within bounds', async () => {
  const fresh = new Sandbox({ h5wasm: true }); // its own child: the peak memory of earlier cases does not count
  try {
    const MANY = LONG ? 1_000_000 : 100_000;
    const h5py = SEEDS.get('h5py')!;
    const cases: [string, string, RegExp][] = [
      ['repeated', '0\n1\n0\n', /id\.txt: id "0" is listed twice$/],
      ['slash', '0\n0/image\n', /id\.txt: id "0\/image" cannot name an HDF5 group \(it holds '\/' or a NUL\)$/],
      ['NUL', '0\n1\u0000x\n', /id\.txt: id "1\\u0000x" cannot name an HDF5 group/],
      ['missing', '0\n1\n999\n', /data\.hdf5: id "999": no group with this id \(listed in id\.txt\)$/],
      ['a long list of repeats', '0\n'.repeat(MANY), /id\.txt: id "0" is listed twice$/],
      ['a long list of ids, most missing', Array.from({ length: MANY }, (_, i) => i).join('\n'), /data\.hdf5: id "240": no group with this id/],
    ];
    for (const [what, ids, message] of cases) {
      const o = await fresh.run('hdf5', { files: { 'data.hdf5': h5py.hdf5, 'id.txt': Buffer.from(ids) } });
      assert.equal(o.kind, 'error', `${what}: ${JSON.stringify(o).slice(0, 300)}`);
      if (o.kind !== 'error') continue;
      assert.match(o.message, message, what);
      assert.ok(o.mem.maxRssMiB - o.mem.baseMaxRssMiB < 256, `${what}: peak grew by ${o.mem.maxRssMiB - o.mem.baseMaxRssMiB} MiB`);
    }
  } finally {
    fresh.close();
  }
});
