import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { importFolder } from '../../src/data/import-folder';
import { loadDataset } from '../../src/data/dataset';
import { tmpDir } from '../helpers/tmp-dir';

function png(file: string, w: number, h: number, value: number): void {
  const p = new PNG({ width: w, height: h });
  for (let i = 0; i < w * h; i++) p.data.set([value, 255 - value, value >> 1, 255], 4 * i);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, PNG.sync.write(p));
}

test('import keeps train/test and class names; mixed sizes refused unless --resize', async () => {
  const src = tmpDir('imp');
  const dataDir = tmpDir('impdata');
  png(path.join(src, 'train', 'cat', '1.png'), 4, 3, 10);
  png(path.join(src, 'train', 'cat', '2.png'), 4, 3, 20);
  png(path.join(src, 'train', 'dog', '1.png'), 4, 3, 30);
  png(path.join(src, 'test', 'dog', '1.png'), 4, 3, 40);
  const r = await importFolder({ from: src, name: 'pets', dataDir });
  assert.deepEqual([r.count, r.train, r.h, r.w, r.c], [4, 3, 3, 4, 3]);
  const d = await loadDataset(path.join(dataDir, 'pets'));
  assert.deepEqual(d.classNames, ['cat', 'dog']);
  assert.deepEqual(Array.from(d.labels), [0, 0, 1, 1]);
  assert.deepEqual(Array.from(d.test), [3]);
  assert.deepEqual(Array.from(d.images.subarray(3 * 36, 3 * 36 + 3)), [40, 215, 20]);

  png(path.join(src, 'test', 'cat', 'big.png'), 8, 6, 50);
  await assert.rejects(importFolder({ from: src, name: 'pets2', dataDir }), /big\.png: image is 6x8 but .* is 3x4; pass --resize HxW/);
  assert.ok(!fs.existsSync(path.join(dataDir, 'pets2')));
  const r2 = await importFolder({ from: src, name: 'pets2', dataDir, resize: { h: 3, w: 4 } });
  assert.equal(r2.count, 5);
  const d2 = await loadDataset(path.join(dataDir, 'pets2'));
  assert.deepEqual(Array.from(d2.images.subarray(3 * 36, 3 * 36 + 3)), [50, 205, 25]); // a flat image stays flat
});
