// Fuzzing the MNIST readers: IDX files, gzip'd (as the mirrors serve them) and raw (the offline
// copy), mutated before and after compression; and `ssgan download`'s MNIST conversion.
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { after, test } from 'node:test';
import * as fc from 'fast-check';
import { MAX_INFLATED_BYTES } from '../../src/data/formats/inflate';
import { applyMutations, describeOps, FIXTURES, fuzz, labelled, LONG, opsArb, Sandbox } from './harness';

const sandbox = new Sandbox();
after(() => sandbox.close());

const FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];
const GZ = new Map(FILES.map((f) => [f, new Uint8Array(fs.readFileSync(path.join(FIXTURES, 'mnist', f)))]));
const RAW = new Map(FILES.map((f) => [f, new Uint8Array(zlib.gunzipSync(GZ.get(f)!))]));
const HOT: [number, number][] = [[0, 16]]; // magic, type, ndims, dims

type Layer = 'raw' | 'gzip-inner' | 'gzip-outer';
interface Case { file: string; layer: Layer; bytes: Uint8Array }

const caseArb: fc.Arbitrary<Case> = fc.tuple(fc.constantFrom(...FILES), fc.constantFrom<Layer>('raw', 'gzip-inner', 'gzip-outer')).chain(([file, layer]) => {
  const seed = layer === 'gzip-outer' ? GZ.get(file)! : RAW.get(file)!;
  return opsArb(seed.length, { hot: layer === 'gzip-outer' ? [[0, 32], [seed.length - 8, seed.length]] : HOT }).map((ops) => {
    const m = applyMutations(seed, ops);
    const bytes = layer === 'gzip-inner' ? new Uint8Array(zlib.gzipSync(m, { level: 1 })) : m;
    return labelled({ file, layer, bytes }, `${file} (${layer}): ${describeOps(ops)}`);
  });
});

const sha = (b: Uint8Array): string => crypto.createHash('sha1').update(b).digest('hex');

/** What a correct reader returns for these bytes (an independent reading of the format), or null. */
function reference(bytes: Uint8Array): { dims: number[]; length: number; data: string } | null {
  let raw = bytes;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try { raw = zlib.gunzipSync(bytes); } catch { return null; }
  }
  if (raw.length < 4 || raw[0] !== 0 || raw[1] !== 0 || raw[2] !== 8) return null;
  const nd = raw[3];
  if (raw.length < 4 + 4 * nd) return null;
  const dims = Array.from({ length: nd }, (_, i) => Buffer.from(raw.buffer, raw.byteOffset, raw.length).readUInt32BE(4 + 4 * i));
  const n = dims.reduce((a, b) => a * b, 1);
  if (raw.length !== 4 + 4 * nd + n) return null;
  return { dims, length: n, data: sha(raw.subarray(4 + 4 * nd)) };
}

test('IDX: mutated and truncated MNIST files (gzip and raw) read exactly as the format says, or are refused', async (t) => {
  const stats = await fuzz({
    sandbox, target: 'idx', arb: caseArb,
    input: (c) => ({ bytes: c.bytes, name: `fuzz/${c.file}` }),
    check: (c, v) => assert.deepEqual(v, reference(c.bytes), 'the reader accepted bytes the format does not allow, or read them wrongly'),
    expect: (c) => (reference(c.bytes) === null ? 'refuse' : 'read'),
  });
  t.diagnostic(stats.line('IDX'));
});

test('MNIST download conversion: one of the four files mutated; the dataset is consistent or refused naming that file', async (t) => {
  const stats = await fuzz({
    sandbox, target: 'mnist-build', arb: caseArb,
    input: (c) => ({ files: Object.fromEntries(FILES.map((f) => [f, f === c.file ? c.bytes : GZ.get(f)!])) }),
    file: (c) => c.file,
    check: (_c, v) => {
      assert.equal(v.imageBytes, v.n * v.h * v.w * v.c);
      assert.ok(v.h > 0 && v.w > 0 && v.labelRange[0] >= 0 && v.labelRange[1] <= 9);
    },
  });
  t.diagnostic(stats.line('MNIST conversion'));
});

test('IDX: a header claiming 10^12 pixels or 2^32-1 labels is refused before anything is allocated', async () => {
  const header = (dims: number[]): Buffer => {
    const b = Buffer.alloc(4 + 4 * dims.length);
    b.writeUInt32BE(0x800 | dims.length, 0);
    dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
    return b;
  };
  for (const [dims, data] of [[[1_000_000, 1000, 1000], 784], [[0xffffffff], 100], [[0xffffffff, 0xffffffff, 0xffffffff], 0]] as const) {
    for (const gz of [false, true]) {
      let bytes: Uint8Array = Buffer.concat([header([...dims]), Buffer.alloc(data)]);
      if (gz) bytes = zlib.gzipSync(bytes);
      const o = await sandbox.run('idx', { bytes, name: 'huge.idx' });
      assert.equal(o.kind, 'error', JSON.stringify(o));
      if (o.kind !== 'error') continue;
      assert.match(o.message, /^huge\.idx: IDX data is \d+ bytes, dims \[[\d,]+\] need \d+/);
      assert.ok(o.mem.externalMiB - o.mem.baseExternalMiB < 16, `allocated ${o.mem.externalMiB - o.mem.baseExternalMiB} MiB`);
    }
  }
});

/** Gzip members, each 16 MiB of zeros: concatenated they form one valid gzip file of `mib` MiB. */
function bomb(mib: number): Uint8Array {
  const member = zlib.gzipSync(Buffer.alloc(16 * 2 ** 20), { level: 9 });
  return Buffer.concat(new Array(Math.ceil(mib / 16)).fill(member));
}

test('gzip bomb: inflation stops at the limit with an error naming the file; memory stays near the limit', async () => {
  const fresh = new Sandbox(); // its own child: the peak memory of earlier cases does not count
  try {
    const b = bomb(64); // 64 MiB from ~64 KiB
    assert.ok(b.length < 128 * 1024);
    const o = await fresh.run('idx-limit', { bytes: b, name: 'bomb.gz', args: { limit: 8 * 2 ** 20 } });
    assert.equal(o.kind, 'error', JSON.stringify(o));
    if (o.kind !== 'error') return;
    assert.equal(o.message, `bomb.gz: gzip data inflates past ${8 * 2 ** 20} bytes, the limit for one file; refused`);
    assert.ok(o.mem.maxRssMiB - o.mem.baseMaxRssMiB < 8 + 48, `peak grew by ${o.mem.maxRssMiB - o.mem.baseMaxRssMiB} MiB`);
  } finally {
    fresh.close();
  }
});

test('gzip bomb at the default limit (1 GiB; npm run fuzz only)', { skip: !LONG && 'runs under npm run fuzz' }, async () => {
  const fresh = new Sandbox(); // its own child: the peak memory of earlier cases does not count
  try {
    const b = bomb(MAX_INFLATED_BYTES / 2 ** 20 + 16);
    // Inflating 1 GiB is bounded work, but takes longer than a hang's 10 s on a busy machine.
    const o = await fresh.run('idx', { bytes: b, name: 'bomb.gz' }, 120_000);
    assert.equal(o.kind, 'error', JSON.stringify(o).slice(0, 500));
    if (o.kind !== 'error') return;
    assert.equal(o.message, `bomb.gz: gzip data inflates past ${MAX_INFLATED_BYTES} bytes, the limit for one file; refused`);
    assert.ok(o.mem.maxRssMiB - o.mem.baseMaxRssMiB < 1024 + 256, `peak grew by ${o.mem.maxRssMiB - o.mem.baseMaxRssMiB} MiB`);
  } finally {
    fresh.close();
  }
});
