/**
 * state.pt read without libtorch (src/checkpoint/state-file.ts): the network tensors are the addon's
 * own, bit for bit (moving average included), the optimiser state is left out, a zip written by
 * another writer (Python's, without zip64) reads the same, and a damaged file is refused with one
 * line naming it, never a crash or a hang.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { readStateTensors } from '../../src/checkpoint/state-file';
import type { Weights } from '../../src/native/addon';
import { escapeRegExp, makeModel, stripeBatch } from '../helpers/model';
import { python } from '../helpers/python';
import { tmpDir } from '../helpers/tmp-dir';

const NETWORKS = (name: string): boolean => /^(D|G|D_ema)\./.test(name);
const dir = tmpDir('state-file');
const file = path.join(dir, 'state.pt');
let expected: Weights;

before(async () => {
  const m = makeModel({}, { emaDecay: 0.9 });
  const batch = stripeBatch(8, 28, 28, 1, 10);
  for (let s = 0; s < 3; s++) await m.step(s, s % 2 ? { generatorReal: batch } : { labeled: batch });
  await m.save(file);
  expected = { ...(await m.weights()) };
  for (const [name, t] of Object.entries(await m.weights(true))) if (name.startsWith('D.')) expected[`D_ema.${name.slice(2)}`] = t;
});

function assertSame(got: Weights, want: Weights): void {
  assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort());
  for (const [name, t] of Object.entries(want)) {
    assert.deepEqual(got[name].shape, t.shape, name);
    assert.ok(Buffer.from(got[name].data.buffer, got[name].data.byteOffset, got[name].data.byteLength).equals(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)), `${name} differs`);
  }
}

/**
 * state.pt rewritten by Python's zipfile (stored, no zip64), once per name, with data.pkl passed
 * through that name's `mutate` (Python source of a bytes -> bytes function): one Python run for all.
 * `pickleOnly`: data.pkl alone (the tensors' records left out: the pickle is read before them).
 */
function rewritten(variants: Record<string, string>, pickleOnly = false): Record<string, string> {
  const out = Object.fromEntries(Object.keys(variants).map((name) => [name, path.join(dir, name)]));
  python(`import json, sys, zipfile
src, variants, pickle_only = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3] == '1'
with zipfile.ZipFile(src) as a:
    records = [(i.filename, a.read(i.filename)) for i in a.infolist()]
for dst, mutate in variants:
    mutate = eval(mutate)
    with zipfile.ZipFile(dst, 'w', zipfile.ZIP_STORED) as b:
        for name, data in records:
            if name.endswith('/data.pkl'): b.writestr(name, mutate(data))
            elif not pickle_only: b.writestr(name, data)
print(json.dumps(True))`, file, JSON.stringify(Object.entries(variants).map(([name, mutate]) => [out[name], mutate])), pickleOnly ? '1' : '');
  return out;
}

test('the network tensors are the addon\'s, bit for bit, moving average included; the optimisers are not read', () => {
  const got = readStateTensors(file, NETWORKS);
  assertSame(got, expected);
  // Everything else at the top is the RNG and the moving average's update count (not float32).
  assert.deepEqual(Object.keys(readStateTensors(file, (n) => !/^(rng|ema\.updates)$/.test(n))).sort(), Object.keys(expected).sort(), 'the optimisers (nested modules) are no tensors of the state');
});

test('a zip written by another writer (no zip64) reads the same', () => {
  assertSame(readStateTensors(rewritten({ 'python.pt': 'lambda b: b' })['python.pt'], NETWORKS), expected);
});

test('a damaged state.pt is refused with one line naming it', () => {
  const bytes = fs.readFileSync(file);
  const refused = (f: string, why: RegExp): void => {
    assert.throws(() => readStateTensors(f, NETWORKS), (e: Error) => {
      assert.match(e.message, new RegExp(`^${escapeRegExp(f)}: `));
      assert.match(e.message, why);
      assert.doesNotMatch(e.message, /\n/);
      return true;
    });
  };
  const variant = (name: string, b: Uint8Array): string => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, b);
    return f;
  };
  refused(variant('empty.pt', new Uint8Array(0)), /not a zip archive/);
  refused(variant('text.pt', Buffer.from('not a checkpoint at all')), /not a zip archive/);
  refused(variant('truncated.pt', bytes.subarray(0, bytes.length >> 1)), /not a zip archive/);
  // One bit of a tensor's values: its record's CRC-32 no longer matches.
  const flipped = Buffer.from(bytes);
  const at = flipped.indexOf(Buffer.from('data/4')) + 1000; // D.conv2.weight, 73,728 bytes
  flipped[at] ^= 1;
  refused(variant('flipped.pt', flipped), /CRC-32 mismatch|a damaged zip/);
  refused(path.join(dir, 'missing.pt'), /cannot read/);
});

test('a pickle cut short or altered is refused or read, never a crash or a hang', () => {
  const lengths = python<number>(`import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
print(len(z.read([n for n in z.namelist() if n.endswith('/data.pkl')][0])))`, file);
  const cuts = [0, 1, 2, 20, 100, Math.floor(lengths / 2), lengths - 1];
  const cut = rewritten(Object.fromEntries(cuts.map((n) => [`cut-${n}.pt`, `lambda b: b[:${n}]`])), true);
  for (const [name, f] of Object.entries(cut)) assert.throws(() => readStateTensors(f, NETWORKS), /: not a checkpoint state this version reads \(/, name);
  // Opcodes and odd values at a few places: each is refused in one line naming the file (at the
  // latest for want of the tensors' records), never a crash or a hang.
  const variants: Record<string, string> = {};
  for (const pos of [0, 2, 17, 30, 83, 141, 150])
    for (const value of [0x00, 0x28, 0x2e, 0x4a, 0x58, 0x63, 0x68, 0x6a, 0x71, 0x72, 0x7d, 0x80, 0x81, 0x8a, 0xff])
      variants[`byte-${pos}-${value}.pt`] = `lambda b: b[:${pos}] + bytes([${value}]) + b[${pos + 1}:]`;
  for (const [name, f] of Object.entries(rewritten(variants, true))) {
    assert.throws(() => readStateTensors(f, NETWORKS), new RegExp(`^Error: ${escapeRegExp(f)}: not a checkpoint state this version reads \\([^\\n]+\\)$`), name);
  }
});
