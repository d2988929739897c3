/**
 * The batch streams of a run: labeled (all of the training split, or --num-labeled of it),
 * unlabeled (few-label runs and the Improved-GAN recipe), and test batches for monitoring.
 */
import * as path from 'node:path';
import type { TrainConfig } from '../config';
import type { Dataset } from '../data/dataset';
import { writeFileAtomic } from '../util/atomic';
import { deriveSeed } from '../util/random';
import { readLabeledIds, selectLabeled, splitLabels } from './labels';
import { Sampler, type SamplerState, type Shard } from './sampler';

export interface Streams {
  labeled: Sampler;
  unlabeled: Sampler | null;
  test: Sampler;
  /** Indices of the labeled examples when training with few labels. */
  labeledIndices?: Int32Array;
}

/** The run's streams; in a data-parallel run, this rank's share of each (sampler.ts). */
export function openStreams(c: TrainConfig, data: Dataset, saved?: { sampler: Record<string, SamplerState>; labeled?: number[] }, shard?: Shard): Streams {
  const labeledIndices = saved?.labeled
    ? Int32Array.from(saved.labeled)
    : c.labeledIds !== undefined
      ? readLabeledIds(c.labeledIds, data)
      : c.numLabeled !== undefined
        ? selectLabeled(data.train, data.labels, data.k, c.numLabeled, c.labelSeed)
        : undefined;
  const pools = labeledIndices ? splitLabels(data.train, labeledIndices, c.unlabeled) : { labeled: data.train, unlabeled: data.train };
  const needUnlabeled = labeledIndices !== undefined || c.loss === 'improved-gan';
  return {
    labeled: new Sampler(pools.labeled, deriveSeed(c.seed, 1), saved?.sampler.labeled, shard),
    unlabeled: needUnlabeled ? new Sampler(pools.unlabeled, deriveSeed(c.seed, 3), saved?.sampler.unlabeled, shard) : null,
    test: new Sampler(data.test.length ? data.test : data.train, deriveSeed(c.seed, 2), saved?.sampler.test, shard),
    labeledIndices,
  };
}

export function snapshot(s: Streams): Record<string, SamplerState> {
  const out: Record<string, SamplerState> = { labeled: s.labeled.snapshot(), test: s.test.snapshot() };
  if (s.unlabeled) out.unlabeled = s.unlabeled.snapshot();
  return out;
}

/** Steps per epoch: one pass over the stream that drives the run (unlabeled when there is one); the global batch. */
export function stepsPerEpoch(s: Streams, batchSize: number): number {
  return Math.max(1, Math.floor((s.unlabeled ?? s.labeled).poolSize / batchSize));
}

/** Records which examples were labeled, by id, so a few-label run can be audited. */
export function recordLabeled(trainDir: string, c: TrainConfig, data: Dataset, s: Streams): void {
  if (!s.labeledIndices) return;
  const file = path.join(trainDir, 'labeled.json');
  const ids = Array.from(s.labeledIndices, (i) => data.ids[i]);
  const source = c.labeledIds !== undefined ? { labeledIds: c.labeledIds } : { labelSeed: c.labelSeed };
  writeFileAtomic(file, JSON.stringify({ numLabeled: ids.length, ...source, unlabeled: c.unlabeled, ids }, null, 1));
}
