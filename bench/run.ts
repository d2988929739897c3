/**
 * `npm run bench [-- NAME [ARGS]]`: ssgan's benchmarks, each printing its figures.
 *   speed              step time of the 32x32x3 model at batch 32 vs the PyTorch reference, side by side
 *   memory             peak RSS of MNIST training at the defaults
 *   load               dataset load time (cold, warm) and peak RSS, 100k 32x32x3 examples
 *   eval [CKPT]        MNIST test-set throughput, onnxruntime vs libtorch, and the ONNX accuracy
 *   accuracy [STEPS]   ssgan train --dataset MNIST for STEPS (5000) steps, then ssgan eval
 *   ssl [EPOCHS] [LABEL_SEED] [SEED] [DECAY_START]
 *                      paper-mnist at its defaults, 100 labels, one thread (two can run side by
 *                      side): test errors by epoch; DECAY_START = --lr-decay-start; an interrupted
 *                      run goes on from its train dir's newest checkpoint
 *   cifar [STEPS]      import CIFAR-10 (JPEG), train STEPS (2000) steps, evaluate; paper-cifar s/epoch
 *   generator [STEPS] [TRAIN FLAGS...]
 *                      ssgan train --dataset MNIST at the defaults (plus TRAIN FLAGS) for STEPS (5000),
 *                      scoring the generator at every checkpoint: FID, KID, class coverage, accuracy
 *   curves FILE|DIR... few-label learning curves side by side (train dirs or results/cpu/*.jsonl)
 *   score [CKPT]       ssgan score on 10,000 MNIST samples, cold and warm, with the judge and the real-data floor
 *   checkpoint         what checkpoint integrity costs: SHA-256 on save and on load, MNIST seed model
 *   coldload [ROUNDS]  first load of a seed-written MNIST file (h5py layout, 70,000 groups) vs h5py reading it
 *   paper [ROUNDS] [CIFAR_STEPS]
 *                      paper-mnist's epoch and paper-cifar's step against PyTorch code of the same model and recipe
 *   dist [STEPS] [ROUNDS]
 *                      data-parallel step: 1 process x all cores against 1 process per core (Gloo), same global batch
 *   startup [CKPT] [ROUNDS]
 *                      ssgan --help, ssgan sample --n 64 and ssgan eval on MNIST end to end, median and range
 * With no NAME: speed, memory, load, eval.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { figure, median, PYTHON, REFERENCE_ENVS, requireFile, ROOT, run, SHARED, ssgan } from './common';
import { curves } from './curves';
import { coldLoadBench } from './coldload';
import { distBench } from './dist';
import { paperBench } from './paper';
import { scoreBench } from './score';
import { startupBench } from './startup';

const THREADS = String(os.availableParallelism());

function speed(): void {
  const ref = path.join(SHARED, 'reference', 'ref_ssgan.py');
  requireFile(ref, 'the PyTorch reference lives in ../shared/reference (set SSGAN_SHARED to its folder)');
  requireFile(PYTHON, 'apt-get install python3-torch');
  const args = ['32', '3', '32', '20', THREADS];
  const stepOf = (r: { stdout: string }) => Number(/step_s=([\d.]+)/.exec(r.stdout)![1]);
  const ours: number[] = [], bf16: number[] = [];
  const refArgs = [ref, '--h', '32', '--c', '3', '--bs', '32', '--steps', '20', '--threads', THREADS];
  // The reference at its default and channels-last, each in both environments (REFERENCE_ENVS).
  const variants = Object.entries(REFERENCE_ENVS).flatMap(([name, env]) => [
    { name: `PyTorch reference step (${name})`, args: refArgs, env, times: [] as number[] },
    { name: `PyTorch reference step, --channels-last (${name})`, args: [...refArgs, '--channels-last'], env, times: [] as number[] },
  ]);
  // Interleaved rounds so all see the same machine state.
  for (let round = 0; round < 3; round++) {
    ours.push(stepOf(run(process.execPath, [path.join(__dirname, 'step-time.js'), ...args], { quiet: true })));
    bf16.push(stepOf(run(process.execPath, [path.join(__dirname, 'step-time.js'), ...args, 'bf16'], { quiet: true })));
    for (const v of variants) v.times.push(stepOf(run(PYTHON, v.args, { quiet: true, env: v.env })));
  }
  const ms = (xs: number[]) => `rounds ${xs.map((x) => (x * 1000).toFixed(0)).join('/')}`;
  const best = Math.min(...variants.map((v) => median(v.times)));
  console.log(`speed: seed model 32x32x3, batch 32, ${THREADS} threads, 3 interleaved rounds of 20 steps`);
  figure('ssgan step', median(ours) * 1000, 'ms', ms(ours));
  figure('ssgan step, --precision bf16', median(bf16) * 1000, 'ms', ms(bf16));
  for (const v of variants) figure(v.name, median(v.times) * 1000, 'ms', ms(v.times));
  figure('speed ratio (the best reference / ssgan)', best / median(ours), 'x', '>= 1.0 means ssgan is faster');
  figure('bf16 speed-up (ssgan fp32 / bf16)', median(ours) / median(bf16), 'x');
}

function ensureMnist(): void {
  if (!fs.existsSync(path.join(ROOT, 'datasets', 'MNIST', 'data.hdf5'))) ssgan(['download', '--dataset', 'MNIST'], { quiet: true });
}

function memory(): void {
  ensureMnist();
  const dir = fs.mkdtempSync('/tmp/ssgan-bench-mem-');
  const r = ssgan(['train', '--dataset', 'MNIST', '--max-training-steps', '300', '--output-save-step', '300', '--train-dir', dir], { quiet: true });
  console.log('memory: ssgan train --dataset MNIST at the defaults, 300 steps (the loop allocates nothing that grows)');
  figure('peak RSS', r.peakRssMb, 'MB');
  fs.rmSync(dir, { recursive: true, force: true });
}

function load(): void {
  const r = run(process.execPath, [path.join(__dirname, 'bench-load.js'), fs.mkdtempSync('/tmp/ssgan-bench-load-'), '99289'], { quiet: true });
  console.log('load: synthetic 73,257 + 26,032 examples of 32x32x3 (SVHN-sized)');
  process.stdout.write(r.stdout.split('\n').map((l) => (l ? `  ${l}\n` : '')).join(''));
}

function accuracy(steps: number): string {
  ensureMnist();
  const dir = path.join(ROOT, 'train_dir', `bench-MNIST-${steps}`);
  fs.rmSync(dir, { recursive: true, force: true });
  const t = ssgan(['train', '--dataset', 'MNIST', '--max-training-steps', String(steps), '--train-dir', dir]);
  const e = JSON.parse(ssgan(['eval', '--dataset', 'MNIST', '--checkpoint', dir, '--json'], { quiet: true }).stdout);
  console.log(`accuracy: ssgan train --dataset MNIST (defaults) for ${steps} steps, then ssgan eval (onnxruntime) on the 10,000 test digits`);
  figure('test accuracy', e.accuracy * 100, '%');
  figure('training wall time', t.seconds, 's', `${((t.seconds / steps) * 1000).toFixed(0)} ms/step incl. logging and checkpoints`);
  figure('peak RSS', t.peakRssMb, 'MB');
  return dir;
}

function evalSpeed(ckpt?: string): void {
  ensureMnist();
  const dir = ckpt ?? (fs.existsSync(path.join(ROOT, 'train_dir', 'bench-MNIST-5000')) ? path.join(ROOT, 'train_dir', 'bench-MNIST-5000') : accuracy(500));
  const e = JSON.parse(ssgan(['eval', '--dataset', 'MNIST', '--checkpoint', dir, '--backend', 'both', '--json'], { quiet: true }).stdout);
  console.log(`eval: MNIST test set (10,000 digits), ${e.checkpoint}, step ${e.step}`);
  for (const b of e.backends) figure(`${b.backend} throughput`, b.imagesPerSecond, 'images/s');
  const [onnx, torch] = ['onnx', 'torch'].map((n) => e.backends.find((b: { backend: string }) => b.backend === n));
  figure('ratio onnx / torch', onnx.imagesPerSecond / torch.imagesPerSecond, 'x');
  figure('ONNX accuracy', e.accuracy * 100, '%');
  figure('labels that differ between backends', e.disagreements?.count ?? 0);
}

function ssl(epochs: number, labelSeed: number, seed: number, decayStart?: number): void {
  ensureMnist();
  const decay = decayStart === undefined ? [] : ['--lr-decay-start', String(decayStart)];
  const dir = path.join(ROOT, 'train_dir', `bench-ssl-mnist-labels${labelSeed}-seed${seed}${decay.length ? `-decay${decayStart}` : ''}`);
  // An interrupted run (Ctrl-C, a lost machine session) goes on from its newest checkpoint.
  const resume = fs.existsSync(dir) && fs.readdirSync(dir).some((f) => /^model-\d+$/.test(f));
  const t = ssgan(['train', '--dataset', 'MNIST', '--model', 'paper-mnist', '--num-labeled', '100', '--label-seed', String(labelSeed), '--seed', String(seed), '--max-epochs', String(epochs), ...decay, '--threads', '1', '--output-save-step', '600', '--log-step', '600', '--test-sample-step', '600', resume ? '--checkpoint' : '--train-dir', dir]);
  console.log(`ssl: paper-mnist, 100 labels (label seed ${labelSeed}, seed ${seed}${decay.length ? `, lr decay from epoch ${decayStart}` : ''}), ${epochs} epochs of 600 steps, one thread`);
  const lines = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.split === 'test-full');
  for (const r of lines) if ([1, 5, 10, 20, 30, 50, 60, 80, 100].includes(r.step / 600) || r === lines[lines.length - 1]) figure(`epoch ${r.step / 600} test errors`, r.errors, 'of 10000');
  figure('best test errors', Math.min(...lines.map((r) => r.errors)), 'of 10000');
  figure('wall time', t.seconds / 60, 'min', `${(t.seconds / epochs).toFixed(1)} s/epoch`);
}

function generator(steps: number, extra: string[]): void {
  ensureMnist();
  const dir = path.join(ROOT, 'train_dir', `bench-generator-${steps}`);
  fs.rmSync(dir, { recursive: true, force: true });
  const t = ssgan(['train', '--dataset', 'MNIST', '--max-training-steps', String(steps), '--score-every-checkpoint', '--train-dir', dir, ...extra]);
  const records = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  console.log(`generator: ssgan train --dataset MNIST --max-training-steps ${steps} --score-every-checkpoint ${extra.join(' ')} (10,000 samples against the 10,000 test digits, features of the MNIST judge)`);
  for (const r of records.filter((r) => r.split === 'score')) {
    const acc = records.find((a) => a.split === 'test-full' && a.step === r.step);
    figure(`step ${r.step}`, `FID ${r.fid.toFixed(2)}, KID ${r.kid.toFixed(4)} +- ${r.kid_std.toFixed(4)}, ${r.classes_covered}/10 classes >= 2%, largest ${(100 * r.largest_class_share).toFixed(1)}%, test accuracy ${(100 * acc.accuracy).toFixed(2)}%`);
  }
  const floor = JSON.parse(ssgan(['score', '--dataset', 'MNIST', '--checkpoint', dir, '--n', '10000', '--json'], { quiet: true }).stdout);
  if (floor.floor) figure('real training digits (floor)', `FID ${floor.floor.fid.toFixed(2)}, KID ${floor.floor.kid.toFixed(4)}, largest class ${(100 * floor.floor.largestClassShare).toFixed(1)}%`);
  figure('wall time', t.seconds, 's');
}

function cifar(steps: number): void {
  const archive = path.join(SHARED, 'datasets', 'cifar10-jpeg.tar.gz');
  requireFile(archive, 'the CIFAR-10 (JPEG) archive lives in ../shared/datasets');
  const imp = ssgan(['import', '--from-folder', archive, '--name', 'CIFAR10-JPEG'], { quiet: true });
  console.log('cifar: CIFAR-10 (JPEG), 50,000 train / 10,000 test');
  figure('import time', imp.seconds, 's', `peak RSS ${imp.peakRssMb.toFixed(0)} MB`);
  const dir = path.join(ROOT, 'train_dir', `bench-cifar-${steps}`);
  fs.rmSync(dir, { recursive: true, force: true });
  const t = ssgan(['train', '--dataset', 'CIFAR10-JPEG', '--max-training-steps', String(steps), '--train-dir', dir]);
  const e = JSON.parse(ssgan(['eval', '--dataset', 'CIFAR10-JPEG', '--checkpoint', dir, '--json'], { quiet: true }).stdout);
  figure(`seed model, ${steps} steps: test accuracy`, e.accuracy * 100, '%', `${t.seconds.toFixed(0)} s of training`);
  // The generator in numbers: the first score trains the dataset's judge (kept beside it).
  const sc = JSON.parse(ssgan(['score', '--dataset', 'CIFAR10-JPEG', '--checkpoint', dir, '--n', '10000', '--json'], { quiet: true }).stdout);
  const g = sc.samples;
  figure(`seed model, ${steps} steps: generator`, `FID ${g.fid.toFixed(2)}, KID ${g.kid.toFixed(4)} +- ${g.kidStd.toFixed(4)}, ${g.classesCovered}/10 classes >= 2%, largest ${(100 * g.largestClassShare).toFixed(1)}%`);
  if (sc.floor) figure('real training images (floor)', `FID ${sc.floor.fid.toFixed(2)}, KID ${sc.floor.kid.toFixed(4)}, largest class ${(100 * sc.floor.largestClassShare).toFixed(1)}%`);
  const p = path.join(ROOT, 'train_dir', 'bench-paper-cifar');
  fs.rmSync(p, { recursive: true, force: true });
  const pc = ssgan(['train', '--dataset', 'CIFAR10-JPEG', '--model', 'paper-cifar', '--num-labeled', '4000', '--max-training-steps', '20', '--log-step', '10', '--output-save-step', '1000000', '--train-dir', p], { quiet: true });
  const secPerStep = median([...pc.stdout.matchAll(/\[train step +\d+\].*\(([\d.]+) sec\/batch/g)].map((m) => Number(m[1])));
  figure('paper-cifar step (D + G update, batch 100)', secPerStep, 's', `=> ${(secPerStep * 500 / 60).toFixed(1)} min per epoch of 500 steps`);
}

function main(): void {
  const [name, a, b, c, d, ...rest] = process.argv.slice(2);
  // ssgan and the PyTorch references run in this environment alike; OpenBLAS's kernels depend on it.
  console.log(`OpenBLAS kernels: ${process.env.OPENBLAS_CORETYPE ? `OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE} (from the environment)` : "OpenBLAS's own choice for this CPU"}`);
  const all: Record<string, () => void> = {
    speed,
    memory,
    load,
    eval: () => evalSpeed(a),
    accuracy: () => void accuracy(Number(a ?? 5000)),
    ssl: () => ssl(Number(a ?? 100), Number(b ?? 1), Number(c ?? b ?? 1), d === undefined ? undefined : Number(d)),
    cifar: () => cifar(Number(a ?? 2000)),
    generator: () => generator(Number(a ?? 5000), [b, c, d, ...rest].filter((x): x is string => x !== undefined)),
    curves: () => curves([a, b, c, d, ...rest].filter((x) => x !== undefined)),
    score: () => scoreBench(ensureMnist, a),
    startup: () => startupBench(ensureMnist, a, b === undefined ? undefined : Number(b)),
    coldload: () => coldLoadBench(Number(a ?? 3)),
    paper: () => paperBench(ensureMnist, Number(a ?? 2), Number(b ?? 4)),
    dist: () => void distBench(Number(a ?? 20), Number(b ?? 3)),
    checkpoint: () => void process.stdout.write(run(process.execPath, [path.join(__dirname, 'checkpoint.js')], { quiet: true }).stdout),
  };
  const names = name ? [name] : ['speed', 'memory', 'load', 'eval'];
  for (const n of names) {
    if (!all[n]) throw new Error(`unknown benchmark '${n}': one of ${Object.keys(all).join(', ')}`);
    all[n]();
  }
}

try {
  main();
} catch (e) {
  process.stderr.write(`bench: ${(e as Error).message}\n`);
  process.exitCode = 1;
}
