/**
 * A training run's setup: a new run (dataset, streams, fresh model, train dir) or a resumed
 * one (checkpoint, its settings with the few a resume may change, its dataset and batch position).
 * Both hold the train dir's lock while trainer.ts's run() trains the RunSetup it prepares. In a
 * data-parallel run (world.ts) every rank prepares the same setup, and rank 0 alone writes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultTrainDir, validate, type TrainConfig } from '../config';
import { loadOpened, openCheckpoint, skippedLines, trainDirOf } from '../checkpoint/load';
import { recoverTrainDir } from '../checkpoint/recover';
import { loadDataset, resolveDatasetDir, type Dataset } from '../data/dataset';
import { fingerprintData, fingerprintDifference } from '../data/fingerprint';
import { buildModel, modelConfigFor, type BuiltModel } from '../native/build';
import { lockTrainDir } from './lock';
import { planResume, type ResumeRequest } from './resume-flags';
import { rewindMetrics } from './rewind';
import { openStreams, type Streams } from './streams';
import { run, type CheckpointWatch, type TrainResult } from './trainer';
import { SINGLE, type World } from './world';

export { RESUMABLE, type ResumeRequest } from './resume-flags';

export interface RunSetup { config: TrainConfig; data: Dataset; built: BuiltModel; trainDir: string; startStep: number; streams: Streams; world: World }

/**
 * The batch size of each of `world.size` processes that keeps the run's global batch; a new run's
 * or a resumed run's configuration records it with the number of processes.
 */
function perProcess(c: TrainConfig, world: World, what: string): TrainConfig {
  const processes = c.processes ?? 1;
  const global = c.batchSize * processes;
  if (global % world.size !== 0)
    throw new Error(`${what} trains with a global batch of ${global} (${processes} x ${c.batchSize}), which ${world.size} processes cannot share evenly: run it with a number of processes that divides ${global}`);
  if (processes === world.size) return c;
  const { processes: _, ...rest } = c;
  return world.size === 1 ? { ...rest, batchSize: global } : { ...rest, batchSize: global / world.size, processes: world.size };
}

function say(out: NodeJS.WriteStream, lines: (string | undefined)[]): void {
  for (const l of lines) if (l) out.write(`${l}\n`);
}

/** The data a resumed run loads must be the data it was trained on, wherever it now is. */
function checkSameData(data: Dataset, req: ResumeRequest, saved: TrainConfig, meta: { dir: string; modelConfig: { h: number; w: number; c: number; k: number }; labeled?: number[] }, relocated: boolean): void {
  const where = req.datasetDir !== undefined ? `--dataset-dir ${req.datasetDir}` : req.dataDir !== undefined ? `--data-dir ${req.dataDir}` : req.dataset !== undefined ? `--dataset ${req.dataset}` : undefined;
  const fix = relocated ? `point ${where?.split(' ')[0]} at the run's dataset, or train a new run with another --train-dir` : `restore that dataset, or pass --dataset-dir with a copy of it`;
  const lead = relocated ? `${where}: ${data.dir} is not the dataset ${meta.dir} was trained on` : `${data.dir} changed since ${meta.dir} was written`;
  if (saved.dataFingerprint) {
    const diff = fingerprintDifference(saved.dataFingerprint, fingerprintData(data));
    if (diff) throw new Error(`${lead} (${diff}); ${fix}`);
    return;
  }
  // Written before fingerprints: the shapes and the labeled examples are all there is to check.
  const mc = meta.modelConfig;
  const maxLabeled = meta.labeled?.length ? Math.max(...meta.labeled) : -1;
  if (mc.h !== data.h || mc.w !== data.w || mc.c !== data.c || mc.k !== data.k || maxLabeled >= data.ids.length)
    throw new Error(`${lead} (${data.ids.length} examples of ${data.h}x${data.w}x${data.c}, K = ${data.k}; the run's model takes ${mc.h}x${mc.w}x${mc.c}, K = ${mc.k}); ${fix}`);
}

export async function prepareResume(req: ResumeRequest, out: NodeJS.WriteStream = process.stdout, world: World = SINGLE): Promise<RunSetup> {
  const trainDir = trainDirOf(req.checkpoint);
  const lead = world.rank === 0;
  if (lead) say(out, recoverTrainDir(trainDir));
  const opened = openCheckpoint(req.checkpoint);
  say(out, skippedLines(opened));
  const { meta } = opened;
  const plan = planResume(req, meta, opened.dir);
  const data = await loadDataset(plan.datasetDir, { split: plan.config.split });
  checkSameData(data, req, meta.config, { ...meta, dir: opened.dir }, plan.relocated);
  if (plan.relocated) say(out, [`Dataset: ${data.dir} (the data ${opened.dir} was trained on${meta.config.dataFingerprint ? ', same fingerprint' : ''})`]);
  const config: TrainConfig = perProcess({ ...plan.config, dataFingerprint: meta.config.dataFingerprint ?? fingerprintData(data) }, world, opened.dir);
  if (req.batchSize !== undefined && req.batchSize !== config.batchSize)
    throw new Error(`--batch-size ${req.batchSize}: ${opened.dir} trains with a global batch of ${config.batchSize * world.size}, which gives ${world.size === 1 ? 'one process' : `each of ${world.size} processes`} ${config.batchSize}; drop --batch-size`);
  const ck = await loadOpened(opened, plan.changes, 'resume');
  const streams = openStreams(config, data, ck.meta, world);
  if (lead) say(out, [rewindMetrics(trainDir, ck.step)]);
  return { config, data, built: ck, trainDir: path.dirname(ck.dir), startStep: ck.step, streams, world };
}

/** A new run's configuration with its dataset resolved, and its train dir. */
function planNew(cli: TrainConfig): { config: TrainConfig; datasetDir: string; trainDir: string } {
  const datasetDir = resolveDatasetDir({ dataset: cli.dataset, datasetDir: cli.datasetDir, dataDir: cli.dataDir });
  // An absolute --labeled-ids path, so labeled.json and the checkpoint name the file from anywhere.
  const labeledIds = cli.labeledIds === undefined ? undefined : path.resolve(cli.labeledIds);
  const config: TrainConfig = { ...cli, dataset: cli.datasetDir ? path.basename(datasetDir) : cli.dataset, labeledIds };
  return { config, datasetDir, trainDir: config.trainDir ?? defaultTrainDir(config) };
}

export async function prepareNewRun(cli: TrainConfig, out: NodeJS.WriteStream = process.stdout, world: World = SINGLE): Promise<RunSetup> {
  const { config: planned, datasetDir, trainDir } = planNew(cli);
  const lead = world.rank === 0;
  if (lead) say(out, recoverTrainDir(trainDir));
  if (fs.existsSync(trainDir) && fs.readdirSync(trainDir).some((f) => /^model-\d+$/.test(f)))
    throw new Error(`--train-dir ${trainDir} already holds checkpoints: resume with --checkpoint ${trainDir}, or choose another --train-dir`);
  // --split seed is the seed project's own 80/20 shuffle (its seed, not --seed), as `ssgan eval` uses.
  const data = await loadDataset(datasetDir, { split: planned.split });
  const config: TrainConfig = { ...planned, dataFingerprint: fingerprintData(data), ...(world.size > 1 ? { processes: world.size } : {}) };
  const streams = openStreams(config, data, undefined, world);
  const built = buildModel(config, modelConfigFor(config, data));
  if (lead) say(out, [rewindMetrics(trainDir, 0)]);
  return { config, data, built, trainDir, startStep: 0, streams, world };
}

/**
 * Resumes a run from its checkpoint (the step count, batch order, optimisers and RNG continue).
 * `req` holds the flags typed with --checkpoint: see resume-flags.ts for what they may change.
 */
export async function resume(req: ResumeRequest, out: NodeJS.WriteStream = process.stdout, watch?: CheckpointWatch, world: World = SINGLE): Promise<TrainResult> {
  if (world.rank !== 0) return run(await prepareResume(req, out, world), out, watch);
  const lock = await lockTrainDir(trainDirOf(req.checkpoint), { create: false, flag: '--checkpoint' });
  try {
    return await run(await prepareResume(req, out, world), out, watch);
  } finally {
    await lock.release();
  }
}

/** Trains a new run. A full config cannot tell typed settings from defaults, so resuming is resume()'s. */
export async function train(cli: TrainConfig, out: NodeJS.WriteStream = process.stdout, watch?: CheckpointWatch, world: World = SINGLE): Promise<TrainResult> {
  if (cli.checkpoint !== undefined) throw new Error(`--checkpoint ${cli.checkpoint}: resume a run with resume({ checkpoint }), not train()`);
  validate(cli);
  // Ranks other than 0 write nothing: no train dir, no lock.
  if (world.rank !== 0) return run(await prepareNewRun(cli, out, world), out, watch);
  const lock = await lockTrainDir(planNew(cli).trainDir, { create: true });
  let s: RunSetup;
  try {
    s = await prepareNewRun(cli, out, world);
  } catch (e) {
    // Nothing was trained: leave no train dir behind.
    await lock.release({ removeCreated: true });
    throw e;
  }
  try {
    return await run(s, out, watch);
  } finally {
    await lock.release();
  }
}
