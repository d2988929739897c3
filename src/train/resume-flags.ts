/**
 * What a resumed run takes from its command line. The checkpoint fixes the run's settings: a flag
 * equal to the recorded value is accepted, one that differs is refused (naming the flag, both
 * values and the fix) unless it is RESUMABLE. --dataset / --data-dir / --dataset-dir may point at
 * the data's new location; the session then checks it is the same data (its fingerprint).
 */
import * as path from 'node:path';
import { flagOf, typedFlag, validate, type TrainConfig } from '../config';
import { canonicalDatasetName, resolveDatasetDir } from '../data/dataset';
import type { CheckpointMeta } from '../checkpoint/format';

/**
 * What a resumed run may change (when typed): its length and learning-rate schedule, the decay of
 * its weight average, where and in which precision it runs, and how often it logs, writes summaries and saves (which
 * leave the training itself as it was; test batches do not: they draw generator noise). Its
 * checkpoint fixes everything else.
 */
export const RESUMABLE = ['checkpoint', 'maxTrainingSteps', 'maxEpochs', 'lrDecayStart', 'emaDecay', 'threads', 'device', 'precision', 'logStep', 'writeSummaryStep', 'outputSaveStep'] as const;
/** Where the data is: may change on resume, checked by fingerprint. */
const LOCATION = ['dataset', 'dataDir', 'datasetDir'] as const;

/** A resume: the checkpoint, and the flags typed with it (any TrainConfig key). */
export type ResumeRequest = { checkpoint: string } & Partial<TrainConfig>;

export interface ResumePlan {
  /** The resumed run's configuration. */
  config: TrainConfig;
  /** What differs from the checkpoint's configuration (RESUMABLE settings, the data's location). */
  changes: Partial<TrainConfig>;
  /** The dataset folder to load, and whether it is not the one the checkpoint recorded. */
  datasetDir: string;
  relocated: boolean;
}

function recordedValue(saved: TrainConfig, key: string, trainDir: string): unknown {
  if (key === 'trainDir') return trainDir;
  if (key === 'adamEpsilon') return saved.adamEpsilon ?? 'pytorch';
  if (key === 'officialInit') return saved.officialInit ?? false;
  if (key === 'generatorInit') return saved.generatorInit ?? 'pytorch';
  // Runs recorded before the generator was a setting trained the seed's.
  if (key === 'generator') return saved.generator ?? 'seed';
  return (saved as unknown as Record<string, unknown>)[key];
}

function sameValue(key: string, typed: unknown, recorded: unknown): boolean {
  if ((key === 'trainDir' || key === 'labeledIds') && typeof recorded === 'string') return path.resolve(String(typed)) === path.resolve(recorded);
  return typed === recorded;
}

function recordedFlag(key: string, v: unknown): string {
  return v === undefined ? `no ${flagOf(key)}` : typedFlag(key, v);
}

/** Checks the typed flags against the checkpoint's settings; throws one line for any it refuses. */
export function planResume(req: ResumeRequest, meta: CheckpointMeta, checkpointDir: string): ResumePlan {
  const saved = meta.config;
  const trainDir = path.dirname(checkpointDir);
  const typed = Object.entries(req).filter(([k, v]) => v !== undefined && k !== 'checkpoint') as [keyof TrainConfig, unknown][];
  const changes: Partial<TrainConfig> = {};
  const refused: string[] = [];
  const changed = new Set<string>();
  for (const [k, v] of typed) {
    if ((LOCATION as readonly string[]).includes(k)) {
      changed.add(k);
      continue;
    }
    const rec = recordedValue(saved, k, trainDir);
    if ((RESUMABLE as readonly string[]).includes(k)) {
      (changes as Record<string, unknown>)[k] = v;
      if (!sameValue(k, v, rec)) changed.add(k);
    } else if (!sameValue(k, v, rec)) refused.push(k);
  }
  if (refused.length) {
    const get = (k: string) => (req as Record<string, unknown>)[k];
    const those = refused.length > 1 ? 'these flags' : 'the flag';
    throw new Error(
      `${refused.map((k) => typedFlag(k, get(k))).join(', ')}: ${trainDir} was started with ${refused.map((k) => recordedFlag(k, recordedValue(saved, k, trainDir))).join(', ')}, which a resumed run cannot change; drop ${those} (or give the recorded value${refused.length > 1 ? 's' : ''}) to resume it, or train a new run with another --train-dir`,
    );
  }
  if (changed.has('maxTrainingSteps') && !changed.has('maxEpochs') && saved.maxEpochs !== undefined)
    throw new Error(`--max-training-steps ${changes.maxTrainingSteps}: ${checkpointDir} counts epochs (--max-epochs ${saved.maxEpochs}); extend it with --max-epochs`);
  // The average lives in the checkpoint: its decay may change, but it cannot be started or dropped.
  if (changes.emaDecay !== undefined && changes.emaDecay > 0 !== saved.emaDecay > 0)
    throw new Error(`--ema-decay ${changes.emaDecay}: ${checkpointDir} was trained with --ema-decay ${saved.emaDecay}; a resume can change the decay of a weight average, not ${saved.emaDecay > 0 ? 'drop' : 'start'} one`);

  const sameName = req.dataset === undefined || canonicalDatasetName(req.dataset).toLowerCase() === canonicalDatasetName(saved.dataset).toLowerCase();
  let datasetDir = meta.dataset.dir;
  if (req.datasetDir !== undefined || req.dataDir !== undefined || !sameName)
    datasetDir = resolveDatasetDir({ dataset: req.dataset ?? saved.dataset, datasetDir: req.datasetDir, dataDir: req.dataDir ?? saved.dataDir });
  const relocated = path.resolve(datasetDir) !== path.resolve(meta.dataset.dir);
  if (relocated) Object.assign(changes, { datasetDir, dataDir: req.dataDir ?? saved.dataDir });
  const config = validate({ ...saved, ...changes }, changed);
  return { config, changes, datasetDir, relocated };
}
