/**
 * `npm run bench -- score [CHECKPOINT]`: `ssgan score` on 10,000 MNIST samples end to end (a child
 * process: load, generate, features, metrics, floor), cold (the test split's features and the floor
 * computed) and warm (both read back), with the judge's figures and the real-data floor.
 * Without CHECKPOINT: train_dir/bench-MNIST-5000 when present, else a 1,000-step run trained once.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { figure, ROOT, SSGAN, ssgan } from './common';

interface Scores { n: number; fid: number; kid: number; kidStd: number; inceptionScore: number; classesCovered: number; classes: number; largestClassShare: number }

function checkpointFor(given?: string): string {
  if (given) return given;
  const full = path.join(ROOT, 'train_dir', 'bench-MNIST-5000');
  if (fs.existsSync(full)) return full;
  const short = path.join(ROOT, 'train_dir', 'bench-score-MNIST-1000');
  if (!fs.existsSync(path.join(short, 'model-1000'))) {
    fs.rmSync(short, { recursive: true, force: true });
    ssgan(['train', '--dataset', 'MNIST', '--max-training-steps', '1000', '--train-dir', short], { quiet: true });
  }
  return short;
}

function scores(name: string, s: Scores): void {
  figure(`${name} FID`, s.fid);
  figure(`${name} KID`, s.kid, '', `+- ${s.kidStd.toPrecision(3)} over 100 subsets of 1000`);
  figure(`${name} inception score`, s.inceptionScore, '', `at most ${s.classes}`);
  figure(`${name} classes covered`, `${s.classesCovered}/${s.classes}`, '', `largest class ${(100 * s.largestClassShare).toFixed(1)}%`);
}

/** ssgan ARGS, timed: wall and CPU seconds (user + system, from GNU time), peak RSS, and the load around it. */
function timedScore(args: string[]): { stdout: string; wall: number; cpu: number; peakRssMb: number; load: number } {
  const timeFile = path.join(fs.mkdtempSync('/tmp/ssgan-bench-score-'), 'time');
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S %M', '-o', timeFile, process.execPath, SSGAN, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`ssgan ${args.join(' ')} exited ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const [user, sys, rss] = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return { stdout: r.stdout, wall, cpu: user + sys, peakRssMb: rss / 1024, load: os.loadavg()[0] };
}

export function scoreBench(ensureMnist: () => void, checkpoint?: string): void {
  ensureMnist();
  fs.mkdirSync(path.join(ROOT, 'train_dir'), { recursive: true });
  const ck = checkpointFor(checkpoint);
  const judgeDir = path.join(ROOT, 'datasets', 'MNIST', 'judge');
  if (!fs.existsSync(path.join(judgeDir, 'judge.json'))) ssgan(['score', '--dataset', 'MNIST', '--train-judge'], { quiet: true });
  const judge = JSON.parse(fs.readFileSync(path.join(judgeDir, 'judge.json'), 'utf8'));
  console.log(`score: ssgan score --checkpoint ${path.relative(ROOT, ck)} (10,000 samples) against MNIST's 10,000 test digits`);
  figure('judge test accuracy', judge.testAccuracy * 100, '%', `onnxruntime, ${judge.testExamples} test digits`);
  figure('judge training time', judge.trainSeconds, 's', `${judge.steps} supervised steps of ${judge.batchSize}`);
  // Cold: without the cached test-split features and floor.
  for (const f of fs.readdirSync(judgeDir)) if (f.startsWith('reference-')) fs.rmSync(path.join(judgeDir, f));
  const cold = timedScore(['score', '--checkpoint', ck, '--json']);
  const warm = timedScore(['score', '--checkpoint', ck, '--json']);
  const r = JSON.parse(warm.stdout) as { samples: Scores; floor: Scores; source: { step: number } };
  const cores = os.availableParallelism();
  figure('scoring time, cold', cold.wall, 's', `${cold.cpu.toFixed(1)} CPU s; test-split features and floor computed, then cached; load average ${cold.load.toFixed(1)} on ${cores} cores`);
  figure('scoring time, warm', warm.wall, 's', `${warm.cpu.toFixed(1)} CPU s; load average ${warm.load.toFixed(1)} on ${cores} cores`);
  figure('peak RSS', warm.peakRssMb, 'MB');
  scores(`generator (step ${r.source.step})`, r.samples);
  scores('real-data floor (10,000 training digits)', r.floor);
}
