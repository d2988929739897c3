/**
 * Child process of the paper-model benchmark: times a paper model's training step through the
 * addon at its defaults (the official code's recipe: one discriminator and one generator update a
 * step, batch 100) on random images, after the data-dependent init and 2 warm-up steps.
 * Usage: node paper-step.js MODEL STEPS THREADS; prints "step_s=<seconds>".
 */
import { DEFAULTS, modelDefaults } from '../src/config';
import type { ModelKind } from '../src/model/describe';
import { buildModel, modelConfigFor } from '../src/native/build';

async function main(): Promise<void> {
  const model = process.argv[2] as ModelKind;
  const [steps, threads] = process.argv.slice(3).map(Number);
  const [h, c] = model === 'paper-mnist' ? [28, 1] : [32, 3];
  const cfg = { ...DEFAULTS, ...modelDefaults(model), model, threads, device: 'cpu' as const };
  const { model: m } = buildModel(cfg, modelConfigFor(cfg, { h, w: h, c, k: 10 }));
  const batch = (n: number, salt: number) => ({
    images: Uint8Array.from({ length: n * h * h * c }, (_, i) => ((i + salt) * 2654435761) >>> 24),
    labels: Int32Array.from({ length: n }, (_, i) => i % 10),
    n,
  });
  await m.initFromData(batch(500, 1));
  const bs = cfg.batchSize;
  const labeled = batch(bs, 2), unlabeled = batch(bs, 3), real = batch(bs, 4);
  const step = (s: number) => m.step(s, { labeled, unlabeled, generatorReal: real });
  for (let s = 0; s < 2; s++) await step(s);
  const t0 = process.hrtime.bigint();
  for (let s = 2; s < 2 + steps; s++) await step(s);
  process.stdout.write(`model=${model} threads=${threads} step_s=${(Number(process.hrtime.bigint() - t0) / 1e9 / steps).toFixed(4)}\n`);
}

main().catch((e: Error) => {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
});
