/**
 * `ssgan train --score-every-checkpoint`: the generator is scored at every checkpoint (the fixture's
 * judge trained first), as score/* lines in metrics.jsonl and a log line, through the real CLI.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { ssgan } from '../helpers/ssgan';
import { tmpDir } from '../helpers/tmp-dir';
import { fixtureCopy } from '../helpers/train-fixture';

test('train --score-every-checkpoint N scores N samples at every checkpoint', async () => {
  const data = fixtureCopy();
  const dir = path.join(tmpDir('watch'), 'run');
  // A quick judge for the fixture (its default training is sized for real datasets).
  const judge = await ssgan(['score', '--dataset-dir', data, '--train-judge', '--judge-epochs', '30', '--threads', '2'], { timeoutMs: 300_000 });
  assert.equal(judge.code, 0, judge.stderr);
  const r = await ssgan(['train', '--dataset-dir', data, '--train-dir', dir, '--batch-size', '8', '--n-z', '16', '--threads', '2',
    '--max-training-steps', '4', '--output-save-step', '2', '--score-every-checkpoint', '64'], { timeoutMs: 300_000 });
  assert.equal(r.code, 0, r.stderr);
  const scores = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((x) => x.split === 'score');
  assert.deepEqual(scores.map((s) => s.step), [2, 4]);
  for (const s of scores) {
    assert.equal(s.n, 64);
    assert.ok(Number.isFinite(s.fid) && s.fid > 0 && Number.isFinite(s.kid), JSON.stringify(s));
    assert.ok(s.classes_covered >= 1 && s.classes_covered <= 10 && s.largest_class_share > 0 && s.largest_class_share <= 1, JSON.stringify(s));
  }
  assert.match(r.stdout, /Generator at step 4 \(64 samples\): FID [\d.]+, KID/);
  // Monitoring is not a setting of the run: the checkpoint's configuration does not record it.
  const ck = JSON.parse(fs.readFileSync(path.join(dir, 'model-4', 'checkpoint.json'), 'utf8'));
  assert.equal(JSON.stringify(ck.config).includes('score'), false);
});
