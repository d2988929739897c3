/**
 * `npm run bench -- dist [STEPS] [ROUNDS]`: data-parallel training on this machine, one process with
 * every core against one process per core (Gloo on loopback) at the same global batch: step time,
 * images/s, and the gradient averaging's time per step and share of the step. The default
 * recipe's training step on random images (bench/dist-step.ts), MNIST's shape (28x28x1) and
 * 32x32x3, global batch 64; ROUNDS (3) interleaved rounds of STEPS (20) timed steps, medians.
 */
import { spawn } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { figure, median } from './common';

interface Timing { step: number; sync: number; precision: string }

function child(args: number[]): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.join(__dirname, 'dist-step.js'), ...args.map(String)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => {
      const m = /precision=(\w+) step_s=([\d.]+) sync_s=([\d.]+)/.exec(out);
      if (code !== 0 || !m) reject(new Error(`dist-step ${args.join(' ')} exited ${code}: ${err.trim()}`));
      else resolve({ precision: m[1], step: Number(m[2]), sync: Number(m[3]) });
    });
  });
}

/** One timing of `world` processes sharing the cores (rank 0's figures: every rank steps in lockstep). */
async function timing(world: number, h: number, c: number, globalBatch: number, steps: number, port: number): Promise<Timing> {
  const threads = Math.max(1, Math.floor(os.availableParallelism() / world));
  const ranks = Array.from({ length: world }, (_, rank) => child([world, rank, port, h, c, globalBatch / world, steps, threads]));
  return (await Promise.all(ranks))[0];
}

export async function distBench(steps = 20, rounds = 3): Promise<void> {
  const cores = os.availableParallelism();
  const batch = 64;
  console.log(`dist: default recipe, global batch ${batch}: 1 process x ${cores} threads against ${cores} processes x 1 thread (Gloo, loopback); ${rounds} interleaved rounds of ${steps} steps`);
  let port = 29600 + (process.pid % 1000);
  for (const [h, c] of [[28, 1], [32, 3]]) {
    const one: Timing[] = [], many: Timing[] = [];
    for (let r = 0; r < rounds; r++) {
      one.push(await timing(1, h, c, batch, steps, port++));
      many.push(await timing(cores, h, c, batch, steps, port++));
    }
    if (h === 28) console.log(`  (precision ${one[0].precision}, the default)`);
    const s1 = median(one.map((t) => t.step)), sn = median(many.map((t) => t.step)), sync = median(many.map((t) => t.sync));
    const rounds1 = one.map((t) => (t.step * 1000).toFixed(0)).join('/'), roundsN = many.map((t) => (t.step * 1000).toFixed(0)).join('/');
    figure(`${h}x${h}x${c} step, 1 process x ${cores} threads`, s1 * 1000, 'ms', `${(batch / s1).toFixed(0)} images/s; rounds ${rounds1}`);
    figure(`${h}x${h}x${c} step, ${cores} processes x 1 thread`, sn * 1000, 'ms', `${(batch / sn).toFixed(0)} images/s; rounds ${roundsN}`);
    figure(`${h}x${h}x${c} gradient averaging per step`, sync * 1000, 'ms', `${((100 * sync) / sn).toFixed(1)}% of the step`);
    figure(`${h}x${h}x${c} speed-up of ${cores} processes`, s1 / sn, 'x');
  }
}
