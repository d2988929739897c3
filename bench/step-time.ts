/**
 * Child process of the speed benchmark: times the seed model's training step through the addon,
 * exactly as ../shared/reference/ref_ssgan.py times it (random images, 4 warm-up steps, then
 * alternating D and G steps). Prints "step_s=<seconds>".
 * Usage: node step-time.js H C BATCH STEPS THREADS [PRECISION (fp32)]
 */
import { describeModel } from '../src/model/describe';
import { createModel, native } from '../src/native/addon';
import { nativeOptions } from '../src/native/build';
import { DEFAULTS, recipeDefaults } from '../src/config';

async function main(): Promise<void> {
  const [h, c, bs, steps, threads] = process.argv.slice(2, 7).map(Number);
  const precision = process.argv[7] === 'bf16' ? 'bf16' : 'fp32';
  native().setThreads(threads);
  const k = 10;
  const desc = describeModel({ model: 'seed', h, w: h, c, k, nz: 128, normType: 'batch', deconvType: 'bilinear', loss: 'seed', generator: 'seed' });
  const m = createModel(desc, nativeOptions({ ...DEFAULTS, ...recipeDefaults('seed'), seed: 0, precision }, 'cpu'));
  const batch = { images: Uint8Array.from({ length: bs * h * h * c }, (_, i) => (i * 2654435761) >>> 24), labels: Int32Array.from({ length: bs }, (_, i) => i % k), n: bs };
  // The seed recipe: even steps update D on the labeled batch, odd steps G (with the reconstruction term).
  const step = (s: number) => m.step(s, s % 2 ? { generatorReal: batch } : { labeled: batch });
  for (let s = 0; s < 4; s++) await step(s);
  const t0 = process.hrtime.bigint();
  for (let s = 0; s < steps; s++) await step(s);
  const dt = Number(process.hrtime.bigint() - t0) / 1e9 / steps;
  process.stdout.write(`h=${h} c=${c} bs=${bs} precision=${precision} threads=${native().getThreads()} step_s=${dt.toFixed(4)}\n`);
}

void main();
