/**
 * The training loop: draw the batches the recipe's next step reads, run the step in the addon
 * (native/trainer.h holds the recipe), record, and checkpoint. In a data-parallel run (world.ts)
 * every rank runs this loop on its share of each batch, and rank 0 alone records and checkpoints.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lrFactorAt, type TrainConfig } from '../config';
import type { Dataset } from '../data/dataset';
import type { ModelDescription } from '../model/describe';
import { native, type Batch, type Losses, type NativeModel, type StepBatches, type StepPlan } from '../native/addon';
import { uniformNoise } from '../util/random';
import { imageGrid } from '../summary/grid';
import { Progress } from '../summary/progress';
import { writeFileAtomic } from '../util/atomic';
import { pixelBytes } from '../util/pixels';
import { deriveSeed } from '../util/random';
import { type CheckpointMeta } from '../checkpoint/format';
import { saveCheckpoint } from '../checkpoint/save';
import { CollapseWatch } from './collapse';
import { splitAccuracy } from './full-test';
import { Interrupt } from './interrupt';
import { Recorder } from './recorder';
import { gather } from '../data/batch';
import type { RunSetup } from './setup';
import { recordLabeled, snapshot, stepsPerEpoch, type Streams } from './streams';

/** Samples in each progress grid, drawn once from a fixed z so grids are comparable over time. */
const GRID_SAMPLES = 64;
/** Examples used for the data-dependent initialisation (as the paper's code). */
const DATA_INIT_EXAMPLES = 500;

/** What a checkpoint hook sees: the step, the model and its description, and the run's dataset. */
export interface CheckpointContext { step: number; model: NativeModel; desc: ModelDescription; data: Dataset; say: (line: string) => void }
/** Figures a hook computed at a checkpoint, recorded as `<split>/<name>` summaries and a metrics.jsonl line. */
export interface CheckpointFigures { split: string; figures: Record<string, number>; line: string }
/** Extra work at every checkpoint, given by the caller (e.g. the generator's scores). */
export interface CheckpointWatch { atCheckpoint(ctx: CheckpointContext): Promise<CheckpointFigures>; close(): Promise<void> }

export interface TrainResult { trainDir: string; step: number; checkpoint: string; stopped: boolean; testAccuracy?: number }

/** The batches a step's plan asks for, drawn in a fixed order (labeled, unlabeled, generator's real). */
function draw(plan: StepPlan, streams: Streams, data: Dataset, n: number): StepBatches & { real: Batch } {
  const labeled = plan.labeled ? streams.labeled.next(data, n) : undefined;
  const unlabeled = plan.unlabeled ? streams.unlabeled?.next(data, n, false) : undefined;
  const generatorReal = plan.generatorReal ? (streams.unlabeled?.next(data, n, false) ?? streams.labeled.next(data, n)) : undefined;
  return { labeled, unlabeled, generatorReal, real: (labeled ?? generatorReal)! };
}

/** Trains a run (new or resumed; see setup.ts) to its step limit, saving checkpoints on the way. */
export async function run(s: RunSetup, out: NodeJS.WriteStream, watch?: CheckpointWatch): Promise<TrainResult> {
  const { data, built, trainDir, streams, world } = s;
  const lead = world.rank === 0;
  const model: NativeModel = built.model;
  const perEpoch = stepsPerEpoch(streams, s.config.batchSize * world.size);
  const c: TrainConfig = s.config.maxEpochs !== undefined ? { ...s.config, maxTrainingSteps: s.config.maxEpochs * perEpoch } : s.config;
  if (lead) {
    fs.mkdirSync(path.join(trainDir, 'samples'), { recursive: true });
    recordLabeled(trainDir, c, data, streams);
  }
  out.write(`Train Dir: ${trainDir}\n`);
  const labeledNote = streams.labeledIndices ? `, ${streams.labeledIndices.length} labeled` : '';
  const recipe = c.gan === false ? 'supervised only (no GAN)' : `loss ${c.loss}/${c.gLoss}`;
  const batch = world.size > 1 ? `global batch ${c.batchSize * world.size} (${world.size} processes x ${c.batchSize})` : `batch ${c.batchSize}`;
  out.write(`Dataset: ${data.name} (${data.train.length} train${labeledNote} / ${data.test.length} test, ${data.h}x${data.w}x${data.c}, K=${data.k}); model ${c.model}, ${recipe}; ${batch}; device ${built.device}, ${c.threads} threads; ${perEpoch} steps per epoch\n`);
  if (s.startStep) out.write(`Resuming from step ${s.startStep}\n`);
  if (s.startStep === 0 && c.dataInit && built.desc.discriminator.concat(built.desc.generator).some((l) => 'weightNorm' in l && l.weightNorm))
    await model.initFromData(gather(data, data.train.subarray(0, DATA_INIT_EXAMPLES)));
  // Every rank starts from rank 0's weights, as DistributedDataParallel does.
  if (world.size > 1) await model.broadcastWeights();
  // The ranks stop at the same step: when any was asked to (Ctrl-C reaches each of them).
  const stopAgreed = (requested: boolean): Promise<boolean> | boolean => (world.size > 1 ? native().anyRank(requested) : requested);

  const progress = new Progress(c.maxTrainingSteps, s.startStep, out);
  const z = uniformNoise(GRID_SAMPLES * c.nZ, built.desc.zLow, built.desc.zHigh, deriveSeed(c.seed, 0x5a3));
  const recorder = lead ? new Recorder(trainDir, c, data, model, progress, z, world.size) : undefined;
  const interrupt = new Interrupt((line) => progress.line(line));
  const collapse = new CollapseWatch();

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
    const grid = imageGrid(pixelBytes(await model.generate(z, GRID_SAMPLES)), GRID_SAMPLES, data.h, data.w, data.c);
    writeFileAtomic(path.join(trainDir, 'samples', `sample-${step}.png`), grid.png);
    const dir = await saveCheckpoint(trainDir, meta(step), model);
    const t = await splitAccuracy(model, data, data.test);
    recorder!.metrics.write({ step, split: 'test-full', accuracy: t.accuracy, errors: t.errors, examples: t.examples });
    recorder!.events.scalar('test_full/accuracy', t.accuracy, step);
    progress.line(`Saved checkpoint ${dir}; test accuracy ${t.accuracy.toFixed(4)} (${t.errors} errors in ${t.examples}), epoch ${(step / perEpoch).toFixed(1)}`);
    if (watch) recorder!.figures(step, await watch.atCheckpoint({ step, model, desc: built.desc, data, say: (line) => progress.line(line) }));
    return { dir, accuracy: t.accuracy };
  };

  const latest: Losses = {};
  let step = s.startStep;
  let epoch = -1;
  let last: { dir: string; accuracy: number } | undefined;
  try {
    while (step < c.maxTrainingSteps && !(await stopAgreed(interrupt.requested))) {
      const t0 = process.hrtime.bigint();
      if (Math.floor(step / perEpoch) !== epoch) {
        epoch = Math.floor(step / perEpoch);
        const f = lrFactorAt(c, epoch);
        await model.setLearningRates(c.learningRateG * f, c.learningRateD * f);
      }
      const batches = draw(model.plan(step), streams, data, c.batchSize);
      Object.assign(latest, await model.step(step, batches));
      step += 1;
      await recorder?.afterStep(step, latest, batches.real, Number(process.hrtime.bigint() - t0) / 1e9);
      if (lead && collapse.update(latest)) {
        const message = `GAN collapse at step ${step}: the discriminator rejects every generated image (d_loss_fake ${latest.d_loss_fake!.toExponential(1)}) and the generator's loss exploded (${latest.g_loss!.toFixed(1)}, typically ${collapse.median()!.toFixed(2)})`;
        progress.line(`Warning: ${message}`);
        recorder!.metrics.write({ step, split: 'train', event: 'collapse', message });
      }
      if (step % c.testSampleStep === 0) {
        // Every rank evaluates its share of the test batch (the losses are the ranks' mean).
        const t1 = process.hrtime.bigint();
        const batch = streams.test.next(data, c.batchSize);
        const l = await model.evaluate(batch);
        recorder?.testBatch(step, l, batch.n, Number(process.hrtime.bigint() - t1) / 1e9);
      }
      if (lead && step % c.outputSaveStep === 0) last = await checkpointAt(step);
    }
    if (!lead) last = { dir: path.join(trainDir, `model-${step}`), accuracy: NaN };
    else if (!last || !last.dir.endsWith(`model-${step}`)) last = await checkpointAt(step);
  } finally {
    await watch?.close();
    interrupt.close();
    progress.done();
    recorder?.close();
  }
  return { trainDir, step, checkpoint: last.dir, stopped: interrupt.requested || step < c.maxTrainingSteps, testAccuracy: lead ? last.accuracy : undefined };
}
