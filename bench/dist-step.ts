/**
 * Child process of the data-parallel benchmark: one rank of a Gloo process group on loopback (or a
 * lone process when WORLD is 1) timing the default recipe's training step on random images of the
 * given shape at the default precision. Prints "precision=<p> step_s=<seconds> sync_s=<seconds>": wall time per step, and the part of it
 * spent averaging gradients across ranks.
 * Usage: node dist-step.js WORLD RANK PORT H C BATCH STEPS THREADS
 */
import { describeModel } from '../src/model/describe';
import { createModel, native } from '../src/native/addon';
import { nativeOptions } from '../src/native/build';
import { DEFAULTS } from '../src/config';

async function main(): Promise<void> {
  const [world, rank, port, h, c, bs, steps, threads] = process.argv.slice(2).map(Number);
  native().setThreads(threads);
  if (world > 1) await native().joinProcessGroup({ rank, world, masterAddr: '127.0.0.1', masterPort: port, timeoutMs: 120_000, backend: 'gloo', agentStorePrefix: '' });
  const k = 10;
  const d = DEFAULTS;
  const desc = describeModel({ model: 'seed', h, w: h, c, k, nz: d.nZ, normType: d.normType, deconvType: d.deconvType, loss: d.loss, generator: d.generator });
  const opts = nativeOptions({ ...d, seed: 0 }, 'cpu');
  const m = createModel(desc, opts);
  const pixels = (salt: number) => Uint8Array.from({ length: bs * h * h * c }, (_, i) => ((i + salt) * 2654435761) >>> 24);
  const batch = (salt: number) => ({ images: pixels(salt + rank), labels: Int32Array.from({ length: bs }, (_, i) => (i + rank) % k), n: bs });
  const labeled = batch(0), unlabeled = batch(7);
  const step = (s: number) => {
    const plan = m.plan(s);
    return m.step(s, { labeled: plan.labeled ? labeled : undefined, unlabeled: plan.unlabeled ? unlabeled : undefined, generatorReal: plan.generatorReal ? unlabeled : undefined });
  };
  for (let s = 0; s < 4; s++) await step(s);
  const sync0 = native().gradientAveragingSeconds();
  const t0 = process.hrtime.bigint();
  for (let s = 4; s < 4 + steps; s++) await step(s);
  const dt = Number(process.hrtime.bigint() - t0) / 1e9 / steps;
  const sync = (native().gradientAveragingSeconds() - sync0) / steps;
  process.stdout.write(`world=${world} rank=${rank} bs=${bs} threads=${threads} precision=${opts.precision} step_s=${dt.toFixed(4)} sync_s=${sync.toFixed(4)}\n`);
}

main().catch((e: Error) => {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
});
