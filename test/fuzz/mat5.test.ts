// Fuzzing the MATLAB level 5 reader and the SVHN conversion on the fixture's .mat files (written by
// scipy.io.savemat with compressed elements): mutations of the file as it is, of the inside of one
// compressed element (re-compressed, so zlib's check does not hide them), and of the same file with
// its elements stored uncompressed (as MATLAB -v6 and savemat's default write them).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { after, test } from 'node:test';
import * as fc from 'fast-check';
import { applyMutations, describeOps, FIXTURES, fuzz, labelled, Mutation, opsArb, Sandbox } from './harness';

const sandbox = new Sandbox();
after(() => sandbox.close());

const FILES = ['train_32x32.mat', 'test_32x32.mat'];
const SEEDS = new Map(FILES.map((f) => [f, new Uint8Array(fs.readFileSync(path.join(FIXTURES, 'svhn', f)))]));

interface Element { at: number; type: number; body: Uint8Array }

/** The top-level data elements of a little-endian MAT-file (the fixture's layout). */
function elements(buf: Uint8Array): Element[] {
  const v = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: Element[] = [];
  for (let pos = 128; pos + 8 <= v.length;) {
    const type = v.readUInt32LE(pos), n = v.readUInt32LE(pos + 4);
    out.push({ at: pos, type, body: buf.subarray(pos + 8, pos + 8 + n) });
    pos += 8 + (type === 15 ? n : Math.ceil(n / 8) * 8);
  }
  return out;
}

function element(type: number, body: Uint8Array): Uint8Array {
  const tag = Buffer.alloc(8);
  tag.writeUInt32LE(type, 0);
  tag.writeUInt32LE(body.length, 4);
  const pad = type === 15 ? 0 : (8 - (body.length % 8)) % 8;
  return Buffer.concat([tag, body, Buffer.alloc(pad)]);
}

const concat = (parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

/** The same file with every compressed element stored inflated. */
function uncompressed(buf: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [buf.subarray(0, 128)];
  for (const e of elements(buf)) parts.push(e.type === 15 ? zlib.inflateSync(e.body) : element(e.type, e.body)); // inflated: a whole tagged element
  return concat(parts);
}

/** Header fields of a miMATRIX element's start: tags of flags, dims, name, and the data tag. */
const MATRIX_HOT: [number, number][] = [[0, 64]];
const MAT_WORDS = ['MATLAB 5.0 MAT-file', 'IM', 'MI', 'X\0\0\0\0\0\0\0', 'y\0\0\0\0\0\0\0', '\n'];

type Mode = 'file' | 'element' | 'uncompressed';
interface Case { file: string; mode: Mode; bytes: Uint8Array }

const caseArb: fc.Arbitrary<Case> = fc.tuple(fc.constantFrom(...FILES), fc.constantFrom<Mode>('file', 'element', 'uncompressed'), fc.nat())
  .chain(([file, mode, pick]) => {
    const seed = SEEDS.get(file)!;
    if (mode === 'element') {
      const els = elements(seed);
      const e = els[pick % els.length];
      const inner = zlib.inflateSync(e.body);
      return opsArb(inner.length, { hot: MATRIX_HOT, dictionary: MAT_WORDS }).map((ops) => {
        const parts: Uint8Array[] = [seed.subarray(0, 128)];
        for (const x of els) parts.push(x === e ? element(15, zlib.deflateSync(applyMutations(inner, ops), { level: 1 })) : element(x.type, x.body));
        return labelled<Case>({ file, mode, bytes: concat(parts) }, `${file} element ${els.indexOf(e)}: ${describeOps(ops)}`);
      });
    }
    const base = mode === 'uncompressed' ? uncompressed(seed) : seed;
    const hot: [number, number][] = [[116, 128], ...elements(base).flatMap((x): [number, number][] => [[x.at, x.at + 72]])];
    return opsArb(base.length, { hot, dictionary: MAT_WORDS }).map((ops: Mutation[]) =>
      labelled<Case>({ file, mode, bytes: applyMutations(base, ops) }, `${file} (${mode}): ${describeOps(ops)}`));
  });

test('MAT-file: mutated SVHN files give well-formed variables or a one-line error', async (t) => {
  const stats = await fuzz({
    sandbox, target: 'mat5', arb: caseArb,
    input: (c) => ({ bytes: c.bytes, name: `fuzz/${c.file}` }),
    check: (_c, vars: { name: string; className: string; dims: number[]; length: number }[]) => {
      for (const v of vars) {
        assert.ok(v.dims.every((d) => Number.isInteger(d) && d >= 0), `dims [${v.dims}]`);
        assert.equal(v.length, v.dims.reduce((a, b) => a * b, 1));
      }
    },
  });
  t.diagnostic(stats.line('MAT-file'));
});

test('SVHN conversion: mutated .mat files give consistent images and labels 0..9, or a one-line error', async (t) => {
  const stats = await fuzz({
    sandbox, target: 'svhn', arb: caseArb,
    input: (c) => ({ bytes: c.bytes, name: `fuzz/${c.file}` }),
    check: (_c, v) => {
      assert.ok(v.h > 0 && v.w > 0 && v.c > 0 && v.n > 0, JSON.stringify(v));
      assert.equal(v.imageBytes, v.n * v.h * v.w * v.c);
      assert.ok(v.labelRange[0] >= 0 && v.labelRange[1] <= 9);
    },
  });
  t.diagnostic(stats.line('SVHN conversion'));
});

test('MAT-file: X claiming 2^31-1 images, or an element claiming 4 GiB, is refused before allocating', async () => {
  const seed = uncompressed(SEEDS.get('test_32x32.mat')!);
  const b = Buffer.from(seed);
  // X's dims element: the int32 [32, 32, 3, 60] sits after the matrix tag (8) and the flags element (16).
  const xAt = elements(seed).find((e) => e.type === 14 && Buffer.from(e.body).includes(Buffer.from('X')))!.at;
  const dims = xAt + 8 + 16 + 8;
  assert.deepEqual([0, 4, 8, 12].map((o) => b.readInt32LE(dims + o)), [32, 32, 3, 60]);
  b.writeInt32LE(0x7fffffff, dims + 12);
  let o = await sandbox.run('svhn', { bytes: b, name: 'huge.mat' });
  assert.equal(o.kind, 'error');
  if (o.kind === 'error') {
    assert.match(o.message, /^huge\.mat: variable "X" has \d+ values for dims \[32,32,3,2147483647\]$/);
    assert.ok(o.mem.externalMiB - o.mem.baseExternalMiB < 64);
  }
  const c = Buffer.from(seed);
  c.writeUInt32LE(0xffffffff, xAt + 4);
  o = await sandbox.run('svhn', { bytes: c, name: 'huge.mat' });
  assert.equal(o.kind, 'error');
  if (o.kind === 'error') assert.match(o.message, /^huge\.mat: MAT data element at byte \d+ claims 4294967295 bytes past the end$/);
});

test('MAT-file: a compressed element that inflates past the limit is refused', async () => {
  const seed = SEEDS.get('test_32x32.mat')!;
  const bomb = element(15, zlib.deflateSync(Buffer.alloc(64 * 2 ** 20)));
  const o = await sandbox.run('mat5-limit', { bytes: concat([seed.subarray(0, 128), bomb]), name: 'bomb.mat', args: { limit: 8 * 2 ** 20 } });
  assert.equal(o.kind, 'error');
  if (o.kind === 'error') assert.equal(o.message, `bomb.mat: zlib data inflates past ${8 * 2 ** 20} bytes, the limit for one file; refused`);
});
