import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { smoothTensorBoard } from '../../src/summary/smoothing';

test('debiased EMA matches TensorBoard by hand', () => {
  // w = 0.6: last = 0.4, 1.04, 1.824; debias = 0.4, 0.64, 0.784.
  const s = smoothTensorBoard([1, 2, 3], 0.6);
  const expect = [1, 1.04 / 0.64, 1.824 / 0.784];
  s.forEach((v, i) => assert.ok(Math.abs(v - expect[i]) < 1e-12, `${v} vs ${expect[i]}`));
});

test('first point is the raw value (no pull towards zero), constants stay flat', () => {
  assert.equal(smoothTensorBoard([5, 0, 0], 0.6)[0], 5);
  assert.deepEqual(smoothTensorBoard([0.3, 0.3, 0.3], 0.6), [0.3, 0.3, 0.3]);
  assert.deepEqual(smoothTensorBoard([1, 2], 0), [1, 2]);
  assert.deepEqual(smoothTensorBoard([], 0.6), []);
});
