/** Small training runs on the seed-h5 fixture (240 MNIST digits, K = 10) for tests of src/train/. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULTS, type TrainConfig } from '../../src/config';
import { FIXTURES } from './repo-root';
import { tmpDir } from './tmp-dir';

export const SEED_H5 = path.join(FIXTURES, 'seed-h5');

/** A private copy of the seed-h5 fixture (loading writes a data.packed cache beside the data). */
export function fixtureCopy(): string {
  const dir = path.join(tmpDir('fixture'), 'seed-h5');
  fs.mkdirSync(dir);
  for (const f of ['data.hdf5', 'id.txt']) fs.copyFileSync(path.join(SEED_H5, f), path.join(dir, f));
  return dir;
}

/** A training configuration for tiny runs: small batches and noise, CPU, two threads. */
export function smallConfig(datasetDir: string, over: Partial<TrainConfig> = {}): TrainConfig {
  return {
    ...DEFAULTS,
    datasetDir,
    batchSize: 8,
    nZ: 16,
    threads: 2,
    device: 'cpu',
    logStep: 2,
    writeSummaryStep: 3,
    testSampleStep: 2,
    outputSaveStep: 4,
    ...over,
  };
}

/** A stand-in for stdout that keeps what the trainer prints. */
export function captureStream(): { stream: NodeJS.WriteStream; text: () => string } {
  let buf = '';
  const stream = { isTTY: false, columns: 120, write: (s: string | Uint8Array) => { buf += typeof s === 'string' ? s : Buffer.from(s).toString(); return true; } };
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => buf };
}

export function listCheckpoints(trainDir: string): string[] {
  return fs.readdirSync(trainDir).filter((n) => /^model-\d+$/.test(n)).sort((a, b) => Number(a.slice(6)) - Number(b.slice(6)));
}
