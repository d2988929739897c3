/**
 * `npm run bench -- score [CHECKPOINT]`: `ssgan score` on 10,000 MNIST samples end to end (a child
 * process: load, generate, features, metrics, floor), cold (the test split's features and the floor
 * computed) and warm (both read back), with the judge's figures and the real-data floor.
 * Without CHECKPOINT: train_dir/bench-MNIST-5000 when present, else a 1,000-step run trained once.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { figure, ROOT, ssgan } from './common';

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

export function scoreBench(ensureMnist: () => void, checkpoint?: string): void {
  ensureMnist();
  fs.mkdirSync(path.join(ROOT, 'train_dir'), { recursive: true });
  const ck = checkpointFor(checkpoint);
  const judgeDir = path.join(ROOT, 'datasets', 'MNIST', 'judge');
  if (!fs.existsSync(path.join(judgeDir, 'judge.json'))) ssgan(['score', '--dataset', 'MNIST', '--train-judge'], { quiet: true });
  const judge = JSON.parse(fs.readFileSync(path.join(judgeDir, 'judge.json'), 'utf8'));
  console.log(`score: ssgan score --checkpoint ${path.relative(ROOT, ck)} (10,000 samples) against MNIST's 10,000 test digits`);
  figure('judge test accuracy', judge.testAccuracy * 100, '%', `onnxruntime, ${judge.testExamples} test digits; target >= 98.5%`);
  figure('judge training time', judge.trainSeconds, 's', `${judge.steps} supervised steps of ${judge.batchSize}`);
  // Cold: without the cached test-split features and floor.
  for (const f of fs.readdirSync(judgeDir)) if (f.startsWith('reference-')) fs.rmSync(path.join(judgeDir, f));
  const cold = ssgan(['score', '--checkpoint', ck, '--json'], { quiet: true });
  const warm = ssgan(['score', '--checkpoint', ck, '--json'], { quiet: true });
  const r = JSON.parse(warm.stdout) as { samples: Scores; floor: Scores; source: { step: number } };
  figure('scoring time, cold', cold.seconds, 's', 'test-split features and floor computed, then cached');
  figure('scoring time, warm', warm.seconds, 's', 'target < 30 s end to end');
  figure('peak RSS', warm.peakRssMb, 'MB');
  scores(`generator (step ${r.source.step})`, r.samples);
  scores('real-data floor (10,000 training digits)', r.floor);
}
