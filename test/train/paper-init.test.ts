/**
 * paper-mnist's initialisation: the data-dependent init checked by hand (a noise-free twin, then the
 * real model with its input noise), and the official code's parametrisation (--official-init):
 * initial weights, which gains train, and checkpoints that keep the fixed ones.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { loadCheckpoint } from '../../src/checkpoint/load';
import { saveCheckpoint } from '../../src/checkpoint/save';
import type { Dense, Layer } from '../../src/model/layers';
import { createModel, type Batch, type Weights } from '../../src/native/addon';
import { maxAbsDiff, OPTIONS } from '../helpers/model';
import { INIT_N, paperMnist, type PaperMnist } from '../helpers/paper-mnist';

let fx: PaperMnist;
before(async () => {
  fx = await paperMnist();
});

/** x [n, inF] -> x W^T + b with W = g v / ||v|| (rows), in float64. */
function denseWN(x: Float64Array, n: number, l: Dense, w: Weights, net: string): Float64Array {
  const v = w[`${net}.${l.name}.v`].data, g = w[`${net}.${l.name}.g`].data, b = w[`${net}.${l.name}.bias`].data;
  assert.deepEqual(w[`${net}.${l.name}.v`].shape, [l.outC, l.inC]);
  const out = new Float64Array(n * l.outC);
  for (let o = 0; o < l.outC; o++) {
    const row = v.subarray(o * l.inC, (o + 1) * l.inC);
    let norm = 0;
    for (let i = 0; i < l.inC; i++) norm += row[i] * row[i];
    const scale = g[o] / Math.sqrt(norm);
    for (let e = 0; e < n; e++) {
      let s = 0;
      const xe = e * l.inC;
      for (let i = 0; i < l.inC; i++) s += row[i] * x[xe + i];
      out[e * l.outC + o] = s * scale + b[o];
    }
  }
  return out;
}

/** Per output channel mean and (population) standard deviation of [n, f] values. */
function channelStats(y: Float64Array, n: number, f: number): { mean: number[]; std: number[] } {
  const mean: number[] = [], std: number[] = [];
  for (let o = 0; o < f; o++) {
    let s = 0, s2 = 0;
    for (let e = 0; e < n; e++) s += y[e * f + o];
    const mu = s / n;
    for (let e = 0; e < n; e++) s2 += (y[e * f + o] - mu) ** 2;
    mean.push(mu);
    std.push(Math.sqrt(s2 / n));
  }
  return { mean, std };
}

const pixels01 = (b: Batch): Float64Array => Float64Array.from(b.images, (p) => p / 255); // the affine [-1, 1] -> [0, 1]

for (const official of [false, true])
test(`data-dependent init${official ? ' (--official-init)' : ''}: every weight-normalised layer starts at mean 0, std initScale on the init batch (noise-free twin, by hand)`, async () => {
  // The paper-mnist layers with the Gaussian noise set to 0, so each layer's input is known exactly.
  const built = fx.build({ officialInit: official, dataInit: true });
  const desc = { ...built.desc, discriminator: built.desc.discriminator.map((l): Layer => (l.op === 'noise' ? { ...l, std: 0 } : l)) };
  const m = createModel(desc, { ...OPTIONS, learningRateG: 3e-3, learningRateD: 3e-3, clipNorm: 0, seed: 3, loss: 'improved-gan', gLoss: 'feature-matching' });
  await m.initFromData(fx.initBatch);
  const w = await m.weights();
  let x = pixels01(fx.initBatch);
  let checked = 0;
  for (const l of desc.discriminator) {
    if (l.op === 'dense') {
      const y = denseWN(x, INIT_N, l, w, 'D');
      const target = l.initScale ?? 1;
      const { mean, std } = channelStats(y, INIT_N, l.outC);
      const worstMean = Math.max(...mean.map(Math.abs)), worstStd = Math.max(...std.map((s) => Math.abs(s / target - 1)));
      assert.ok(worstMean < 1e-3 * target, `${l.name}: channel means up to ${worstMean}`);
      assert.ok(worstStd < 1e-3, `${l.name}: channel std off ${target} by up to ${(worstStd * 100).toFixed(3)}%`);
      x = y;
      checked++;
    } else if (l.op === 'act') {
      assert.equal(l.fn, 'relu');
      x = x.map((v) => Math.max(0, v));
    }
  }
  assert.equal(checked, 6, 'fc1..fc5 and fc_logits');
  // The same hand computation is the classifier's forward pass (eval mode: noise off, fake logit 0).
  const logits = await m.classify(fx.initBatch.images, INIT_N);
  const byHand = new Float32Array(INIT_N * 11);
  for (let e = 0; e < INIT_N; e++) byHand.set(x.subarray(e * 10, e * 10 + 10), e * 11);
  assert.ok(maxAbsDiff(logits, byHand) < 1e-4, `classify vs by hand: ${maxAbsDiff(logits, byHand)}`);
});

test('data-dependent init of the real model (input noise 0.3): fc1 ~ mean 0, std 1, within the noise\'s sampling error', async (t) => {
  const { model: m, desc } = fx.build();
  const before = await m.weights();
  await m.initFromData(fx.initBatch);
  const w = await m.weights();
  assert.ok(maxAbsDiff(w['D.fc1.g'].data, before['D.fc1.g'].data) > 1e-3, 'init changed the gains');
  assert.deepEqual(w['D.fc1.v'].data, before['D.fc1.v'].data, 'init keeps the directions');
  const fc1 = desc.discriminator.find((l): l is Dense => l.op === 'dense' && l.name === 'fc1')!;
  // Clean pre-activations t = u.x (u = v/||v||); the init pass saw t + u.n with n ~ N(0, 0.3^2), u.n ~ N(0, 0.09).
  const unit: Weights = { ...w, 'D.fc1.g': { shape: [fc1.outC], data: new Float32Array(fc1.outC).fill(1) }, 'D.fc1.bias': { shape: [fc1.outC], data: new Float32Array(fc1.outC) } };
  const { mean, std } = channelStats(denseWN(pixels01(fx.initBatch), INIT_N, fc1, unit, 'D'), INIT_N, fc1.outC);
  const g = w['D.fc1.g'].data, b = w['D.fc1.bias'].data;
  const stdErr: number[] = [], meanZ: number[] = [];
  for (let o = 0; o < fc1.outC; o++) {
    stdErr.push(g[o] * Math.sqrt(std[o] ** 2 + 0.09) - 1); // std of g (t + u.n) should be 1
    meanZ.push(Math.abs(b[o] + g[o] * mean[o]) / (g[o] * 0.3 / Math.sqrt(INIT_N))); // the noise's batch mean, in its own std units
  }
  const avg = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
  const absErr = stdErr.map(Math.abs);
  t.diagnostic(`std / 1 - 1: mean ${avg(stdErr).toFixed(4)}, mean |.| ${avg(absErr).toFixed(4)}, max |.| ${Math.max(...absErr).toFixed(4)}; |mean| / noise se: mean ${avg(meanZ).toFixed(3)}, max ${Math.max(...meanZ).toFixed(3)}`);
  // The sample variance of the noise term scatters each channel's std by several per cent; the gain
  // (1 / the batch's std, 100 examples) leans ~1-2% high on average (measured: 0.9% and 2.0% for two draws).
  assert.ok(Math.abs(avg(stdErr)) < 0.03 && avg(absErr) < 0.1 && Math.max(...absErr) < 0.4, `std error: mean ${avg(stdErr)}, mean |.| ${avg(absErr)}, max |.| ${Math.max(...absErr)}`);
  assert.ok(avg(meanZ) < 1.1 && Math.max(...meanZ) < 5, `mean error in noise std units: mean ${avg(meanZ)}, max ${Math.max(...meanZ)}`);
});

test('--official-init: directions N(0, 0.1) with unit gains; the init leaves the generator\'s output alone; only the output layer trains its gain; the generator\'s batch norms train a shift; checkpoints keep the fixed gains', async () => {
  const { model: m } = fx.build({ officialInit: true, dataInit: true });
  const w0 = await m.weights();
  const std = (a: Float32Array): number => Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);
  for (const [k, target] of [['D.fc1.v', 0.1], ['D.fc5.v', 0.1], ['D.fc_logits.v', 0.1], ['G.fc_out.v', 0.04]] as const)
    assert.ok(Math.abs(std(w0[k].data) / target - 1) < 0.05, `${k}: std ${std(w0[k].data)}, expected ${target}`);
  for (const k of ['D.fc1.g', 'D.fc_logits.g', 'G.fc_out.g']) assert.ok(w0[k].data.every((v) => v === 1), `${k} starts at 1`);
  for (const k of ['D.fc1.bias', 'G.fc_out.bias']) assert.ok(w0[k].data.every((v) => v === 0), `${k} starts at 0`);
  await m.initFromData(fx.initBatch);
  const w1 = await m.weights();
  assert.ok(maxAbsDiff(w1['D.fc1.g'].data, w0['D.fc1.g'].data) > 1e-3, 'the init set the discriminator\'s gains');
  for (const k of ['G.fc_out.g', 'G.fc_out.bias']) assert.deepEqual(w1[k], w0[k], `${k}: left out of the init`);
  for (let s = 0; s < 3; s++) await m.step(s, fx.stepBatches(10 * s));
  const w2 = await m.weights(), avg = await m.weights(true);
  for (let i = 1; i <= 5; i++) {
    assert.deepEqual(w2[`D.fc${i}.g`], w1[`D.fc${i}.g`], `fc${i}: a fixed gain`);
    assert.deepEqual(avg[`D.fc${i}.g`], w1[`D.fc${i}.g`], `fc${i}: the average holds the same gain`);
  }
  for (const k of ['D.fc_logits.g', 'D.fc1.v', 'G.fc_out.g', 'G.norm1.bias']) assert.ok(maxAbsDiff(w2[k].data, w1[k].data) > 0, `${k} trains`);
  // A checkpoint carries the fixed gains (buffers) with the parameters.
  const meta = fx.checkpointMeta(fx.config({ officialInit: true, dataInit: true }), 3);
  assert.equal(meta.modelConfig.officialInit, true);
  const ck = await loadCheckpoint(await saveCheckpoint(path.join(fx.work, 'official'), meta, m), { threads: 2, device: 'cpu' });
  const images = fx.batchAt(0, 30).images;
  assert.deepEqual(await ck.model.classify(images, 30, true), await m.classify(images, 30, true));
});

test('--generator-init glorot (the default): the generator\'s hidden dense layers start Glorot-uniform with zero biases; pytorch keeps U(-1/sqrt(in), 1/sqrt(in)); a checkpoint records the choice', async () => {
  const maxAbs = (a: Float32Array): number => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  assert.equal(fx.config().generatorInit, 'glorot', 'paper-mnist\'s default');
  const glorot = await fx.build({}).model.weights();
  const pytorch = await fx.build({ generatorInit: 'pytorch' }).model.weights();
  for (const [layer, inC, outC] of [['fc1', 100, 500], ['fc2', 500, 500]] as const) {
    const bound = Math.sqrt(6 / (inC + outC)), torchBound = 1 / Math.sqrt(inC);
    const g = glorot[`G.${layer}.weight`].data, p = pytorch[`G.${layer}.weight`].data;
    assert.ok(maxAbs(g) <= bound && maxAbs(g) > 0.99 * bound, `${layer}: Glorot bound ${bound}, max |w| ${maxAbs(g)}`);
    assert.ok(maxAbs(p) <= torchBound && maxAbs(p) > 0.99 * torchBound, `${layer}: PyTorch bound ${torchBound}, max |w| ${maxAbs(p)}`);
    assert.ok(glorot[`G.${layer}.bias`].data.every((v) => v === 0), `${layer}: zero biases`);
    assert.ok(maxAbs(pytorch[`G.${layer}.bias`].data) > 0, `${layer}: PyTorch's biases are drawn`);
  }
  assert.deepEqual(glorot['D.fc1.v'], pytorch['D.fc1.v'], 'the discriminator is drawn first, unchanged');
  assert.equal(fx.checkpointMeta(fx.config(), 0).modelConfig.glorotGenerator, true);
  assert.equal(fx.checkpointMeta(fx.config({ generatorInit: 'pytorch' }), 0).modelConfig.glorotGenerator, undefined);
});
