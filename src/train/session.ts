/**
 * A training session's setup: a new run (dataset, streams, fresh model, train dir) or a resumed
 * one (checkpoint, its settings with the few a resume may change, its dataset and batch position).
 * trainer.ts's run() takes the Session and trains it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultTrainDir, validate, type TrainConfig } from '../config';
import { loadDataset, resolveDatasetDir, type Dataset } from '../data/dataset';
import { loadOpened, openCheckpoint } from '../checkpoint/load';
import { buildModel, modelConfigFor, type BuiltModel } from '../native/build';
import { openStreams, type Streams } from './streams';
import { run, type TrainResult } from './trainer';

/** What a resumed run takes from the command line (when given); its checkpoint fixes everything else. */
export const RESUMABLE = ['checkpoint', 'maxTrainingSteps', 'maxEpochs', 'lrDecayStart', 'emaDecay', 'threads', 'device'] as const;
type Resumable = (typeof RESUMABLE)[number];
/** A resume: the checkpoint, and only the RESUMABLE settings that should change. */
export type ResumeRequest = { checkpoint: string } & Partial<Pick<TrainConfig, Resumable>>;

export interface Session { config: TrainConfig; data: Dataset; built: BuiltModel; trainDir: string; startStep: number; streams: Streams }

export async function resumeSession(req: ResumeRequest): Promise<Session> {
  const opened = openCheckpoint(req.checkpoint);
  const { dir, meta } = opened;
  const saved = meta.config;
  const given: Partial<TrainConfig> = Object.fromEntries(RESUMABLE.filter((k) => req[k] !== undefined).map((k) => [k, req[k]]));
  if (given.maxTrainingSteps !== undefined && given.maxEpochs === undefined && saved.maxEpochs !== undefined)
    throw new Error(`--max-training-steps ${given.maxTrainingSteps}: ${dir} counts epochs (--max-epochs ${saved.maxEpochs}); extend it with --max-epochs`);
  // The average lives in the checkpoint: its decay may change, but it cannot be started or dropped.
  if (given.emaDecay !== undefined && given.emaDecay > 0 !== saved.emaDecay > 0)
    throw new Error(`--ema-decay ${given.emaDecay}: ${dir} was trained with --ema-decay ${saved.emaDecay}; a resume can change the decay of a weight average, not ${saved.emaDecay > 0 ? 'drop' : 'start'} one`);
  const config: TrainConfig = validate({ ...saved, ...given });
  const ck = await loadOpened(opened, given, 'resume');
  const data = await loadDataset(ck.meta.dataset.dir, { split: config.split });
  const streams = openStreams(config, data, ck.meta);
  return { config, data, built: ck, trainDir: path.dirname(ck.dir), startStep: ck.step, streams };
}

export async function newSession(cli: TrainConfig): Promise<Session> {
  const dir = resolveDatasetDir({ dataset: cli.dataset, datasetDir: cli.datasetDir, dataDir: cli.dataDir });
  // --split seed is the seed project's own 80/20 shuffle (its seed, not --seed), as `ssgan eval` uses.
  const data = await loadDataset(dir, { split: cli.split });
  // An absolute --labeled-ids path, so labeled.json and the checkpoint name the file from anywhere.
  const labeledIds = cli.labeledIds === undefined ? undefined : path.resolve(cli.labeledIds);
  const config: TrainConfig = { ...cli, dataset: cli.datasetDir ? data.name : cli.dataset, labeledIds };
  const trainDir = config.trainDir ?? defaultTrainDir(config);
  if (fs.existsSync(trainDir) && fs.readdirSync(trainDir).some((f) => /^model-\d+$/.test(f)))
    throw new Error(`--train-dir ${trainDir} already holds checkpoints: resume with --checkpoint ${trainDir}, or choose another --train-dir`);
  const streams = openStreams(config, data);
  const built = buildModel(config, modelConfigFor(config, data));
  return { config, data, built, trainDir, startStep: 0, streams };
}

/** Resumes a run from its checkpoint (the step count, batch order, optimisers and RNG continue). */
export async function resume(req: ResumeRequest, out: NodeJS.WriteStream = process.stdout): Promise<TrainResult> {
  return run(await resumeSession(req), out);
}

/** Trains a new run. A full config cannot tell typed settings from defaults, so resuming is resume()'s. */
export async function train(cli: TrainConfig, out: NodeJS.WriteStream = process.stdout): Promise<TrainResult> {
  if (cli.checkpoint !== undefined) throw new Error(`--checkpoint ${cli.checkpoint}: resume a run with resume({ checkpoint }), not train()`);
  return run(await newSession(cli), out);
}
