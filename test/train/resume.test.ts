/**
 * Exact resume: 6 steps, then resume to 8, ends with the same weights as 8 steps in one
 * go: the step count continues and batch order, optimiser moments and the RNG come back.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { TrainConfig } from '../../src/config';
import type { Weights } from '../../src/native/addon';
import { loadCheckpoint, readCheckpointMeta } from '../../src/checkpoint/load';
import { resume, train } from '../../src/train/setup';
import { tmpDir } from '../helpers/tmp-dir';
import { captureStream, fixtureCopy, listCheckpoints, smallConfig } from '../helpers/train-fixture';

function weightDiffs(a: Weights, b: Weights): string[] {
  assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort());
  const out: string[] = [];
  for (const k of Object.keys(a)) {
    const x = a[k].data, y = b[k].data;
    let m = 0;
    for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
    if (m !== 0 || x.length !== y.length) out.push(`${k}: max |diff| ${m}`);
  }
  return out;
}

async function resumeCase(over: Partial<TrainConfig>): Promise<void> {
  const data = fixtureCopy();
  const root = tmpDir('resume');
  const split = path.join(root, 'split'), whole = path.join(root, 'whole');
  const cfg = (trainDir: string, steps: number, extra: Partial<TrainConfig> = {}) =>
    smallConfig(data, { trainDir, maxTrainingSteps: steps, seed: 5, ...over, ...extra });

  const first = await train(cfg(split, 6), captureStream().stream);
  assert.equal(first.step, 6);
  assert.deepEqual(listCheckpoints(split), ['model-4', 'model-6']);

  const log = captureStream();
  // The command line names only the checkpoint and the new length; the rest comes from the checkpoint.
  const resumed = await resume({ checkpoint: split, maxTrainingSteps: 8, threads: 2, device: 'cpu' }, log.stream);
  assert.match(log.text(), /Resuming from step 6/);
  assert.equal(resumed.step, 8);
  assert.equal(resumed.trainDir, split);
  assert.deepEqual(listCheckpoints(split), ['model-4', 'model-6', 'model-8']);
  assert.equal(readCheckpointMeta(path.join(split, 'model-8')).step, 8);

  const once = await train(cfg(whole, 8), captureStream().stream);
  assert.deepEqual(listCheckpoints(whole), ['model-4', 'model-8']);
  // The batch positions after 8 steps agree (same batch order).
  assert.deepEqual(readCheckpointMeta(path.join(split, 'model-8')).sampler, readCheckpointMeta(path.join(whole, 'model-8')).sampler);

  const a = await loadCheckpoint(resumed.checkpoint, { threads: 2, device: 'cpu' }, 'resume');
  const b = await loadCheckpoint(once.checkpoint, { threads: 2, device: 'cpu' }, 'resume');
  // Guard against a vacuous pass: training moved the weights away from step 6.
  const at6 = await loadCheckpoint(path.join(split, 'model-6'), { threads: 2, device: 'cpu' }, 'resume');
  assert.ok(weightDiffs(await at6.model.weights(), await b.model.weights()).length > 0, 'steps 7-8 changed nothing');
  assert.deepEqual(weightDiffs(await a.model.weights(), await b.model.weights()), [], 'resumed vs uninterrupted weights');
  if ((over.emaDecay ?? 0) > 0) assert.deepEqual(weightDiffs(await a.model.weights(true), await b.model.weights(true)), [], 'moving averages');
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(path.dirname(data), { recursive: true, force: true });
}

test('seed model: 6 steps + resume to 8 == 8 steps (weights bit-identical)', async () => {
  await resumeCase({});
});

test('paper-mnist, 20 labels, EMA: 6 steps + resume to 8 == 8 steps (weights bit-identical)', async () => {
  await resumeCase({ model: 'paper-mnist', loss: 'improved-gan', gLoss: 'feature-matching', learningRateG: 3e-3, learningRateD: 3e-3, emaDecay: 0.9, numLabeled: 20, nZ: 16, batchSize: 10 });
});

test('a resume may change the weight average\'s decay: the raw weights are untouched, the average follows the new decay', async () => {
  const data = fixtureCopy();
  const root = tmpDir('resume-ema');
  const paper: Partial<TrainConfig> = { model: 'paper-mnist', loss: 'improved-gan', gLoss: 'feature-matching', learningRateG: 3e-3, learningRateD: 3e-3, numLabeled: 20, nZ: 16, batchSize: 10, seed: 5 };
  const cfg = (trainDir: string, steps: number) => smallConfig(data, { ...paper, trainDir, maxTrainingSteps: steps, emaDecay: 0.9 });
  const split = path.join(root, 'split'), whole = path.join(root, 'whole');
  await train(cfg(split, 6), captureStream().stream);
  const resumed = await resume({ checkpoint: split, maxTrainingSteps: 8, emaDecay: 0.1, threads: 2, device: 'cpu' }, captureStream().stream);
  const once = await train(cfg(whole, 8), captureStream().stream);
  assert.equal(readCheckpointMeta(resumed.checkpoint).config.emaDecay, 0.1);
  const a = await loadCheckpoint(resumed.checkpoint, { threads: 2, device: 'cpu' }, 'resume');
  const b = await loadCheckpoint(once.checkpoint, { threads: 2, device: 'cpu' }, 'resume');
  assert.deepEqual(weightDiffs(await a.model.weights(), await b.model.weights()), [], 'raw weights');
  // The warm-up allows a decay of up to 8/17 by step 8, so 0.9 and 0.1 average differently.
  assert.ok(weightDiffs(await a.model.weights(true), await b.model.weights(true)).length > 0, 'the new decay changed nothing');
  // Dropping an average is refused in one line (the newest checkpoint, model-8, has decay 0.1).
  await assert.rejects(resume({ checkpoint: split, emaDecay: 0 }), /^Error: --ema-decay 0: .* was trained with --ema-decay 0.1; a resume can change the decay of a weight average, not drop one$/);
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(path.dirname(data), { recursive: true, force: true });
});
