/**
 * The training loop: batches -> native step -> logs, summaries, sample grids, checkpoints.
 *
 * Two recipes:
 *  - the seed's (`--loss seed`): step s trains the generator when s % (update_rate + 1) > 0, else
 *    the discriminator (on a labeled batch, plus an unlabeled one when labels are few);
 *  - the paper's (`--loss improved-gan`): each step is one discriminator update on a labeled, an
 *    unlabeled and a generated batch, then one generator update.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lrFactorAt, reconWeightAt, type TrainConfig } from '../config';
import type { Losses, NativeModel } from '../native/addon';
import { EventWriter } from '../summary/events';
import { imageGrid } from '../summary/grid';
import { MetricsLog } from '../summary/metrics';
import { Progress } from '../summary/progress';
import { writeFileAtomic } from '../util/atomic';
import { deriveSeed, Random } from '../util/random';
import { type CheckpointMeta } from '../checkpoint/format';
import { saveCheckpoint } from '../checkpoint/save';
import { splitAccuracy } from './full-test';
import { gather, type Batch } from './sampler';
import type { Session } from './session';
import { recordLabeled, snapshot, stepsPerEpoch } from './streams';

/** Samples in each progress grid, drawn once from a fixed z so grids are comparable over time. */
const GRID_SAMPLES = 64;
/** Real/fake images in the TensorBoard image summaries. */
const SUMMARY_IMAGES = 16;
/** Examples used for the data-dependent initialisation (as the paper's code). */
const DATA_INIT_EXAMPLES = 500;

export interface TrainResult { trainDir: string; step: number; checkpoint: string; stopped: boolean; testAccuracy?: number }

/** NHWC floats in [-1, 1] -> raw pixels 0..255. */
export function toPixels(x: Float32Array): Uint8Array {
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.round(Math.min(1, Math.max(-1, x[i])) * 127.5 + 127.5);
  return out;
}

function fixedZ(seed: number, n: number, nz: number, lo: number, hi: number): Float32Array {
  const rng = new Random(deriveSeed(seed, 0x5a3));
  return Float32Array.from({ length: n * nz }, () => lo + (hi - lo) * rng.next());
}

function fmt(v: number | undefined): string {
  return v === undefined ? 'n/a' : v.toFixed(5);
}

/** The seed's log line. */
function logLine(split: string, step: number, l: Losses, secPerBatch: number, batch: number): string {
  return `[${split} step ${String(step).padStart(4)}] Supervised loss: ${fmt(l.s_loss)} D loss: ${fmt(l.d_loss)} G loss: ${fmt(l.g_loss)} Accuracy: ${fmt(l.accuracy)} (${secPerBatch.toFixed(3)} sec/batch, ${(batch / secPerBatch).toFixed(3)} instances/sec)`;
}

/** Trains a session (new or resumed; see session.ts) to its step limit, saving checkpoints on the way. */
export async function run(s: Session, out: NodeJS.WriteStream): Promise<TrainResult> {
  const { data, built, trainDir, streams } = s;
  const model: NativeModel = built.model;
  const perEpoch = stepsPerEpoch(streams, s.config.batchSize);
  const c: TrainConfig = s.config.maxEpochs !== undefined ? { ...s.config, maxTrainingSteps: s.config.maxEpochs * perEpoch } : s.config;
  const B = c.batchSize;
  fs.mkdirSync(path.join(trainDir, 'samples'), { recursive: true });
  recordLabeled(trainDir, c, data, streams);
  out.write(`Train Dir: ${trainDir}\n`);
  const labeledNote = streams.labeledIndices ? `, ${streams.labeledIndices.length} labeled` : '';
  out.write(`Dataset: ${data.name} (${data.train.length} train${labeledNote} / ${data.test.length} test, ${data.h}x${data.w}x${data.c}, K=${data.k}); model ${c.model}, loss ${c.loss}/${c.gLoss}; device ${built.device}, ${c.threads} threads; ${perEpoch} steps per epoch\n`);
  if (s.startStep) out.write(`Resuming from step ${s.startStep}\n`);

  if (s.startStep === 0 && c.dataInit && built.desc.discriminator.concat(built.desc.generator).some((l) => 'weightNorm' in l && l.weightNorm)) {
    await model.initFromData(gather(data, data.train.subarray(0, DATA_INIT_EXAMPLES)));
  }

  const events = new EventWriter(trainDir);
  const metrics = new MetricsLog(path.join(trainDir, 'metrics.jsonl'));
  const progress = new Progress(c.maxTrainingSteps, s.startStep, out);
  const z = fixedZ(c.seed, GRID_SAMPLES, c.nZ, built.desc.zLow, built.desc.zHigh);
  let stopRequested = false;
  const onSigint = () => {
    if (stopRequested) process.exit(130);
    stopRequested = true;
    progress.line('Interrupted: stopping after this step and saving a checkpoint (Ctrl-C again to abort)');
  };
  process.on('SIGINT', onSigint);

  const meta = (step: number): CheckpointMeta => ({
    format: 'ssgan-checkpoint',
    version: 1,
    step,
    config: c,
    modelConfig: built.desc.config,
    dataset: { name: data.name, dir: data.dir, classNames: data.classNames },
    sampler: snapshot(streams),
    labeled: streams.labeledIndices ? Array.from(streams.labeledIndices) : undefined,
  });
  const checkpointAt = async (step: number): Promise<{ dir: string; accuracy: number }> => {
    const grid = imageGrid(toPixels(await model.generate(z, GRID_SAMPLES)), GRID_SAMPLES, data.h, data.w, data.c);
    writeFileAtomic(path.join(trainDir, 'samples', `sample-${step}.png`), grid.png);
    const dir = await saveCheckpoint(trainDir, meta(step), model);
    const t = await splitAccuracy(model, data, data.test);
    metrics.write({ step, split: 'test-full', accuracy: t.accuracy, errors: t.errors, examples: t.examples });
    events.scalar('test_full/accuracy', t.accuracy, step);
    progress.line(`Saved checkpoint ${dir}; test accuracy ${t.accuracy.toFixed(4)} (${t.errors} errors in ${t.examples}), epoch ${(step / perEpoch).toFixed(1)}`);
    return { dir, accuracy: t.accuracy };
  };

  const latest: Losses = {};
  let step = s.startStep;
  let epoch = -1;
  let last: { dir: string; accuracy: number } | undefined;
  try {
    while (step < c.maxTrainingSteps && !stopRequested) {
      const t0 = process.hrtime.bigint();
      if (Math.floor(step / perEpoch) !== epoch) {
        epoch = Math.floor(step / perEpoch);
        const f = lrFactorAt(c, epoch);
        model.setLearningRates(c.learningRateG * f, c.learningRateD * f);
      }
      const unlabeled = () => streams.unlabeled?.next(data, B, false) ?? null;
      let real: Batch;
      if (c.loss === 'improved-gan') {
        // The paper's iteration: D on labeled + unlabeled + generated, then G.
        real = streams.labeled.next(data, B);
        Object.assign(latest, await model.trainDiscriminator(real, unlabeled()));
        Object.assign(latest, await model.trainGenerator(unlabeled()!, 0));
      } else if (step % (c.updateRate + 1) > 0) {
        // The seed trains G update_rate times per D update; the real batch feeds the reconstruction loss.
        real = unlabeled() ?? streams.labeled.next(data, B);
        Object.assign(latest, await model.trainGenerator(real, reconWeightAt(c, step)));
      } else {
        real = streams.labeled.next(data, B);
        Object.assign(latest, await model.trainDiscriminator(real, unlabeled()));
      }
      const secPerBatch = Number(process.hrtime.bigint() - t0) / 1e9;
      step += 1;
      progress.update(step, { d_loss: latest.d_loss ?? NaN, g_loss: latest.g_loss ?? NaN, accuracy: latest.accuracy ?? NaN });

      if (step % c.logStep === 0) progress.line(logLine('train', step, latest, secPerBatch, real.n));
      if (step % c.writeSummaryStep === 0) {
        const record = { ...latest, recon_weight: c.loss === 'seed' ? reconWeightAt(c, step - 1) : 0, GAN_loss: (latest.d_loss ?? 0) + (latest.g_loss ?? 0) };
        for (const [k, v] of Object.entries(record)) events.scalar(`loss/${k}`, v as number, step);
        metrics.write({ step, split: 'train', ...record, sec_per_batch: secPerBatch });
        const fakes = imageGrid(toPixels(await model.generate(z.subarray(0, SUMMARY_IMAGES * c.nZ), SUMMARY_IMAGES)), SUMMARY_IMAGES, data.h, data.w, data.c);
        events.image('img/fake', fakes.png, fakes.height, fakes.width, data.c, step);
        const n = Math.min(real.n, SUMMARY_IMAGES);
        const reals = imageGrid(real.images.subarray(0, n * data.h * data.w * data.c), n, data.h, data.w, data.c);
        events.image('img/real', reals.png, reals.height, reals.width, data.c, step);
      }
      if (step % c.testSampleStep === 0) {
        const t1 = process.hrtime.bigint();
        const testBatch = streams.test.next(data, B);
        const tl = await model.evaluate(testBatch);
        progress.line(logLine('val', step, tl, Number(process.hrtime.bigint() - t1) / 1e9, testBatch.n));
        for (const [k, v] of Object.entries(tl)) events.scalar(`test/${k}`, v as number, step);
        metrics.write({ step, split: 'test', ...tl });
      }
      if (step % c.outputSaveStep === 0) last = await checkpointAt(step);
    }
    if (!last || !last.dir.endsWith(`model-${step}`)) last = await checkpointAt(step);
  } finally {
    process.off('SIGINT', onSigint);
    progress.done();
    events.close();
    metrics.close();
  }
  return { trainDir, step, checkpoint: last.dir, stopped: stopRequested, testAccuracy: last.accuracy };
}
