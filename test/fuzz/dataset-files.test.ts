// Fuzzing the small files beside a dataset and a run: split.json and meta.json (read by every
// load), data.packed (the cache; damaged -> ignored and rebuilt, never trusted), and labeled.json
// (`--labeled-ids`). Each starts from the file as ssgan writes it, then is mutated structurally
// (values of the wrong type, extremes, deletions) or as bytes.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import * as fc from 'fast-check';
import { mnistFromIdx, parseIdx } from '../../src/data/formats/idx';
import { Fingerprint, writePacked } from '../../src/data/packed-cache';
import { applyMutations, CASE_DIR, describeOps, FIXTURES, fuzz, jsonFileArb, labelled, opsArb, Sandbox } from './harness';

const sandbox = new Sandbox({ h5wasm: true });
after(() => sandbox.close());

// The seed-h5 fixture: ids "0".."239", 160 training examples then 80 test, K = 10.
const IDS = Array.from({ length: 240 }, (_, i) => String(i));
const SPLIT = { train: IDS.slice(0, 160), test: IDS.slice(160) };
const META = { name: 'MNIST', classNames: Array.from({ length: 10 }, (_, i) => String(i)), h: 28, w: 28, c: 1, k: 10, count: 240, train: 160 };
const LABELED = { numLabeled: 20, labelSeed: 1, unlabeled: 'rest', ids: ['3', '17', '21', '40', '44', '58', '61', '77', '80', '92', '101', '105', '110', '118', '121', '133', '140', '147', '150', '159'] };

const text = (v: unknown): Uint8Array => new Uint8Array(Buffer.from(JSON.stringify(v, null, 1)));

test('split.json and meta.json: a mutated pair loads a consistent dataset or is refused naming the file', async (t) => {
  type Part = { bytes: Uint8Array; what: string } | null;
  const part = (seed: unknown): fc.Arbitrary<Part> => fc.oneof({ weight: 4, arbitrary: jsonFileArb(seed) }, { weight: 1, arbitrary: fc.constant({ bytes: text(seed), what: 'as written' }) }, { weight: 1, arbitrary: fc.constant(null) });
  const arb = fc.tuple(part(SPLIT), part(META)).map(([split, meta]) => labelled({ split, meta }, `split.json: ${split?.what ?? 'absent'}; meta.json: ${meta?.what ?? 'absent'}`));
  const stats = await fuzz({
    sandbox, target: 'dataset', arb,
    input: (c) => ({ files: { ...(c.split && { 'split.json': c.split.bytes }), ...(c.meta && { 'meta.json': c.meta.bytes }) } }),
    file: () => '.json', // split.json or meta.json, in the sandbox's dataset folder
    check: (c, v: { k: number; classNames: unknown[]; n: number; train: number[]; test: number[]; splitKind: string }) => {
      assert.equal(v.classNames.length, v.k);
      assert.ok(v.classNames.every((s) => typeof s === 'string'));
      const all = [...v.train, ...v.test];
      assert.ok(all.every((i) => Number.isInteger(i) && i >= 0 && i < v.n), 'index outside the dataset');
      assert.equal(new Set(all).size, all.length, 'an example in both splits, or twice');
      assert.ok(v.train.length > 0 && v.test.length > 0, 'an empty split');
      assert.equal(v.splitKind, c.split ? 'official' : 'seed');
    },
  });
  t.diagnostic(stats.line('split.json + meta.json'));
});

const SOURCE: Fingerprint = { hdf5: { size: 647160, mtimeMs: 1764650520000 }, ids: { size: 850, mtimeMs: 1764650520000 } };
let PACKED: Uint8Array;

before(async () => {
  const m = mnistFromIdx(parseIdx(fs.readFileSync(path.join(FIXTURES, 'mnist', 't10k-images-idx3-ubyte.gz'))), parseIdx(fs.readFileSync(path.join(FIXTURES, 'mnist', 't10k-labels-idx1-ubyte.gz'))));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssgan-fuzz-packed-'));
  await writePacked(path.join(dir, 'data.packed'), { h: m.h, w: m.w, c: 1, k: 10, count: m.labels.length, source: SOURCE, images: m.images, labels: m.labels });
  PACKED = new Uint8Array(fs.readFileSync(path.join(dir, 'data.packed')));
  fs.rmSync(dir, { recursive: true, force: true });
});

test('data.packed: a damaged cache is ignored (rebuilt), never trusted, never a crash or a huge allocation', async (t) => {
  const jsonLen = Buffer.from(PACKED).readUInt32LE(8);
  const header = JSON.parse(Buffer.from(PACKED.subarray(12, 12 + jsonLen)).toString());
  const arb = fc.oneof(
    opsArb(PACKED.length, { hot: [[0, 12 + jsonLen], [PACKED.length - 400, PACKED.length]] }).map((ops) => labelled({ bytes: applyMutations(PACKED, ops) }, `bytes: ${describeOps(ops)}`)),
    jsonFileArb(header).map(({ bytes, what }) => { // a new header, the data as it was
      const pre = Buffer.alloc(Math.ceil((12 + bytes.length) / 64) * 64);
      pre.write('SSGANPK1', 0, 'latin1'); pre.writeUInt32LE(bytes.length, 8); Buffer.from(bytes).copy(pre, 12);
      return labelled({ bytes: new Uint8Array(Buffer.concat([pre, PACKED.subarray(Math.ceil((12 + jsonLen) / 64) * 64)])) }, `header ${what}`);
    }),
  );
  const stats = await fuzz({
    sandbox, target: 'packed', arb,
    input: (c) => ({ files: { 'data.packed': c.bytes }, args: { source: SOURCE } }),
    file: () => 'data.packed',
    expect: () => 'read', // damaged -> null (rebuild), never an error
    check: (_c, v) => {
      if (v === null) return;
      for (const x of [v.h, v.w, v.c, v.k, v.count]) assert.ok(Number.isInteger(x) && x > 0, JSON.stringify(v));
      assert.equal(v.imageBytes, v.count * v.h * v.w * v.c);
      assert.ok(v.labelRange[0] >= 0 && v.labelRange[1] < v.k, `labels ${v.labelRange} for K = ${v.k}`);
    },
  });
  t.diagnostic(stats.line('data.packed'));
});

test('data.packed: a header claiming 10^12 images or a 4 GiB header is ignored without allocating', async () => {
  const fresh = new Sandbox(); // its own child: the peak memory of earlier cases does not count
  try {
    const jsonLen = Buffer.from(PACKED).readUInt32LE(8);
    const header = JSON.parse(Buffer.from(PACKED.subarray(12, 12 + jsonLen)).toString());
    const huge = Buffer.from(JSON.stringify({ ...header, count: 1e12 }));
    const pre = Buffer.alloc(Math.ceil((12 + huge.length) / 64) * 64);
    pre.write('SSGANPK1', 0, 'latin1'); pre.writeUInt32LE(huge.length, 8); huge.copy(pre, 12);
    const longHeader = Buffer.from(PACKED); longHeader.writeUInt32LE(0xffffffff, 8);
    for (const bytes of [Buffer.concat([pre, PACKED.subarray(64)]), longHeader]) {
      const o = await fresh.run('packed', { files: { 'data.packed': bytes }, args: { source: SOURCE } });
      assert.equal(o.kind, 'ok', JSON.stringify(o).slice(0, 300));
      if (o.kind !== 'ok') continue;
      assert.equal(o.value, null);
      assert.ok(o.mem.externalMiB - o.mem.baseExternalMiB < 64 && o.mem.maxRssMiB - o.mem.baseMaxRssMiB < 64, JSON.stringify(o.mem));
    }
  } finally {
    fresh.close();
  }
});

test('labeled.json (--labeled-ids): mutated files give labeled training examples or a one-line error naming the file', async (t) => {
  const arb = fc.oneof(
    { weight: 3, arbitrary: jsonFileArb(LABELED) },
    { weight: 1, arbitrary: jsonFileArb(LABELED.ids) }, // the plain-list form
  ).map((f) => labelled(f, f.what));
  const train = Array.from({ length: 160 }, (_, i) => i);
  const stats = await fuzz({
    sandbox, target: 'labels', arb,
    input: (c) => ({ files: { 'labeled.json': c.bytes }, args: { ids: IDS, train } }),
    file: () => `${CASE_DIR}/labeled.json`,
    check: (_c, v: number[]) => {
      assert.ok(v.length > 0 && v.every((i) => Number.isInteger(i) && i >= 0 && i < 160), 'not from the training split');
      assert.ok(v.every((x, i) => i === 0 || v[i - 1] < x), 'not sorted and unique');
    },
  });
  t.diagnostic(stats.line('labeled.json'));
});
