/**
 * `npm run bench -- curves FILE|DIR...`: few-label learning curves side by side. Each argument is a
 * train dir (its metrics.jsonl), a file of `test-full` lines such as results/cpu/*.jsonl, or the
 * log of an official code's port (bench/reference/official_*_port.py: its weight average's errors);
 * prints test errors at fixed epochs, the best epoch, and the mean and spread at the last epoch
 * every run has.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { figure } from './common';

const EPOCHS = [10, 30, 50, 80, 100];

interface Curve { name: string; errors: Map<number, number> }

function readCurve(arg: string): Curve {
  const file = fs.existsSync(arg) && fs.statSync(arg).isDirectory() ? path.join(arg, 'metrics.jsonl') : arg;
  if (!fs.existsSync(file)) throw new Error(`${file}: no such file (give a train dir or a metrics.jsonl)`);
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  const name = path.basename(arg).replace(/\.(jsonl|log)$/, '');
  const port = lines.filter((r) => Number.isInteger(r.epoch) && Number.isInteger(r.avg));
  if (port.length) return { name, errors: new Map(port.map((r) => [r.epoch, r.avg])) };
  const rows = lines.filter((r) => r.split === 'test-full');
  const perEpoch = epochSteps(rows.map((r) => r.step));
  const errors = new Map<number, number>();
  // A stop with Ctrl-C checkpoints mid-epoch: those lines are left out. A repeated step keeps its last line.
  for (const r of rows) if (r.step % perEpoch === 0) errors.set(r.step / perEpoch, r.errors);
  if (!errors.size) throw new Error(`${file}: no test-full lines (checkpoint every epoch: --output-save-step = steps per epoch)`);
  return { name, errors };
}

/** Checkpoints every epoch: the most common gap between checkpoint steps is one epoch (resumed runs too). */
function epochSteps(steps: number[]): number {
  const sorted = [...new Set(steps)].sort((a, b) => a - b);
  const gaps = new Map<number, number>();
  sorted.slice(1).forEach((s, i) => gaps.set(s - sorted[i], (gaps.get(s - sorted[i]) ?? 0) + 1));
  return gaps.size ? [...gaps].reduce((b, g) => (g[1] > b[1] ? g : b))[0] : sorted[0];
}

function meanSd(xs: number[]): [number, number] {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return [m, Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1))];
}

export function curves(args: string[]): void {
  if (!args.length) throw new Error('curves: give one or more train dirs or test-full .jsonl files');
  const all = args.map(readCurve);
  console.log(`curves: test errors (of 10,000) at epochs ${EPOCHS.join(', ')}; best (epoch)`);
  for (const c of all) {
    const at = EPOCHS.map((e) => c.errors.get(e) ?? '-').join(' / ');
    const [bestEpoch, best] = [...c.errors].reduce((b, x) => (x[1] < b[1] ? x : b));
    figure(c.name, at, '', `best ${best} at epoch ${bestEpoch}, last epoch ${Math.max(...c.errors.keys())}`);
  }
  // The last epoch every run has a figure for (resumed runs may start late).
  const epochs = [...all[0].errors.keys()].filter((e) => all.every((c) => c.errors.has(e)));
  const common = Math.max(...epochs);
  if (all.length > 1 && epochs.length) {
    const [m, sd] = meanSd(all.map((c) => c.errors.get(common)!));
    figure(`mean over ${all.length} runs at epoch ${common}`, m, 'errors', `sd ${sd.toFixed(1)}`);
  }
}
