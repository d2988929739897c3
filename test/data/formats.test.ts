import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mnistFromIdx, parseIdx } from '../../src/data/formats/idx';
import { parseCifarBatch } from '../../src/data/formats/cifar';
import { readTar } from '../../src/data/formats/tar';
import { svhnFromMat } from '../../src/data/formats/svhn';
import { parseMat5 } from '../../src/data/formats/mat5';
import { numpyShuffle } from '../../src/data/split';
import { python } from '../helpers/python';
import { FIXTURES } from '../helpers/repo-root';

test('gzip IDX (MNIST fixtures) decodes to the same pixels and labels as numpy', () => {
  const dir = path.join(FIXTURES, 'mnist');
  const m = mnistFromIdx(parseIdx(fs.readFileSync(path.join(dir, 'train-images-idx3-ubyte.gz'))), parseIdx(fs.readFileSync(path.join(dir, 'train-labels-idx1-ubyte.gz'))));
  const exp = python<{ n: number; sums: number[]; labels: number[]; px: number[] }>(`
import gzip, json, numpy as np, sys
d = sys.argv[1]
im = np.frombuffer(gzip.open(d + '/train-images-idx3-ubyte.gz').read(), np.uint8, offset=16).reshape(-1, 28, 28)
lb = np.frombuffer(gzip.open(d + '/train-labels-idx1-ubyte.gz').read(), np.uint8, offset=8)
print(json.dumps({'n': len(lb), 'sums': [int(x) for x in im.reshape(len(lb), -1).sum(1)], 'labels': lb.tolist(), 'px': im[7, 10:14, 14].tolist()}))`, dir);
  assert.equal(m.labels.length, exp.n);
  assert.equal(m.h, 28);
  assert.deepEqual(Array.from(m.labels), exp.labels);
  const sums = Array.from({ length: exp.n }, (_, i) => m.images.subarray(i * 784, (i + 1) * 784).reduce((a, b) => a + b, 0));
  assert.deepEqual(sums, exp.sums);
  assert.deepEqual([10, 11, 12, 13].map((r) => m.images[7 * 784 + r * 28 + 14]), exp.px);
});

test('CIFAR-10 binary tarball: records become NHWC images with the right labels', () => {
  const file = path.join(FIXTURES, 'cifar10', 'cifar-10-binary.tar.gz');
  const members = new Map([...readTar(fs.readFileSync(file))].map((e) => [e.name, e.data]));
  const b = parseCifarBatch(members.get('cifar-10-batches-bin/test_batch.bin')!);
  const exp = python<{ labels: number[]; rgb: number[][] }>(`
import tarfile, json, numpy as np, sys
t = tarfile.open(sys.argv[1])
raw = np.frombuffer(t.extractfile('cifar-10-batches-bin/test_batch.bin').read(), np.uint8).reshape(-1, 3073)
img = raw[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
print(json.dumps({'labels': raw[:, 0].tolist(), 'rgb': [img[i, 5, 17].tolist() for i in range(len(raw))]}))`, file);
  assert.equal(b.labels.length, 50);
  assert.deepEqual(Array.from(b.labels), exp.labels);
  for (let i = 0; i < 50; i++) {
    const o = i * 3072 + (5 * 32 + 17) * 3;
    assert.deepEqual(Array.from(b.images.subarray(o, o + 3)), exp.rgb[i], `image ${i}`);
  }
  assert.equal(Buffer.from(members.get('cifar-10-batches-bin/batches.meta.txt')!).toString().split('\n')[0], 'airplane');
});

test('SVHN .mat (compressed MAT 5, uint8 and double y): shapes, labels and the fixture colouring', () => {
  for (const [name, n] of [['train_32x32.mat', 120], ['test_32x32.mat', 60]] as const) {
    const buf = fs.readFileSync(path.join(FIXTURES, 'svhn', name));
    const vars = parseMat5(buf);
    assert.deepEqual(vars.get('X')!.dims, [32, 32, 3, n]);
    assert.equal(vars.get('y')!.className, name.startsWith('train') ? 'uint8' : 'double');
    const s = svhnFromMat(buf, name);
    assert.equal(s.labels.length, n);
    assert.ok(s.labels.every((l) => l >= 0 && l <= 9));
    assert.ok(new Set(s.labels).size >= 8, 'labels should cover most digits');
    const rawY = Array.from(vars.get('y')!.data);
    rawY.forEach((y, i) => assert.equal(s.labels[i], y === 10 ? 0 : y));
    // R = digit, G = 255 - digit, B = digit / 2 in every pixel (and the digit is not blank)
    let ink = 0;
    for (let p = 0; p < n * 1024; p++) {
      const [r, g, b] = [s.images[3 * p], s.images[3 * p + 1], s.images[3 * p + 2]];
      assert.ok(Math.abs(r + g - 255) <= 1 && Math.abs(b - r / 2) <= 1, `pixel ${p}: ${r},${g},${b}`);
      ink += r;
    }
    assert.ok(ink > n * 1024 * 10);
    // column-major -> row-major: a digit is upright, so the centre column has more ink than the edge rows
    const centre = (i: number, r: number, c: number) => s.images[((i * 32 + r) * 32 + c) * 3];
    let mid = 0, edge = 0;
    for (let r = 0; r < 32; r++) { mid += centre(0, r, 16); edge += centre(0, 0, r); }
    assert.ok(mid > edge);
  }
});

test('tar reader refuses traversal, absolute paths and links', () => {
  const hostile = (name: string, type = '0', link = ''): Buffer => {
    const h = Buffer.alloc(512);
    h.write(name, 0); h.write('0000644\0', 100); h.write('00000000005\0', 124); h.write(type, 156); h.write(link, 157); h.write('ustar\0', 257);
    h.fill(32, 148, 156);
    let sum = 0; for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    return Buffer.concat([h, Buffer.from('hello'.padEnd(512, '\0')), Buffer.alloc(1024)]);
  };
  assert.throws(() => [...readTar(hostile('../evil.txt'))], /outside the target/);
  assert.throws(() => [...readTar(hostile('a/../../evil.txt'))], /outside the target/);
  assert.throws(() => [...readTar(hostile('/etc/evil'))], /absolute path/);
  assert.throws(() => [...readTar(hostile('link', '2', '/etc/passwd'))], /symbolic link/);
  assert.throws(() => [...readTar(hostile('hard', '1', 'x'))], /hard link/);
  assert.deepEqual([...readTar(hostile('ok/file.txt'))].map((e) => e.name), ['ok/file.txt']);
});

test('seeded split permutation equals numpy RandomState.shuffle', () => {
  const exp = python<number[]>('import numpy as np, json\na = list(range(1000)); np.random.RandomState(123).shuffle(a); print(json.dumps(a))');
  assert.deepEqual(Array.from(numpyShuffle(1000, 123)), exp);
});
