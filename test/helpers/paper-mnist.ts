/** paper-mnist on a copy of the seed-h5 fixture, for the tests of its init, steps, checkpoints and export. */
import type { CheckpointMeta } from '../../src/checkpoint/format';
import { DEFAULTS, modelDefaults, type TrainConfig } from '../../src/config';
import { loadDataset, type Dataset } from '../../src/data/dataset';
import type { Batch, StepBatches } from '../../src/native/addon';
import { buildModel, modelConfigFor, type BuiltModel } from '../../src/native/build';
import { gather } from '../../src/data/batch';
import { tmpDir } from './tmp-dir';
import { fixtureCopy } from './train-fixture';

/** Examples in the data-dependent init's batch. */
export const INIT_N = 100;
/** Batch size of the steps. */
export const B = 20;
/** Decay of the classifier's moving average. */
export const EMA = 0.9;

export interface PaperMnist {
  data: Dataset;
  /** A scratch folder for checkpoints and exports. */
  work: string;
  /** The first INIT_N training examples, labeled. */
  initBatch: Batch;
  config(over?: Partial<TrainConfig>): TrainConfig;
  build(over?: Partial<TrainConfig>): BuiltModel;
  /** `n` training examples from `start`. */
  batchAt(start: number, n: number, labeled?: boolean): Batch;
  /** The batches of one Improved-GAN step (a discriminator then a generator update) from data offset `at`. */
  stepBatches(at: number): StepBatches;
  /** Checkpoint metadata of a run with configuration `c` at `step`. */
  checkpointMeta(c: TrainConfig, step: number): CheckpointMeta;
}

export async function paperMnist(): Promise<PaperMnist> {
  const dataDir = fixtureCopy();
  const data = await loadDataset(dataDir, { split: 'official', seed: 0 });
  const config = (over: Partial<TrainConfig> = {}): TrainConfig =>
    ({ ...DEFAULTS, ...modelDefaults('paper-mnist'), model: 'paper-mnist', datasetDir: dataDir, threads: 2, device: 'cpu', seed: 3, batchSize: B, emaDecay: EMA, ...over });
  const batchAt = (start: number, n: number, labeled = true): Batch => gather(data, data.train.subarray(start, start + n), labeled);
  return {
    data,
    work: tmpDir('paper-mnist'),
    initBatch: batchAt(0, INIT_N),
    config,
    build: (over = {}) => {
      const c = config(over);
      return buildModel(c, modelConfigFor(c, data));
    },
    batchAt,
    stepBatches: (at) => ({ labeled: batchAt(at, B), unlabeled: batchAt(at + 50, B, false), generatorReal: batchAt(at + 100, B, false) }),
    checkpointMeta: (c, step) => ({
      format: 'ssgan-checkpoint', version: 1, step, config: c, modelConfig: modelConfigFor(c, data),
      dataset: { name: data.name, dir: data.dir, classNames: data.classNames }, sampler: {},
    }),
  };
}
