import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { imageGrid } from '../../src/summary/grid';
import { readImagesIndependently } from './independent-reader';
import { tmpDir } from '../helpers/tmp-dir';

function pixel(rgba: Uint8Array, width: number, x: number, y: number): number[] {
  const i = (y * width + x) * 4;
  return [...rgba.subarray(i, i + 4)];
}

test('grayscale grid: layout, padding, pixels, and a PNG of the right size', () => {
  // 10 images of 4x5 (h x w), image k filled with value 10*(k+1).
  const n = 10, h = 4, w = 5;
  const imgs = new Uint8Array(n * h * w);
  for (let k = 0; k < n; k++) imgs.fill(10 * (k + 1), k * h * w, (k + 1) * h * w);
  const g = imageGrid(imgs, n, h, w, 1);
  // Default: ceil(sqrt(10)) = 4 columns, 3 rows, 2 px padding around and between.
  assert.equal(g.width, 4 * (w + 2) + 2);
  assert.equal(g.height, 3 * (h + 2) + 2);
  assert.equal(g.rgba.length, g.width * g.height * 4);
  assert.deepEqual(pixel(g.rgba, g.width, 0, 0), [0, 0, 0, 255], 'padding is opaque black');
  assert.deepEqual(pixel(g.rgba, g.width, 2, 2), [10, 10, 10, 255], 'image 0 at top-left, gray');
  // Image 5 is row 1, col 1.
  assert.deepEqual(pixel(g.rgba, g.width, 2 + 7 + 4, 2 + 6 + 3), [60, 60, 60, 255]);
  // Cells past n (row 2, cols 2-3) stay background.
  assert.deepEqual(pixel(g.rgba, g.width, 2 + 2 * 7, 2 + 2 * 6), [0, 0, 0, 255]);

  const file = path.join(tmpDir('grid'), 'g.png');
  fs.writeFileSync(file, g.png);
  const [info] = readImagesIndependently(file);
  assert.deepEqual([info.format, info.width, info.height, info.mode], ['PNG', g.width, g.height, 'L']);
});

test('RGB grid keeps channels in order and honours cols/pad', () => {
  const n = 3, h = 2, w = 2;
  const imgs = new Uint8Array(n * h * w * 3);
  for (let p = 0; p < n * h * w; p++) imgs.set([p, 100, 200], p * 3);
  const g = imageGrid(imgs, n, h, w, 3, { cols: 1, pad: 0 });
  assert.deepEqual([g.width, g.height], [2, 6]);
  assert.deepEqual(pixel(g.rgba, 2, 1, 3), [7, 100, 200, 255]); // image 1, row 1, col 1 -> pixel 4+2+1
  const file = path.join(tmpDir('grid'), 'g.png');
  fs.writeFileSync(file, g.png);
  const [info] = readImagesIndependently(file);
  assert.deepEqual([info.width, info.height, info.mode], [2, 6, 'RGB']);
});

test('imageGrid rejects bad shapes', () => {
  assert.throws(() => imageGrid(new Uint8Array(10), 1, 2, 2, 1), /expected 1\*2\*2\*1 = 4 bytes, got 10/);
  assert.throws(() => imageGrid(new Uint8Array(8), 1, 2, 2, 2), /channels must be 1 or 3/);
  assert.throws(() => imageGrid(new Uint8Array(0), 0, 2, 2, 1), /n, h, w > 0/);
});
