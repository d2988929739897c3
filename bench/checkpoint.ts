/**
 * `npm run bench -- checkpoint`: what checkpoint integrity costs for the MNIST seed model (28x28x1,
 * K = 10, the defaults): SHA-256 of its files when saving and when loading, beside the whole save
 * and load, and the flushes to disk. Medians of 5 rounds.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULTS, type TrainConfig } from '../src/config';
import type { CheckpointMeta } from '../src/checkpoint/format';
import { loadOpened, verifyCheckpoint } from '../src/checkpoint/load';
import { hashFile } from '../src/checkpoint/manifest';
import { saveCheckpoint } from '../src/checkpoint/save';
import { buildModel, modelConfigFor } from '../src/native/build';
import { fsyncPath } from '../src/util/atomic';
import { figure, median } from './common';

const ROUNDS = 5;

async function main(): Promise<void> {
  const config: TrainConfig = { ...DEFAULTS, threads: 1, device: 'cpu' };
  const modelConfig = modelConfigFor(config, { h: 28, w: 28, c: 1, k: 10 });
  const { model } = buildModel(config, modelConfig);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ssgan-bench-ck-'));
  const meta = (step: number): CheckpointMeta => ({ format: 'ssgan-checkpoint', version: 2, step, config, modelConfig, dataset: { name: 'MNIST', dir: '/nowhere', classNames: [] }, sampler: {} });
  const t = { save: [] as number[], hashSave: [] as number[], fsync: [] as number[], verify: [] as number[], load: [] as number[] };
  let bytes = 0;
  for (let i = 1; i <= ROUNDS; i++) {
    let t0 = performance.now();
    const dir = await saveCheckpoint(root, meta(i), model);
    t.save.push(performance.now() - t0);
    // What saveCheckpoint spent on hashing: the same files, just written (in the page cache, as there).
    t0 = performance.now();
    bytes = hashFile(path.join(dir, 'state.pt')).bytes;
    hashFile(path.join(dir, 'checkpoint.json'));
    t.hashSave.push(performance.now() - t0);
    t0 = performance.now();
    fsyncPath(path.join(dir, 'state.pt'));
    t.fsync.push(performance.now() - t0);
    t0 = performance.now();
    const v = verifyCheckpoint(dir);
    t.verify.push(performance.now() - t0);
    t0 = performance.now();
    await loadOpened({ dir, meta: v.meta }, { threads: 1, device: 'cpu' }, 'resume');
    t.load.push(performance.now() - t0);
  }
  fs.rmSync(root, { recursive: true, force: true });
  console.log(`checkpoint: MNIST seed model, state.pt ${(bytes / 1e6).toFixed(1)} MB, ${ROUNDS} rounds (medians)`);
  figure('save, whole (state.pt + checkpoint.json + manifest, flushed)', median(t.save), 'ms');
  figure('  of which SHA-256 of the files', median(t.hashSave), 'ms', `${((median(t.hashSave) / median(t.save)) * 100).toFixed(0)}% of the save`);
  figure('  flush of state.pt (fsync, already written)', median(t.fsync), 'ms');
  figure('load: manifest verification (SHA-256)', median(t.verify), 'ms');
  figure('load: libtorch (model built, state read)', median(t.load), 'ms', `verification adds ${((median(t.verify) / median(t.load)) * 100).toFixed(0)}%`);
}

main().catch((e) => {
  process.stderr.write(`bench checkpoint: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
