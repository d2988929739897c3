/**
 * The training loop: batches -> native step -> logs, summaries, sample grids, checkpoints.
 * Step s trains the generator when s % (update_rate + 1) > 0, else the discriminator.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultTrainDir, reconWeightAt, type TrainConfig } from '../config';
import { loadDataset, resolveDatasetDir, type Dataset } from '../data/dataset';
import type { Losses, NativeModel } from '../native/addon';
import { EventWriter } from '../summary/events';
import { imageGrid } from '../summary/grid';
import { MetricsLog } from '../summary/metrics';
import { Progress } from '../summary/progress';
import { deriveSeed, Random } from '../util/random';
import { loadCheckpoint, saveCheckpoint, type CheckpointMeta } from './checkpoint';
import { buildModel, modelConfigFor, type BuiltModel } from './model';
import { Sampler } from './sampler';

/** Samples in each progress grid, drawn once from a fixed z so grids are comparable over time. */
const GRID_SAMPLES = 64;
/** Real/fake images in the TensorBoard image summaries. */
const SUMMARY_IMAGES = 16;

export interface TrainResult { trainDir: string; step: number; checkpoint: string; stopped: boolean }

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

interface Session {
  config: TrainConfig;
  data: Dataset;
  built: BuiltModel;
  trainDir: string;
  startStep: number;
  sampler: Sampler;
  testSampler: Sampler;
}

async function openSession(cli: TrainConfig): Promise<Session> {
  if (cli.checkpoint) {
    const ck = await loadCheckpoint(cli.checkpoint, { threads: cli.threads, device: cli.device });
    const config: TrainConfig = { ...ck.meta.config, maxTrainingSteps: cli.maxTrainingSteps, threads: cli.threads, device: cli.device, checkpoint: cli.checkpoint };
    const data = await loadDataset(ck.meta.dataset.dir, { split: config.split, seed: config.seed });
    const trainDir = path.dirname(ck.dir);
    const sampler = new Sampler(data.train, deriveSeed(config.seed, 1), ck.meta.sampler.train);
    const testSampler = new Sampler(data.test, deriveSeed(config.seed, 2), ck.meta.sampler.test);
    return { config, data, built: ck, trainDir, startStep: ck.step, sampler, testSampler };
  }
  const dir = resolveDatasetDir({ dataset: cli.dataset, datasetDir: cli.datasetDir, dataDir: cli.dataDir });
  const data = await loadDataset(dir, { split: cli.split, seed: cli.seed });
  const config: TrainConfig = { ...cli, dataset: cli.datasetDir ? data.name : cli.dataset };
  const built = buildModel(config, modelConfigFor(config, data));
  const trainDir = config.trainDir ?? defaultTrainDir(config);
  const sampler = new Sampler(data.train, deriveSeed(config.seed, 1));
  const testSampler = new Sampler(data.test.length ? data.test : data.train, deriveSeed(config.seed, 2));
  return { config, data, built, trainDir, startStep: 0, sampler, testSampler };
}

export async function train(cli: TrainConfig, out: NodeJS.WriteStream = process.stdout): Promise<TrainResult> {
  const s = await openSession(cli);
  const { config: c, data, built, trainDir } = s;
  const model: NativeModel = built.model;
  fs.mkdirSync(path.join(trainDir, 'samples'), { recursive: true });
  out.write(`Train Dir: ${trainDir}\n`);
  out.write(`Dataset: ${data.name} (${data.train.length} train / ${data.test.length} test, ${data.h}x${data.w}x${data.c}, K=${data.k}); device ${built.device}, ${c.threads} threads\n`);
  if (s.startStep) out.write(`Resuming from step ${s.startStep}\n`);

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
    sampler: { train: s.sampler.snapshot(), test: s.testSampler.snapshot() },
  });
  const saveSamples = async (step: number) => {
    const grid = imageGrid(toPixels(await model.generate(z, GRID_SAMPLES)), GRID_SAMPLES, data.h, data.w, data.c);
    fs.writeFileSync(path.join(trainDir, 'samples', `sample-${step}.png`), grid.png);
  };

  const latest: Losses = {};
  let step = s.startStep;
  let checkpoint = '';
  try {
    while (step < c.maxTrainingSteps && !stopRequested) {
      const t0 = process.hrtime.bigint();
      const batch = s.sampler.next(data, c.batchSize);
      const recon = reconWeightAt(c, step);
      // Train the generator update_rate times for each discriminator update.
      const losses = step % (c.updateRate + 1) > 0 ? await model.trainGenerator(batch, recon) : await model.trainDiscriminator(batch, null);
      Object.assign(latest, losses);
      const secPerBatch = Number(process.hrtime.bigint() - t0) / 1e9;
      step += 1;
      progress.update(step, { d_loss: latest.d_loss ?? NaN, g_loss: latest.g_loss ?? NaN, accuracy: latest.accuracy ?? NaN });

      if (step % c.logStep === 0) {
        progress.line(logLine('train', step, latest, secPerBatch, batch.n));
      }
      if (step % c.writeSummaryStep === 0) {
        const record = { ...latest, recon_weight: recon, GAN_loss: (latest.d_loss ?? 0) + (latest.g_loss ?? 0) };
        for (const [k, v] of Object.entries(record)) events.scalar(`loss/${k}`, v as number, step);
        metrics.write({ step, split: 'train', ...record, sec_per_batch: secPerBatch });
        const fakes = toPixels(await model.generate(z.subarray(0, SUMMARY_IMAGES * c.nZ), SUMMARY_IMAGES));
        const g = imageGrid(fakes, SUMMARY_IMAGES, data.h, data.w, data.c);
        events.image('img/fake', g.png, g.height, g.width, data.c, step);
        const r = imageGrid(batch.images.subarray(0, Math.min(batch.n, SUMMARY_IMAGES) * data.h * data.w * data.c), Math.min(batch.n, SUMMARY_IMAGES), data.h, data.w, data.c);
        events.image('img/real', r.png, r.height, r.width, data.c, step);
      }
      if (step % c.testSampleStep === 0) {
        const t1 = process.hrtime.bigint();
        const testBatch = s.testSampler.next(data, c.batchSize);
        const tl = await model.evaluate(testBatch);
        progress.line(logLine('val', step, tl, Number(process.hrtime.bigint() - t1) / 1e9, testBatch.n));
        for (const [k, v] of Object.entries(tl)) events.scalar(`test/${k}`, v as number, step);
        metrics.write({ step, split: 'test', ...tl });
      }
      if (step % c.outputSaveStep === 0) {
        await saveSamples(step);
        checkpoint = await saveCheckpoint(trainDir, meta(step), model);
        progress.line(`Saved checkpoint ${checkpoint}`);
      }
    }
    if (!checkpoint.endsWith(`model-${step}`)) {
      await saveSamples(step);
      checkpoint = await saveCheckpoint(trainDir, meta(step), model);
      progress.line(`Saved checkpoint ${checkpoint}`);
    }
  } finally {
    process.off('SIGINT', onSigint);
    progress.done();
    events.close();
    metrics.close();
  }
  return { trainDir, step, checkpoint, stopped: stopRequested };
}
