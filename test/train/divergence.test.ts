/**
 * Divergence through the CLI: absurd learning rates on the seed-h5 fixture stop `ssgan train` with
 * exit code 1 and one line naming the step and the loss; no checkpoint holds the diverged weights,
 * and the last one written before stays loadable.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { oneLine, ssgan } from '../helpers/ssgan';
import { tmpDir } from '../helpers/tmp-dir';
import { fixtureCopy, listCheckpoints } from '../helpers/train-fixture';

test('absurd learning rates: exit 1, one line naming the step and the loss, the last checkpoint loads', async () => {
  const data = fixtureCopy();
  const dir = path.join(tmpDir('diverge'), 'run');
  const r = await ssgan(['train', '--dataset-dir', data, '--train-dir', dir, '--batch-size', '8', '--n-z', '16', '--threads', '2',
    '--learning-rate-d', '1e30', '--learning-rate-g', '1e30', '--clip-norm', '0', '--max-training-steps', '40', '--output-save-step', '1']);
  assert.equal(r.code, 1, r.stdout);
  const m = /^ssgan train: training diverged at step (\d+): [dg]_loss/.exec(oneLine(r));
  assert.ok(m, r.stderr);
  const step = Number(m[1]);
  const saved = listCheckpoints(dir);
  assert.ok(saved.length > 0, 'checkpoints were written before the divergence');
  assert.ok(saved.every((n) => Number(n.slice(6)) < step), `no checkpoint at or after step ${step}: ${saved.join(', ')}`);
  const last = path.join(dir, saved[saved.length - 1]);
  const e = await ssgan(['export', '--onnx', '--checkpoint', last, '--out', path.join(dir, 'onnx')]);
  assert.equal(e.code, 0, e.stderr);
  assert.ok(fs.existsSync(path.join(dir, 'onnx', 'classifier.onnx')));
});
