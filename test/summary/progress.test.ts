import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatDuration, Progress } from '../../src/summary/progress';

function fakeStream(isTTY: boolean, columns = 120) {
  const chunks: string[] = [];
  const stream = { isTTY, columns, write: (s: string) => (chunks.push(s), true) } as unknown as NodeJS.WriteStream;
  return { stream, text: () => chunks.join('') };
}

test('not a TTY: throttled plain log lines with rate, ETA and fields', () => {
  let t = 0;
  const { stream, text } = fakeStream(false);
  const p = new Progress(1000, 0, stream, { logIntervalMs: 10_000, now: () => t });
  for (let step = 1; step <= 100; step++) {
    t += 500; // 2 steps/s
    p.update(step, { d_loss: 1.23456, accuracy: 0.5 });
  }
  const lines = text().trimEnd().split('\n');
  assert.equal(lines.length, 5, 'the first update, then one line per 10 s over 50 s');
  assert.match(lines[1], /^step 21\/1000 /);
  assert.ok(!text().includes('\r') && !text().includes('\x1b'), 'no terminal control codes in logs');
  assert.match(lines[0], /^step 1\/1000 \| 2\.00 steps\/s \| ETA 8:20 \| d_loss 1\.235 \| accuracy 0\.5000$/);
  p.line('checkpoint saved');
  assert.match(text(), /\ncheckpoint saved\n$/);
  p.done();
  assert.match(text(), /checkpoint saved\nstep 100\/1000 \| [^\n]*\n$/, 'done() shows the final, not yet shown step');
  const before = text();
  p.done();
  assert.equal(text(), before, 'done() is idempotent');
});

test('TTY: a redrawn bar, log lines printed above it', () => {
  let t = 0;
  const { stream, text } = fakeStream(true, 120);
  const p = new Progress(200, 100, stream, { redrawMs: 0, now: () => t });
  t = 1000;
  p.update(150, { g_loss: 0.7 });
  assert.match(text(), /^\r\x1b\[2K 75% \[#+-+\] step 150\/200 \| 50\.00 steps\/s \| ETA 0:01 \| g_loss 0\.7000$/);
  p.line('saved checkpoint');
  assert.ok(text().includes('\r\x1b[2Ksaved checkpoint\n\r\x1b[2K 75% ['), 'bar erased, line printed, bar redrawn');
  p.done();
  assert.ok(text().endsWith('\n'));
  for (const row of text().split(/\r|\n/)) assert.ok(row.length < 120, 'bar never wraps');
});

test('formatDuration', () => {
  assert.equal(formatDuration(59.6), '1:00');
  assert.equal(formatDuration(3725), '1:02:05');
  assert.equal(formatDuration(NaN), '--:--');
});
