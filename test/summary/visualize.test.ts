import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { Command } from 'commander';
import { registerSummaryCommands } from '../../src/summary/commands';
import { imageGrid } from '../../src/summary/grid';
import { MetricsLog } from '../../src/summary/metrics';
import { PLOT_HEIGHT, PLOT_WIDTH } from '../../src/summary/plot-spec';
import { RENDER_SCALE } from '../../src/summary/render-chart';
import { pickFrames } from '../../src/summary/training-gif';
import { PLOTS, visualize } from '../../src/summary/visualize';
import { readImagesIndependently } from './independent-reader';
import { tmpDir } from '../helpers/tmp-dir';

const METRICS = ['s_loss', 'd_loss_real', 'd_loss_fake', 'd_loss', 'g_loss', 'accuracy'];

// Distinct grays per step. (Avoid a palette of 0,1,..: Pillow 9 mis-decodes
// later frames of a GIF whose first palette is the identity grayscale one.)
const grayFor = (step: number) => ({ 5: 30, 10: 60, 20: 90, 100: 120, 1000: 250 })[step] ?? 0;

/** A train dir with sample grids (mixed zero-padding, written out of order)
 *  whose centre pixel encodes the step, and a metrics.jsonl. */
function makeTrainDir(opts: { samples?: boolean; metrics?: boolean } = {}): { dir: string; steps: number[] } {
  const dir = tmpDir('vis');
  const steps = [5, 10, 20, 100, 1000];
  if (opts.samples ?? true) {
    fs.mkdirSync(path.join(dir, 'samples'));
    const names: Record<number, string> = { 5: 'sample-5.png', 10: 'sample-00010.png', 20: 'sample-20.png', 100: 'sample-000100.png', 1000: 'sample-1000.png' };
    for (const step of [...steps].reverse()) {
      const v = grayFor(step);
      const g = imageGrid(new Uint8Array(9 * 8 * 8).fill(v), 9, 8, 8, 1);
      fs.writeFileSync(path.join(dir, 'samples', names[step]), g.png);
    }
    fs.writeFileSync(path.join(dir, 'samples', 'notes.txt'), 'not a grid');
  }
  if (opts.metrics ?? true) {
    const log = new MetricsLog(path.join(dir, 'metrics.jsonl'));
    for (let step = 0; step <= 500; step += 10) {
      const rec: Record<string, number | string> = { step, split: 'train', recon_weight: 1 };
      METRICS.forEach((m, i) => (rec[m] = m === 'accuracy' ? step / 600 : (i + 1) * Math.exp(-step / 200) + Math.sin(step)));
      if (step % 30 === 0) delete rec.g_loss; // keys may be missing on some records
      log.write(rec);
      if (step % 100 === 0) log.write({ step, split: 'test', accuracy: step / 700, s_loss: 2 - step / 500 });
    }
    log.close();
  }
  return { dir, steps };
}

test('visualize writes a GIF with one frame per grid in step order, and the six plots', async () => {
  const { dir, steps } = makeTrainDir();
  const res = await visualize(dir, { frameDelayMs: 100 });
  assert.deepEqual(res.warnings, []);
  assert.equal(res.gif, path.join(dir, 'training.gif'));
  assert.equal(res.gifFrames, steps.length);

  const [gif] = readImagesIndependently(res.gif!);
  const grid = imageGrid(new Uint8Array(9 * 8 * 8), 9, 8, 8, 1);
  assert.deepEqual([gif.format, gif.width, gif.height, gif.frames], ['GIF', grid.width, grid.height, steps.length]);
  assert.deepEqual(gif.center_rgb.map((c) => c[0]), steps.map(grayFor), 'frames sorted by step number');
  assert.deepEqual(gif.durations, [100, 100, 100, 100, 500]);

  assert.deepEqual(res.plots, PLOTS.map((p) => path.join(dir, 'plots', `${p.metric}.png`)));
  assert.deepEqual(PLOTS.map((p) => p.metric), METRICS);
  const infos = readImagesIndependently(...res.plots);
  for (const info of infos) {
    assert.deepEqual([info.format, info.width, info.height], ['PNG', PLOT_WIDTH * RENDER_SCALE, PLOT_HEIGHT * RENDER_SCALE]);
  }
  // No temp files left behind by the write-and-rename.
  assert.deepEqual(fs.readdirSync(path.join(dir, 'plots')).sort(), METRICS.map((m) => `${m}.png`).sort());
  assert.ok(!fs.readdirSync(dir).some((f) => f.endsWith('.tmp')));
});

test('plots are not blank: the curves draw in both split colours', async () => {
  const { dir } = makeTrainDir({ samples: false });
  await visualize(dir);
  // Decode with pngjs only to count coloured pixels; sizes were checked independently above.
  const { PNG } = await import('pngjs');
  const png = PNG.sync.read(fs.readFileSync(path.join(dir, 'plots', 'accuracy.png')));
  let blue = 0, orange = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    const [r, g, b] = [png.data[i], png.data[i + 1], png.data[i + 2]];
    if (Math.abs(r - 0x1f) < 12 && Math.abs(g - 0x77) < 12 && Math.abs(b - 0xb4) < 12) blue++;
    if (Math.abs(r - 0xff) < 12 && Math.abs(g - 0x7f) < 12 && Math.abs(b - 0x0e) < 12) orange++;
  }
  assert.ok(blue > 500, `train curve drawn (${blue} px)`);
  assert.ok(orange > 500, `test curve drawn (${orange} px)`);
});

test('missing pieces: warnings naming the file and fix, error when nothing can be made', async () => {
  const noSamples = makeTrainDir({ samples: false });
  const r1 = await visualize(noSamples.dir);
  assert.equal(r1.gif, null);
  assert.equal(r1.plots.length, 6);
  assert.match(r1.warnings.join('\n'), new RegExp(`no sample grids .* in ${path.join(noSamples.dir, 'samples')}.*--output-save-step`));

  const noMetrics = makeTrainDir({ metrics: false });
  const r2 = await visualize(noMetrics.dir);
  assert.equal(r2.gifFrames, 5);
  assert.match(r2.warnings.join('\n'), new RegExp(`no metrics.jsonl in ${noMetrics.dir}`));

  const empty = makeTrainDir({ samples: false, metrics: false });
  await assert.rejects(visualize(empty.dir), /nothing to visualize in .*no sample grids.*no metrics\.jsonl/);
  await assert.rejects(visualize(path.join(empty.dir, 'nope')), /train dir .*nope does not exist/);
});

test('`ssgan visualize` command: output lines, and a one-line error with exit code 1', async () => {
  const program = new Command().exitOverride();
  registerSummaryCommands(program);
  const out: string[] = [];
  const err: string[] = [];
  const origOut = process.stdout.write.bind(process.stdout);
  const origErr = process.stderr.write.bind(process.stderr);
  const savedExit = process.exitCode;
  process.stdout.write = ((s: string) => (out.push(s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => (err.push(s), true)) as typeof process.stderr.write;
  process.exitCode = 0;
  try {
    const { dir } = makeTrainDir({ metrics: false });
    await program.parseAsync(['node', 'ssgan', 'visualize', '--train-dir', dir, '--frame-ms', '50']);
    assert.match(out.join(''), /wrote .*training\.gif \(5 frames\)/);
    assert.match(err.join(''), /^warning: no metrics\.jsonl in /);
    assert.equal(process.exitCode, 0);

    err.length = 0;
    await program.parseAsync(['node', 'ssgan', 'visualize', '--train-dir', '/nonexistent/run']);
    assert.equal(err.join(''), 'ssgan visualize: train dir /nonexistent/run does not exist: pass the --train-dir that `ssgan train` wrote to\n');
    assert.equal(process.exitCode, 1);
  } finally {
    process.stdout.write = origOut;
    process.stderr.write = origErr;
    process.exitCode = savedExit;
  }
});

test('pickFrames keeps order, first and last, and at most maxFrames', () => {
  const items = Array.from({ length: 1000 }, (_, i) => i);
  const picked = pickFrames(items, 300);
  assert.equal(picked.length, 300);
  assert.equal(picked[0], 0);
  assert.equal(picked[299], 999);
  for (let i = 1; i < picked.length; i++) assert.ok(picked[i] > picked[i - 1]);
  assert.deepEqual(pickFrames([1, 2, 3], 300), [1, 2, 3]);
});
