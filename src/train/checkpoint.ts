/**
 * Checkpoints: `<train dir>/model-<step>/` holding `checkpoint.json` (step, configs, dataset
 * facts, sampler position) and `state.pt` (both networks, both optimisers, the RNG), written
 * under a temporary name and renamed into place.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TrainConfig } from '../config';
import type { ModelConfig } from '../model/describe';
import { withTempDir, writeFileAtomic } from '../util/atomic';
import { buildModel, type BuiltModel } from './model';
import type { SamplerState } from './sampler';

export const PRODUCER = 'ssgan';
export const PRODUCER_VERSION: string = require('../../../package.json').version;

export interface CheckpointMeta {
  format: 'ssgan-checkpoint';
  version: 1;
  step: number;
  config: TrainConfig;
  modelConfig: ModelConfig;
  dataset: { name: string; dir: string; classNames: string[] };
  sampler: Record<string, SamplerState>;
  /** Indices of the labeled training examples when training with few labels. */
  labeled?: number[];
}

const META = 'checkpoint.json';
const STATE = 'state.pt';

export async function saveCheckpoint(trainDir: string, meta: CheckpointMeta, model: BuiltModel['model']): Promise<string> {
  const dir = path.join(trainDir, `model-${meta.step}`);
  await withTempDir(dir, async (tmp) => {
    await model.save(path.join(tmp, STATE));
    writeFileAtomic(path.join(tmp, META), JSON.stringify(meta, null, 1));
  });
  return dir;
}

function stepOf(name: string): number {
  const m = /^model-(\d+)$/.exec(name);
  return m ? Number(m[1]) : -1;
}

/** A `model-N` directory as given, or the newest `model-N` inside a train dir. */
export function resolveCheckpoint(p: string): string {
  if (!fs.existsSync(p)) throw new Error(`--checkpoint ${p}: no such file or directory`);
  if (fs.existsSync(path.join(p, META))) return p;
  const steps = fs.readdirSync(p).map(stepOf).filter((s) => s >= 0 && fs.existsSync(path.join(p, `model-${s}`, META)));
  if (!steps.length) throw new Error(`--checkpoint ${p}: neither a model-<step> checkpoint nor a train dir holding one`);
  return path.join(p, `model-${Math.max(...steps)}`);
}

export function readCheckpointMeta(dir: string): CheckpointMeta {
  const file = path.join(dir, META);
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: cannot read the checkpoint description (${(e as Error).message})`);
  }
  if (meta.format !== 'ssgan-checkpoint') throw new Error(`${file}: not an ssgan checkpoint`);
  return meta;
}

export interface LoadedCheckpoint extends BuiltModel { dir: string; meta: CheckpointMeta; step: number }

/**
 * Rebuilds the model a checkpoint was written by and loads its state. `overrides` set threads and
 * device; `purpose` 'resume' also restores both optimisers and the RNG, 'inference' only weights.
 */
export async function loadCheckpoint(p: string, overrides: Partial<TrainConfig> = {}, purpose: 'resume' | 'inference' = 'inference'): Promise<LoadedCheckpoint> {
  const dir = resolveCheckpoint(p);
  return loadCheckpointWith(dir, readCheckpointMeta(dir), overrides, purpose);
}

/** loadCheckpoint for a resolved checkpoint directory whose description is already read. */
export async function loadCheckpointWith(dir: string, meta: CheckpointMeta, overrides: Partial<TrainConfig>, purpose: 'resume' | 'inference'): Promise<LoadedCheckpoint> {
  const built = buildModel({ ...meta.config, ...overrides }, meta.modelConfig);
  await built.model.load(path.join(dir, STATE), purpose === 'inference');
  return { ...built, dir, meta, step: meta.step };
}
