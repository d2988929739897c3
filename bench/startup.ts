/**
 * `npm run bench -- startup [CHECKPOINT] [ROUNDS]`: small commands end to end, as a user runs them
 * (`bin/ssgan ...` in a child process, from exec to exit): `ssgan --help`, `ssgan sample --n 64`
 * (a PNG grid from a checkpoint, libtorch) and `ssgan eval` on MNIST's 10,000 test digits
 * (onnxruntime, the checkpoint's classifier exported on the fly). One warm-up round, then ROUNDS
 * (5) interleaved rounds: the median wall time and its range, the median CPU
 * time (user + system: less sensitive than wall time to other work on the machine) and the load.
 * Without CHECKPOINT: train_dir/bench-startup-MNIST-20, a 20-step run trained once (the seed model
 * at the defaults: its size, not its accuracy, is what these commands pay for).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { figure, median, ROOT, SSGAN, ssgan } from './common';

function checkpointFor(given?: string): string {
  if (given) return given;
  const dir = path.join(ROOT, 'train_dir', 'bench-startup-MNIST-20');
  if (!fs.existsSync(path.join(dir, 'model-20'))) {
    fs.rmSync(dir, { recursive: true, force: true });
    ssgan(['train', '--dataset', 'MNIST', '--max-training-steps', '20', '--output-save-step', '20', '--threads', '1', '--train-dir', dir], { quiet: true });
  }
  return dir;
}

/** A path as given, relative to the checkout when inside it. */
function shown(p: string): string {
  const rel = path.relative(ROOT, path.resolve(p));
  return rel && !rel.startsWith('..') ? rel : p;
}

/** state.pt of a checkpoint, or of the newest one in a train dir. */
function stateFile(ck: string): string {
  if (fs.existsSync(path.join(ck, 'state.pt'))) return path.join(ck, 'state.pt');
  const newest = fs.readdirSync(ck).filter((f) => /^model-\d+$/.test(f)).sort((a, b) => Number(b.slice(6)) - Number(a.slice(6)))[0];
  return path.join(ck, newest ?? '', 'state.pt');
}

/** Seconds from spawning `bin/ssgan ARGS` to its exit, and the CPU seconds it used (user + system, GNU time). */
function timed(args: string[], timeFile: string): { wall: number; cpu: number } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', timeFile, SSGAN, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'pipe'] });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`ssgan ${args.join(' ')} exited ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const [user, sys] = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return { wall, cpu: user + sys };
}

export function startupBench(ensureMnist: () => void, checkpoint?: string, rounds = 5): void {
  ensureMnist();
  const ck = checkpointFor(checkpoint);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ssgan-bench-startup-'));
  const out = path.join(tmp, 'samples.png');
  const timeFile = path.join(tmp, 'time');
  const commands: { name: string; args: string[] }[] = [
    { name: 'ssgan --help', args: ['--help'] },
    { name: 'ssgan sample --n 64', args: ['sample', '--checkpoint', ck, '--out', out, '--n', '64'] },
    { name: 'ssgan eval (MNIST, 10,000 digits)', args: ['eval', '--checkpoint', ck, '--dataset', 'MNIST'] },
  ];
  for (const c of commands) timed(c.args, timeFile); // warm-up: page cache, nothing measured
  const times = commands.map(() => [] as { wall: number; cpu: number }[]);
  const load0 = os.loadavg()[0];
  for (let r = 0; r < rounds; r++) commands.forEach((c, i) => times[i].push(timed(c.args, timeFile)));
  const load1 = os.loadavg()[0];
  fs.rmSync(tmp, { recursive: true, force: true });
  console.log(`startup: bin/ssgan end to end, ${rounds} interleaved rounds after a warm-up; checkpoint ${shown(ck)} (state.pt ${(fs.statSync(stateFile(ck)).size / 2 ** 20).toFixed(0)} MiB), ${os.availableParallelism()} cores, load average ${load0.toFixed(1)} -> ${load1.toFixed(1)}`);
  commands.forEach((c, i) => {
    const wall = times[i].map((t) => t.wall);
    const m = median(wall);
    figure(c.name, m, 's', `range ${Math.min(...wall).toFixed(2)}-${Math.max(...wall).toFixed(2)}, CPU ${median(times[i].map((t) => t.cpu)).toFixed(2)} s`);
  });
}
