import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { MetricsLog } from '../../src/summary/metrics';
import { readMetrics } from '../../src/summary/metrics-reader';
import { tmpDir } from '../helpers/tmp-dir';

test('MetricsLog writes one JSON object per line and appends on reopen', () => {
  const file = path.join(tmpDir('metrics'), 'sub', 'metrics.jsonl');
  const a = new MetricsLog(file);
  a.write({ step: 1, split: 'train', d_loss: 1.5 });
  a.write({ step: 2, split: 'train', d_loss: NaN });
  a.close();
  const b = new MetricsLog(file);
  b.write({ step: 3, split: 'test', accuracy: 0.5 });
  b.close();
  const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines, [
    { step: 1, split: 'train', d_loss: 1.5 },
    { step: 2, split: 'train', d_loss: null },
    { step: 3, split: 'test', accuracy: 0.5 },
  ]);
  assert.throws(() => b.write({ step: 4 }), /closed/);
});

test('readMetrics splits by split, skips missing/non-numeric values and bad lines, orders by step', () => {
  const file = path.join(tmpDir('metrics'), 'metrics.jsonl');
  fs.writeFileSync(
    file,
    [
      '{"step": 20, "split": "train", "g_loss": 2}',
      '{"step": 10, "split": "train", "g_loss": 1, "accuracy": 0.1}',
      '{"step": 10, "split": "test", "accuracy": 0.2}',
      '{"step": 30, "g_loss": null}',
      '{"step": 20, "split": "train", "g_loss": 2.5}', // resumed run rewrote step 20
      '{"split": "train", "g_loss": 9}', // no step
      '{"step": 40, "split": "tra', // cut short by a crash
      '',
    ].join('\n'),
  );
  const m = readMetrics(file, ['g_loss', 'accuracy']);
  assert.equal(m.records, 5);
  assert.equal(m.skippedLines, 2);
  assert.deepEqual(m.series.g_loss, { train: [{ step: 10, value: 1 }, { step: 20, value: 2.5 }] });
  assert.deepEqual(m.series.accuracy, { train: [{ step: 10, value: 0.1 }], test: [{ step: 10, value: 0.2 }] });
});
