/**
 * The discriminator losses against a hand computation: Improved-GAN's and the seed's.
 *
 * A tiny seed-architecture discriminator without norm layers (so training-mode and eval-mode passes
 * agree) with enlarged logits. The real and unlabeled logits come from classify() on the same
 * images. The generator's first layer has zero weights, so every z gives the same generated image:
 * the step's fake logits are classify(generate(any z)).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LossKind } from '../../src/model/describe';
import type { Batch, Losses, NativeModel } from '../../src/native/addon';
import { makeModel, stripeBatch } from '../helpers/model';

const H = 8, W = 8, C = 1, K = 4, NZ = 6;
const ALPHA = 0.9;

async function model(loss: LossKind): Promise<NativeModel> {
  const m = makeModel({ h: H, w: W, c: C, k: K, nz: NZ, normType: 'none', loss }, { loss, seed: 11, learningRateD: 1e-12, learningRateG: 1e-12, alpha: ALPHA });
  const w = await m.weights();
  await m.setWeights({
    // Larger, more varied logits than at initialisation, so the formulas are told apart clearly.
    'D.conv_logits.weight': { shape: w['D.conv_logits.weight'].shape, data: w['D.conv_logits.weight'].data.map((v) => v * 150) },
    // G(z) no longer depends on z: the fake batch is known without knowing the step's noise.
    'G.fc.weight': { shape: w['G.fc.weight'].shape, data: new Float32Array(w['G.fc.weight'].data.length) },
  });
  return m;
}

/** Real pixels of an unlabeled batch (labels -1), different images from the labeled ones. */
function unlabeledBatch(n: number): Batch {
  const b = stripeBatch(n + 3, H, W, C, K);
  const size = H * W * C;
  return { images: b.images.slice(3 * size).map((v, i) => (v * 3 + i) % 256), labels: new Int32Array(n).fill(-1), n };
}

const rows = (logits: Float32Array, n: number): number[][] => Array.from({ length: n }, (_, i) => Array.from(logits.subarray(i * (K + 1), (i + 1) * (K + 1))));
const lse = (xs: number[]): number => { const m = Math.max(...xs); return m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0)); };
const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
const spread = (xs: number[][]): number => { const f = xs.flat(); const mu = mean(f); return Math.sqrt(mean(f.map((x) => (x - mu) ** 2))); };

function close(actual: number | undefined, expected: number, what: string): void {
  assert.ok(actual !== undefined && Number.isFinite(actual), `${what}: ${actual}`);
  assert.ok(Math.abs(actual - expected) <= 1e-5 * Math.max(1, Math.abs(expected)), `${what}: addon ${actual}, by hand ${expected}`);
}

/** Logits of the generated batch: the same image for every z (see model()). */
async function fakeLogits(m: NativeModel, n: number): Promise<number[][]> {
  const z = Float32Array.from({ length: n * NZ }, (_, i) => Math.cos(i));
  return rows(await m.classify(await m.generate(z, n), n), n);
}

async function observe(loss: LossKind, labeled: Batch, unlabeled: Batch | null) {
  const m = await model(loss);
  const real = rows(await m.classify(labeled.images, labeled.n), labeled.n);
  const unl = unlabeled ? rows(await m.classify(unlabeled.images, unlabeled.n), unlabeled.n) : real;
  const fake = await fakeLogits(m, labeled.n);
  const got: Losses = await m.step(0, { labeled, unlabeled, generatorReal: loss === 'improved-gan' ? labeled : undefined });
  assert.ok(spread(real) > 1 && spread([...real, ...fake]) > 1, `logits vary enough: ${spread(real)}, ${spread(fake)}`);
  return { real, unl, fake, got, y: Array.from(labeled.labels) };
}

function supervisedAndS(real: number[][], y: number[]) {
  return {
    // softmax cross-entropy over the K real-class logits
    ce: mean(real.map((l, i) => lse(l.slice(0, K)) - l[y[i]])),
    // Huber(one-hot, sigmoid of the K real logits), all |d| < 1: 0.5 d^2, mean over n x K
    s: mean(real.flatMap((l, i) => l.slice(0, K).map((v, c) => 0.5 * ((c === y[i] ? 1 : 0) - 1 / (1 + Math.exp(-v))) ** 2))),
    acc: mean(real.map((l, i) => (l.slice(0, K).indexOf(Math.max(...l.slice(0, K))) === y[i] ? 1 : 0))),
  };
}

test('improved-gan: supervised CE + unsupervised loss by hand', async () => {
  const labeled = stripeBatch(6, H, W, C, K);
  const { real, unl, fake, got, y } = await observe('improved-gan', labeled, unlabeledBatch(5));
  // K learned logits; the fake class is the constant 0, so D(x) = Z / (Z + 1) with Z = sum exp(l).
  for (const l of [...real, ...unl, ...fake]) assert.equal(l[K], 0);
  const { ce, s, acc } = supervisedAndS(real, y);
  const logD = (l: number[]) => lse(l.slice(0, K)) - lse(l); // log Z - log(Z + 1)
  const log1mD = (l: number[]) => -lse(l); // log 1 / (Z + 1)
  const unsupU = -0.5 * mean(unl.map(logD));
  const unsupF = -0.5 * mean(fake.map(log1mD));
  close(got.d_loss_real, ce, 'd_loss_real');
  close(got.d_loss_unlabeled, unsupU, 'd_loss_unlabeled = -0.5 mean log D(x_u)');
  close(got.d_loss_fake, unsupF, 'd_loss_fake = -0.5 mean log(1 - D(G(z)))');
  close(got.d_loss, ce + unsupU + unsupF, 'd_loss');
  close(got.d_loss, got.d_loss_real! + got.d_loss_unlabeled! + got.d_loss_fake!, 'd_loss = sum of its terms');
  close(got.s_loss, s, 's_loss');
  close(got.accuracy, acc, "accuracy");
});

test('seed loss: d_loss_real = CE against [one-hot, 0], d_loss_fake against the smoothed fake target, by hand', async () => {
  const labeled = stripeBatch(6, H, W, C, K);
  const unlabeled = unlabeledBatch(5);
  const { real, unl, fake, got, y } = await observe('seed', labeled, unlabeled);
  const logSoftmax = (l: number[]) => l.map((v) => v - lse(l));
  const target = (i: number) => Array.from({ length: K + 1 }, (_, c) => (c === y[i] ? 1 : 0));
  const fakeTarget = Array.from({ length: K + 1 }, (_, c) => (c === K ? ALPHA : (1 - ALPHA) / K));
  const ce = (l: number[], t: number[]) => -logSoftmax(l).reduce((s, v, c) => s + t[c] * v, 0);
  const lossReal = mean(real.map((l, i) => ce(l, target(i))));
  const lossFake = mean(fake.map((l) => ce(l, fakeTarget)));
  // Unlabeled real images: -log P(real) = -(lse of the K real logits - lse of all K + 1).
  const lossUnl = -mean(unl.map((l) => lse(l.slice(0, K)) - lse(l)));
  close(got.d_loss_real, lossReal, 'd_loss_real');
  close(got.d_loss_fake, lossFake, 'd_loss_fake');
  close(got.d_loss_unlabeled, lossUnl, 'd_loss_unlabeled');
  close(got.d_loss, lossReal + lossFake + lossUnl, 'd_loss');
  const { s, acc } = supervisedAndS(real, y);
  close(got.s_loss, s, 's_loss');
  close(got.accuracy, acc, "accuracy");
});

test('seed loss without an unlabeled batch: d_loss = d_loss_real + d_loss_fake', async () => {
  const labeled = stripeBatch(6, H, W, C, K);
  const { real, got, y } = await observe('seed', labeled, null);
  assert.equal(got.d_loss_unlabeled, undefined);
  close(got.d_loss_real, mean(real.map((l, i) => lse(l) - l[y[i]])), 'd_loss_real');
  close(got.d_loss, got.d_loss_real! + got.d_loss_fake!, 'd_loss');
});
