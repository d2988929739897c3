/**
 * paper-cifar / paper-svhn as the official code parametrised them (--official-init, their default):
 * initial weights, the data init (the generator's output layer included), which gains train over a
 * few steps on the CIFAR-10 fixture, and checkpoints, including ones written before the switch.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { loadCheckpoint } from '../../src/checkpoint/load';
import { saveCheckpoint } from '../../src/checkpoint/save';
import type { CheckpointMeta } from '../../src/checkpoint/format';
import { DEFAULTS, modelDefaults, type TrainConfig } from '../../src/config';
import { gather } from '../../src/data/batch';
import { loadDataset, writeDataset, type Dataset } from '../../src/data/dataset';
import { CIFAR10 } from '../../src/data/download/sources';
import type { ModelKind } from '../../src/model/describe';
import type { Batch, StepBatches } from '../../src/native/addon';
import { buildModel, modelConfigFor } from '../../src/native/build';
import { maxAbsDiff } from '../helpers/model';
import { FIXTURES } from '../helpers/repo-root';
import { tmpDir } from '../helpers/tmp-dir';

const B = 8;
const INIT_N = 40;
const work = tmpDir('paper-conv');
let data: Dataset;
let dataDir: string;

before(async () => {
  // The CIFAR-10 fixture (200 training and 50 test images of the real binary tarball) as ssgan stores it.
  dataDir = path.join(work, 'CIFAR10');
  await writeDataset(dataDir, CIFAR10.build(new Map([['cifar-10-binary.tar.gz', path.join(FIXTURES, 'cifar10', 'cifar-10-binary.tar.gz')]])));
  data = await loadDataset(dataDir, { split: 'official' });
});

const config = (model: ModelKind, over: Partial<TrainConfig> = {}): TrainConfig =>
  ({ ...DEFAULTS, ...modelDefaults(model), model, datasetDir: dataDir, threads: 2, device: 'cpu', seed: 5, batchSize: B, emaDecay: 0.9, ...over });
const batchAt = (start: number, n: number, labeled = true): Batch => gather(data, data.train.subarray(start, start + n), labeled);
const stepBatches = (at: number): StepBatches => ({ labeled: batchAt(at, B), unlabeled: batchAt(at + 50, B, false), generatorReal: batchAt(at + 100, B, false) });
const meta = (c: TrainConfig, step: number): CheckpointMeta => ({
  format: 'ssgan-checkpoint', version: 1, step, config: c, modelConfig: modelConfigFor(c, data),
  dataset: { name: data.name, dir: data.dir, classNames: data.classNames }, sampler: {},
});
const std = (a: Float32Array): number => Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);

/** The discriminator's hidden weight-normalised layers, whose gains the official code never trained. */
const HIDDEN = ['conv1', 'conv2', 'conv3', 'conv4', 'conv5', 'conv6', 'conv7', 'nin1', 'nin2'];

test('paper-svhn --official-init: the narrow widths, N(0, 0.05) directions, fixed hidden gains, shift-only batch norms, no input affine', () => {
  const c = config('paper-svhn');
  assert.equal(c.officialInit, true, 'the default');
  const { desc } = buildModel(c, modelConfigFor(c, data));
  assert.notEqual(desc.discriminator[0].op, 'affine', 'pixels enter in [-1, 1], as the official code fed them');
  const conv1 = desc.discriminator.find((l) => 'name' in l && l.name === 'conv1');
  assert.deepEqual(conv1 && { outC: 'outC' in conv1 && conv1.outC, initStd: 'initStd' in conv1 && conv1.initStd, trainGain: 'trainGain' in conv1 && conv1.trainGain }, { outC: 64, initStd: 0.05, trainGain: false });
  for (const l of desc.generator) if (l.op === 'norm') assert.deepEqual({ affine: l.affine, shift: l.shift }, { affine: false, shift: true }, l.name);
});

test('paper-cifar --official-init: N(0, 0.05) directions with unit gains, the generator\'s dense and hidden transposed convs N(0, 0.05) too; the data init sets every weight-normalised layer (the generator\'s output too); over 3 steps only the output layers train their gains; checkpoints keep the fixed gains', async () => {
  const c = config('paper-cifar');
  assert.deepEqual({ officialInit: c.officialInit, dataInit: c.dataInit, clipNorm: c.clipNorm, adamEpsilon: c.adamEpsilon }, { officialInit: true, dataInit: true, clipNorm: 0, adamEpsilon: 'official' });
  const { model: m } = buildModel(c, modelConfigFor(c, data));
  const w0 = await m.weights();
  for (const k of ['D.conv1.v', 'D.conv7.v', 'D.nin2.v', 'D.fc_logits.v', 'G.fc.weight', 'G.deconv1.weight', 'G.deconv2.weight', 'G.deconv3.v'])
    assert.ok(Math.abs(std(w0[k].data) / 0.05 - 1) < 0.05, `${k}: std ${std(w0[k].data)}, expected 0.05`);
  for (const k of ['D.conv1.g', 'D.fc_logits.g', 'G.deconv3.g']) assert.ok(w0[k].data.every((v) => v === 1), `${k} starts at 1`);
  for (const k of ['D.conv1.bias', 'D.fc_logits.bias', 'G.fc.bias', 'G.deconv1.bias', 'G.deconv2.bias', 'G.deconv3.bias']) assert.ok(w0[k].data.every((v) => v === 0), `${k} starts at 0`);
  for (const n of ['norm0', 'norm1', 'norm2']) {
    assert.equal(w0[`G.${n}.weight`], undefined, `G.${n}: no scale (the official g=None)`);
    assert.ok(w0[`G.${n}.bias`].data.every((v) => v === 0), `G.${n}: a shift, from 0`);
  }

  await m.initFromData(batchAt(0, INIT_N));
  const w1 = await m.weights();
  for (const k of [...HIDDEN.map((n) => `D.${n}.g`), 'D.fc_logits.g', 'G.deconv3.g', 'G.deconv3.bias'])
    assert.ok(maxAbsDiff(w1[k].data, w0[k].data) > 1e-3, `${k}: set by the data init`);

  for (let s = 0; s < 3; s++) await m.step(s, stepBatches(10 * s));
  const w2 = await m.weights(), avg = await m.weights(true);
  for (const n of HIDDEN) {
    assert.deepEqual(w2[`D.${n}.g`], w1[`D.${n}.g`], `${n}: a fixed gain`);
    assert.deepEqual(avg[`D.${n}.g`], w1[`D.${n}.g`], `${n}: the average holds the same gain`);
  }
  for (const k of ['D.fc_logits.g', 'D.conv1.v', 'D.conv1.bias', 'G.deconv3.g', 'G.deconv1.weight', 'G.norm1.bias'])
    assert.ok(maxAbsDiff(w2[k].data, w1[k].data) > 0, `${k} trains`);

  const mt = meta(c, 3);
  assert.equal(mt.modelConfig.officialInit, true);
  const ck = await loadCheckpoint(await saveCheckpoint(path.join(work, 'official'), mt, m), { threads: 2, device: 'cpu' });
  const images = batchAt(0, 16).images;
  assert.deepEqual(await ck.model.classify(images, 16, true), await m.classify(images, 16, true));
});

test('paper-cifar: a checkpoint whose model description has no officialInit (written before it existed) loads as PyTorch\'s init built it', async () => {
  const c = config('paper-cifar', { officialInit: false, clipNorm: 20, adamEpsilon: 'pytorch' });
  const { model: m, desc } = buildModel(c, modelConfigFor(c, data));
  assert.equal(desc.discriminator[0].op, 'affine', 'the [-1, 1] -> [0, 1] map of the model as first built');
  const { officialInit: _drop, ...old } = c;
  const mt = meta(old as TrainConfig, 0);
  assert.equal('officialInit' in mt.modelConfig, false);
  const ck = await loadCheckpoint(await saveCheckpoint(path.join(work, 'older'), mt, m), { threads: 2, device: 'cpu' });
  const w = await ck.model.weights();
  assert.ok(w['G.norm0.weight'] && w['D.conv1.g'], 'batch norms with a scale; gains kept');
  const images = batchAt(0, 16).images;
  assert.deepEqual(await ck.model.classify(images, 16, true), await m.classify(images, 16, true));
});

test('paper-cifar matches features by their mean absolute difference by default (the official CIFAR-10 code\'s), the squared one on request', async () => {
  const l1 = config('paper-cifar');
  assert.equal(l1.gLoss, 'feature-matching-l1');
  // Same seed, weights and batches: both generator updates see the same feature difference d, so
  // the losses are mean |d| and mean d^2, with mean |d|^2 <= mean d^2 (Cauchy-Schwarz).
  const gLoss = async (c: TrainConfig) => {
    const { model: m } = buildModel(c, modelConfigFor(c, data));
    await m.initFromData(batchAt(0, INIT_N));
    return (await m.step(0, stepBatches(0))).g_loss!;
  };
  const [abs, sq] = [await gLoss(l1), await gLoss(config('paper-cifar', { gLoss: 'feature-matching' }))];
  assert.ok(abs > 0 && sq > 0 && abs !== sq, `l1 ${abs}, squared ${sq}`);
  assert.ok(abs * abs <= sq * (1 + 1e-5), `mean |d| = ${abs}, mean d^2 = ${sq}`);
});
