/**
 * A small dataset (8x12x3, K = 3) and a checkpoint of a model with random weights (non-trivial
 * batch-norm statistics) trained on it, written through the real dataset and checkpoint writers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULTS, type TrainConfig } from '../../../src/config';
import { writeDataset } from '../../../src/data/dataset';
import { saveCheckpoint } from '../../../src/checkpoint/save';
import { buildModel, modelConfigFor } from '../../../src/native/build';
import { Random } from '../../../src/util/random';
import { randomWeights } from '../../export/helpers/random-weights';
import { tmpDir } from '../../helpers/tmp-dir';

export const FIX = { h: 8, w: 12, c: 3, k: 3, count: 40, train: 25, step: 7 };
export const CLASS_NAMES = ['cat', 'dog', 'owl'];

export interface Fixture { root: string; datasetDir: string; trainDir: string; checkpoint: string }

export async function makeFixture(): Promise<Fixture> {
  const root = tmpDir('evalfix');
  const datasetDir = path.join(root, 'datasets', 'tiny');
  const r = new Random(5);
  const { h, w, c, k, count, train } = FIX;
  const images = Uint8Array.from({ length: count * h * w * c }, () => r.int(256));
  const labels = Int32Array.from({ length: count }, () => r.int(k));
  await writeDataset(datasetDir, { images, labels, h, w, c, k, train, classNames: CLASS_NAMES, name: 'tiny' });

  const config: TrainConfig = { ...DEFAULTS, dataset: 'tiny', dataDir: path.join(root, 'datasets'), nZ: 5, threads: 1, device: 'cpu' };
  const modelConfig = modelConfigFor(config, { h, w, c, k });
  const built = buildModel(config, modelConfig);
  built.model.setWeights(randomWeights(built.desc, 19)); // a seed whose predictions spread over all classes
  const trainDir = path.join(root, 'train');
  fs.mkdirSync(trainDir, { recursive: true });
  const checkpoint = await saveCheckpoint(trainDir, {
    format: 'ssgan-checkpoint', version: 1, step: FIX.step, config, modelConfig,
    dataset: { name: 'tiny', dir: datasetDir, classNames: CLASS_NAMES }, sampler: {},
  }, built.model);
  return { root, datasetDir, trainDir, checkpoint };
}
