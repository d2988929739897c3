// Fuzzing the CIFAR-10 binary batch reader on the fixture's batches: every accepted batch must
// decode exactly as the format says (checked against an independent decoding).
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { after, test } from 'node:test';
import * as fc from 'fast-check';
import { applyMutations, describeOps, FIXTURES, fuzz, labelled, opsArb, Sandbox } from './harness';

const sandbox = new Sandbox();
after(() => sandbox.close());

/** The fixture's batches, cut out of the tarball by their ustar headers (not through ssgan's reader). */
const TAR = zlib.gunzipSync(fs.readFileSync(path.join(FIXTURES, 'cifar10', 'cifar-10-binary.tar.gz')));
const BATCHES = new Map(['data_batch_1.bin', 'test_batch.bin'].map((name) => {
  const at = TAR.indexOf(Buffer.from(`cifar-10-batches-bin/${name}\0`));
  const size = parseInt(TAR.toString('latin1', at + 124, at + 135), 8);
  return [name, new Uint8Array(TAR.subarray(at + 512, at + 512 + size))];
}));
const RECORD = 3073;

function reference(b: Uint8Array): { images: string; labels: string; n: number } | null {
  if (b.length === 0 || b.length % RECORD !== 0) return null;
  const n = b.length / RECORD;
  const images = new Uint8Array(n * 3072), labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = b[i * RECORD];
    if (labels[i] > 9) return null;
    for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) for (let c = 0; c < 3; c++) {
      images[i * 3072 + (y * 32 + x) * 3 + c] = b[i * RECORD + 1 + c * 1024 + y * 32 + x];
    }
  }
  const sha = (v: ArrayBufferView) => crypto.createHash('sha1').update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)).digest('hex');
  return { images: sha(images), labels: sha(labels), n };
}

test('CIFAR-10 batches: mutated and truncated batches decode exactly as the format says, or are refused', async (t) => {
  const arb = fc.constantFrom(...BATCHES.keys()).chain((name) => {
    const seed = BATCHES.get(name)!;
    const hot: [number, number][] = Array.from({ length: seed.length / RECORD }, (_, i) => [i * RECORD, i * RECORD + 1]);
    return opsArb(seed.length, { hot }).map((ops) => labelled({ name, bytes: applyMutations(seed, ops) }, `${name}: ${describeOps(ops)}`));
  });
  const stats = await fuzz({
    sandbox, target: 'cifar', arb,
    input: (c) => ({ bytes: c.bytes, name: `fuzz/${c.name}` }),
    expect: (c) => (reference(c.bytes) ? 'read' : 'refuse'),
    check: (c, v) => {
      const r = reference(c.bytes)!;
      assert.deepEqual({ images: v.images, labels: v.labels, n: v.n }, r);
      assert.equal(v.imageBytes, v.n * 3072);
    },
  });
  t.diagnostic(stats.line('CIFAR-10 batch'));
});
