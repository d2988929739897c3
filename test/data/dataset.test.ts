import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadDataset, resolveDatasetDir, writeDataset, PACKED_FILE } from '../../src/data/dataset';
import { python } from '../helpers/python';
import { FIXTURES } from '../helpers/repo-root';
import { tmpDir } from '../helpers/tmp-dir';

function synthetic(count: number, h: number, w: number, c: number, k: number) {
  const images = Uint8Array.from({ length: count * h * w * c }, (_, i) => (i * 31 + (i >> 7)) & 255);
  const labels = Int32Array.from({ length: count }, (_, i) => (i * 7) % k);
  return { images, labels, h, w, c, k };
}

test('writeDataset output reads in h5py as the seed writes it: uint8 images, bool one-hot labels', async () => {
  const dir = path.join(tmpDir('w'), 'TOY');
  const d = synthetic(37, 5, 4, 3, 4);
  await writeDataset(dir, { ...d, classNames: ['a', 'b', 'c', 'd'], train: 30 });
  const got = python<{ ids: string[]; dtypes: string[]; shape: number[]; labels: number[]; images: number[]; f32: number[] }>(`
import h5py, json, numpy as np, sys
f = h5py.File(sys.argv[1] + '/data.hdf5', 'r')
ids = open(sys.argv[1] + '/id.txt').read().split()
print(json.dumps({'ids': ids, 'dtypes': sorted({str(f[i]['label'].dtype) + '/' + str(f[i]['image'].dtype) for i in ids}),
  'shape': list(f['0']['image'].shape), 'labels': [int(np.argmax(f[i]['label'][()])) for i in ids],
  'images': np.concatenate([f[i]['image'][()].ravel() for i in ids]).tolist(),
  'f32': np.array(f['3']['label']).astype(np.float32).tolist()}))`, dir);
  assert.deepEqual(got.ids, Array.from({ length: 37 }, (_, i) => String(i)));
  assert.deepEqual(got.dtypes, ['bool/uint8']);
  assert.deepEqual(got.shape, [5, 4, 3]);
  assert.deepEqual(got.labels, Array.from(d.labels));
  assert.deepEqual(got.images, Array.from(d.images));
  assert.deepEqual(got.f32, [0, 0, 0, 1].map((x, i) => (i === d.labels[3] ? 1 : 0)));

  const back = await loadDataset(dir);
  assert.equal(back.splitKind, 'official');
  assert.deepEqual([back.h, back.w, back.c, back.k], [5, 4, 3, 4]);
  assert.deepEqual(back.classNames, ['a', 'b', 'c', 'd']);
  assert.deepEqual(Array.from(back.train), Array.from({ length: 30 }, (_, i) => i));
  assert.deepEqual(Array.from(back.test), [30, 31, 32, 33, 34, 35, 36]);
  assert.deepEqual(back.images, d.images);
  assert.deepEqual(back.labels, d.labels);
});

test('reads the seed project\'s own h5py file (test/fixtures/seed-h5), cold and cached, with the seed\'s split', async () => {
  const dir = path.join(tmpDir('seed'), 'seed-h5');
  fs.mkdirSync(dir);
  for (const f of ['data.hdf5', 'id.txt']) fs.copyFileSync(path.join(FIXTURES, 'seed-h5', f), path.join(dir, f));
  const exp = python<{ labels: number[]; sums: number[]; train: string[] }>(`
import h5py, json, numpy as np, sys
f = h5py.File(sys.argv[1] + '/data.hdf5', 'r')
ids = [l.strip() for l in open(sys.argv[1] + '/id.txt') if l.strip()]
sh = list(ids); np.random.RandomState(123).shuffle(sh)
print(json.dumps({'labels': [int(np.argmax(f[i]['label'][()])) for i in ids], 'sums': [int(f[i]['image'][()].astype(np.int64).sum()) for i in ids], 'train': sh[:int(len(ids) * 0.8)]}))`, dir);
  for (const pass of ['cold', 'cached']) {
    const d = await loadDataset(dir);
    assert.ok(fs.existsSync(path.join(dir, PACKED_FILE)), pass);
    assert.deepEqual([d.h, d.w, d.c, d.k, d.ids.length], [28, 28, 1, 10, 240]);
    assert.equal(d.splitKind, 'seed');
    assert.deepEqual(Array.from(d.labels), exp.labels);
    assert.deepEqual(Array.from({ length: 240 }, (_, i) => d.images.subarray(i * 784, (i + 1) * 784).reduce((a, b) => a + b, 0)), exp.sums);
    assert.deepEqual(Array.from(d.train, (i) => d.ids[i]), exp.train);
    assert.equal(d.test.length, 48);
  }
});

test('the cache is rebuilt when data.hdf5 changes', async () => {
  const dir = path.join(tmpDir('inv'), 'D');
  await writeDataset(dir, { ...synthetic(10, 2, 2, 1, 2), train: 8 });
  const before = await loadDataset(dir);
  python<null>(`
import h5py, sys, numpy as np
f = h5py.File(sys.argv[1] + '/data.hdf5', 'a'); f['4']['image'][...] = 200; print('null')`, dir);
  const after = await loadDataset(dir);
  assert.notDeepEqual(before.images.subarray(16, 20), after.images.subarray(16, 20));
  assert.deepEqual(Array.from(after.images.subarray(16, 20)), [200, 200, 200, 200]);
});

test('validation: one clear error naming the file and the id', async () => {
  const root = tmpDir('bad');
  const make = (name: string, body: string, ids = '0\n1\n2\n'): string => {
    const dir = path.join(root, name);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'id.txt'), ids);
    python<null>(`
import h5py, sys, numpy as np
f = h5py.File(sys.argv[1] + '/data.hdf5', 'w')
def put(i, img, lab):
    g = f.create_group(i); g['image'] = img; g['label'] = lab
${body}
print('null')`, dir);
    return dir;
  };
  const ok = (k = 3) => `np.eye(${k}, dtype=bool)`;
  const cases: [string, string, RegExp, string?][] = [
    ['nogroup', `e = ${ok()}\nfor i in ['0', '1']: put(i, np.zeros((4, 4, 1), np.uint8), e[int(i)])`, /id "2": no group/],
    ['shapes', `e = ${ok()}\nfor i in range(3): put(str(i), np.zeros((4, 4 + (i == 2), 1), np.uint8), e[i])`, /id "2": image has shape \[4,5,1\].*one shape/],
    ['onehot', `for i in range(3): put(str(i), np.zeros((4, 4, 1), np.uint8), np.array([1, i == 1, 0], bool))`, /id "1": label \[1, 1, 0\] is not one-hot/],
    ['range', `e = ${ok()}\nfor i in range(3): put(str(i), np.full((4, 4, 1), 300 if i == 1 else 3, np.int32), e[i])`, /id "1": image is not uint8 and has value 300 outside 0\.\.255/],
    ['k1', `for i in range(3): put(str(i), np.zeros((4, 4, 1), np.uint8), np.ones(1, bool))`, /K = 1/],
    ['empty', ``, /empty dataset/, ''],
  ];
  for (const [name, body, re, ids] of cases) {
    const dir = make(name, body, ids);
    await assert.rejects(loadDataset(dir), (err: Error) => {
      assert.match(err.message, re, name);
      assert.ok(err.message.includes(dir), `${name}: names the file: ${err.message}`);
      assert.ok(!err.message.includes('\n'), 'one line');
      return true;
    });
  }
  const missing = path.join(root, 'missing');
  fs.mkdirSync(missing);
  fs.writeFileSync(path.join(missing, 'id.txt'), '0\n');
  await assert.rejects(loadDataset(missing), /data\.hdf5: missing/);
  fs.rmSync(path.join(missing, 'id.txt'));
  fs.copyFileSync(path.join(FIXTURES, 'seed-h5', 'data.hdf5'), path.join(missing, 'data.hdf5'));
  await assert.rejects(loadDataset(missing), /id\.txt: missing/);
});

test('resolveDatasetDir: --dataset-dir wins, names match case-insensitively', () => {
  const root = tmpDir('res');
  fs.mkdirSync(path.join(root, 'SVHN'));
  assert.equal(resolveDatasetDir({ dataset: 'svhn', dataDir: root }), path.join(root, 'SVHN'));
  assert.equal(resolveDatasetDir({ dataset: 'cifar10', dataDir: root }), path.join(root, 'CIFAR10'));
  assert.equal(resolveDatasetDir({ dataset: 'x', datasetDir: '/a/b', dataDir: root }), '/a/b');
  assert.throws(() => resolveDatasetDir({ dataDir: root }), /--dataset/);
});
