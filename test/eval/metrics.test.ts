import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { computeMetrics, formatMetrics } from '../../src/eval/metrics';

test('accuracy, per-class accuracy and confusion matrix by hand', () => {
  const truth = Int32Array.from([0, 0, 1, 1, 1, 2]);
  const pred = Int32Array.from([0, 1, 1, 1, 0, 0]);
  const m = computeMetrics(truth, pred, ['a', 'b', 'c']);
  assert.equal(m.examples, 6);
  assert.equal(m.correct, 3);
  assert.equal(m.accuracy, 0.5);
  assert.deepEqual(m.confusion, [[1, 1, 0], [1, 2, 0], [1, 0, 0]]);
  assert.deepEqual(m.perClass.map((c) => [c.correct, c.examples]), [[1, 2], [2, 3], [0, 1]]);
  const text = formatMetrics(m);
  assert.match(text, /accuracy: 50\.00% \(3\/6\)/);
  assert.match(text, /b\s+66\.67% \(2\/3\)/);
});

test('a class without examples has no accuracy, and bad labels are named', () => {
  const m = computeMetrics(Int32Array.from([0]), Int32Array.from([0]), ['a', 'b']);
  assert.ok(Number.isNaN(m.perClass[1].accuracy));
  assert.throws(() => computeMetrics(Int32Array.from([3]), Int32Array.from([0]), ['a', 'b']), /label 3/);
});
