/** The libtorch addon: steps, determinism, save/load, every norm x deconv combination, errors. */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { DECONV_TYPES, NORM_TYPES, describeModel } from '../../src/model/describe';
import { completeLayer, paramNames } from '../../src/model/layers';
import { resolveDevice } from '../../src/native/build';
import { createModel, native } from '../../src/native/addon';
import { config, dStep, escapeRegExp, gStep, makeModel, maxAbsDiff, OPTIONS, someZ, stripeBatch } from '../helpers/model';
import { tmpDir } from '../helpers/tmp-dir';

test('discriminator steps lower d_loss on a fixed batch', async () => {
  const m = makeModel();
  const batch = stripeBatch(20, 28, 28, 1, 10);
  const first = await dStep(m, batch);
  let last = first;
  for (let s = 0; s < 8; s++) last = await dStep(m, batch);
  assert.ok(last.d_loss! < first.d_loss! - 0.5, `d_loss ${first.d_loss} -> ${last.d_loss}`);
  assert.ok(last.accuracy! > first.accuracy!, `accuracy ${first.accuracy} -> ${last.accuracy}`);
});

test('the same seed gives the same losses; another seed does not', async () => {
  const batch = stripeBatch(16, 28, 28, 1, 10);
  const run = async (seed: number) => {
    const m = makeModel({}, { seed });
    const out: number[] = [];
    for (let s = 0; s < 4; s++) {
      const l = await m.step(s, s % 2 ? { generatorReal: batch } : { labeled: batch });
      out.push(l.g_loss ?? l.d_loss!);
    }
    return out;
  };
  const a = await run(3), b = await run(3), c = await run(4);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('save -> load gives an identical forward pass and identical next steps', async () => {
  const batch = stripeBatch(8, 28, 28, 1, 10);
  const a = makeModel({}, { seed: 1 });
  for (let s = 0; s < 3; s++) await a.step(s, s % 2 ? { generatorReal: batch } : { labeled: batch });
  const file = path.join(tmpDir('ckpt'), 'state.pt');
  await a.save(file);
  const b = makeModel({}, { seed: 99 });
  assert.ok(maxAbsDiff(await a.classify(batch.images, 8), await b.classify(batch.images, 8)) > 1e-4, 'different seeds must differ before loading');
  await b.load(file);
  assert.deepEqual(await b.classify(batch.images, 8), await a.classify(batch.images, 8));
  // Optimiser moments and the noise generator came along: the next updates match exactly.
  assert.deepEqual(await dStep(b, batch), await dStep(a, batch));
  assert.deepEqual(await gStep(b, batch), await gStep(a, batch));
  const z = Float32Array.from({ length: 4 * 16 }, (_, i) => Math.sin(i));
  assert.deepEqual(await b.generate(z, 4), await a.generate(z, 4));
});

for (const [h, w, c] of [[28, 28, 1], [32, 32, 3]]) {
  for (const normType of NORM_TYPES) {
    for (const deconvType of DECONV_TYPES) {
      test(`${normType} norm x ${deconvType} deconv builds and steps at ${h}x${w}x${c}`, async () => {
        const m = makeModel({ h, w, c, normType, deconvType, k: 4 });
        const batch = stripeBatch(4, h, w, c, 4);
        const d = await dStep(m, batch);
        const g = await gStep(m, batch);
        assert.ok(Number.isFinite(d.d_loss) && Number.isFinite(g.g_loss), JSON.stringify({ d, g }));
        assert.equal((await m.classify(batch.images, 4)).length, 4 * 5);
        const img = await m.generate(someZ(2, 16), 2);
        assert.equal(img.length, 2 * h * w * c);
        assert.ok(img.every((v) => v >= 0 && v <= 255), 'generated pixels are in 0..255');
      });
    }
  }
}

test('the discriminator\'s batch-norm running statistics follow real batches only', async () => {
  const m = makeModel();
  const batch = stripeBatch(16, 28, 28, 1, 10);
  const mean0 = (await m.weights())['D.norm1.running_mean'].data.slice();
  await gStep(m, batch); // D sees only generated images here
  assert.deepEqual((await m.weights())['D.norm1.running_mean'].data, mean0);
  await dStep(m, batch);
  assert.ok(maxAbsDiff((await m.weights())['D.norm1.running_mean'].data, mean0) > 0);
});

test('libtorch errors become JS errors with their message', async () => {
  const m = makeModel();
  await assert.rejects(m.load('/nonexistent/state.pt'), /open|exist|No such/i);
  await assert.rejects(m.classify(new Uint8Array(5), 1), /images has 5 elements, expected 784/);
  if (!native().cudaAvailable()) assert.throws(() => resolveDevice('cuda'), /--device cuda: CUDA is not available/);
  await assert.rejects(m.setWeights({ 'D.conv1.weight': { shape: [1], data: new Float32Array(1) } }), /shape/);
});

test('the recipe plans each step: seed alternates D and G, improved-gan does both, no GAN only D', () => {
  const seed = makeModel({}, { updateRate: 2 });
  assert.deepEqual([0, 1, 2, 3].map((s) => seed.plan(s).labeled), [true, false, false, true]);
  assert.deepEqual([0, 1, 2, 3].map((s) => seed.plan(s).generatorReal), [false, true, true, false]);
  const paper = makeModel({ loss: 'improved-gan' }, { loss: 'improved-gan', gLoss: 'feature-matching' });
  assert.deepEqual(paper.plan(5), { labeled: true, unlabeled: true, generatorReal: true });
  assert.deepEqual(makeModel({}, { gan: false }).plan(1), { labeled: true, unlabeled: false, generatorReal: false });
});

test('without the GAN a step trains the classifier alone: the generator never changes', async () => {
  const m = makeModel({}, { gan: false });
  const batch = stripeBatch(16, 28, 28, 1, 10);
  const before = await m.weights();
  const first = await m.step(0, { labeled: batch });
  let last = first;
  for (let s = 1; s < 6; s++) last = await m.step(s, { labeled: batch });
  assert.equal(first.d_loss_fake, undefined, 'no generated batch');
  assert.ok(last.d_loss! < first.d_loss!, `d_loss ${first.d_loss} -> ${last.d_loss}`);
  const after = await m.weights();
  for (const k of Object.keys(before).filter((k) => k.startsWith('G.'))) assert.deepEqual(after[k].data, before[k].data, k);
  assert.ok(maxAbsDiff(after['D.conv1.weight'].data, before['D.conv1.weight'].data) > 0);
});

test('a non-finite loss stops the step before any parameter changes, naming the step and the loss', async () => {
  const m = makeModel({}, { learningRateD: 1e30, learningRateG: 1e30, clipNorm: 0 });
  const batch = stripeBatch(16, 28, 28, 1, 10);
  let failed: Error | undefined;
  let s = 0;
  for (; s < 20 && !failed; s++) {
    const before = await m.weights();
    try {
      await m.step(s, s % 2 ? { generatorReal: batch } : { labeled: batch });
    } catch (e) {
      failed = e as Error;
      const after = await m.weights();
      // Parameters only: the forward pass already moved the batch-norm running statistics.
      for (const k of Object.keys(before).filter((k) => !/running_/.test(k))) assert.deepEqual(after[k].data, before[k].data, `${k} changed by the diverged step`);
    }
  }
  assert.ok(failed, 'absurd learning rates diverge within 20 steps');
  assert.match(failed.message, new RegExp(`^training diverged at step ${s}: [dg]_loss`));
  assert.doesNotMatch(failed.message, /\n/);
});

test('the addon reads the description strictly and names what is missing', () => {
  const desc = describeModel(config());
  const broken = { ...desc, discriminator: desc.discriminator.map((l, i) => (i === 0 ? { ...completeLayer(l), stride: undefined } : l)) };
  assert.throws(() => new (native().Model)(broken as never, OPTIONS), /discriminator layer 0: 'stride' must be a number/);
  assert.throws(() => new (native().Model)(desc, { ...OPTIONS, gLoss: 'bogus' } as never), /options: 'gLoss' cannot be 'bogus'/);
});

test('the addon registers exactly the tensors paramNames() lists, in the same order', async () => {
  for (const cfg of [config(), config({ normType: 'instance', deconvType: 'transpose' }), config({ model: 'paper-mnist', loss: 'improved-gan', officialInit: true }), config({ model: 'paper-cifar', h: 32, w: 32, c: 3, loss: 'improved-gan' }), config({ model: 'paper-svhn', h: 32, w: 32, c: 3, loss: 'improved-gan', officialInit: true })]) {
    const desc = describeModel(cfg);
    const m = createModel(desc, { ...OPTIONS, loss: cfg.loss });
    const expected = (['D', 'G'] as const).flatMap((net) => {
      const layers = net === 'D' ? desc.discriminator : desc.generator;
      const names = layers.flatMap((l) => paramNames(l).map((p) => `${net}.${(l as { name: string }).name}.${p}`));
      // The addon lists a network's parameters first, then its buffers (running statistics, fixed gains).
      const isBuffer = (n: string) => /running_/.test(n) || (n.endsWith('.g') && layers.some((l) => 'trainGain' in l && l.trainGain === false && n === `${net}.${l.name}.g`));
      return [...names.filter((n) => !isBuffer(n)), ...names.filter(isBuffer)];
    });
    assert.deepEqual(Object.keys(await m.weights()), expected, cfg.model);
  }
});

test('fakeBatchNorm real: generated batches are normalised with the real batch\'s statistics (running ones from real batches only)', async () => {
  const batch = stripeBatch(16, 28, 28, 1, 10);
  const own = makeModel({}, { seed: 5 }), real = makeModel({}, { seed: 5, fakeBatchNorm: 'real' });
  const mean0 = (await real.weights())['D.norm1.running_mean'].data.slice();
  const [go, gr] = [await gStep(own, batch), await gStep(real, batch)];
  assert.deepEqual((await real.weights())['D.norm1.running_mean'].data, mean0, 'a generator update leaves the running statistics alone');
  assert.ok(Number.isFinite(gr.g_loss) && gr.g_loss !== go.g_loss, `g_loss own ${go.g_loss}, real ${gr.g_loss}`);
  const [dOwn, dReal] = [await dStep(own, batch), await dStep(real, batch)];
  assert.equal(dReal.d_loss_real, dOwn.d_loss_real, 'real images are normalised the same way');
  assert.notEqual(dReal.d_loss_fake, dOwn.d_loss_fake);
});

test('a model built from weights answers as the model they came from, moving average included, and refuses to train', async () => {
  const batch = stripeBatch(8, 28, 28, 1, 10);
  const a = makeModel({ model: 'paper-mnist', loss: 'improved-gan' }, { loss: 'improved-gan', gLoss: 'feature-matching', emaDecay: 0.9 });
  for (let s = 0; s < 2; s++) await a.step(s, { labeled: batch, unlabeled: batch, generatorReal: batch });
  // The names save() writes: D.*, G.*, and the moving average's D_ema.*.
  const weights = { ...(await a.weights()) };
  for (const [name, t] of Object.entries(await a.weights(true))) if (name.startsWith('D.')) weights[`D_ema.${name.slice(2)}`] = t;
  const desc = describeModel(config({ model: 'paper-mnist', loss: 'improved-gan' }));
  const opts = { ...OPTIONS, loss: 'improved-gan' as const, gLoss: 'feature-matching' as const, emaDecay: 0.9 };
  const b = createModel(desc, opts, weights);
  assert.deepEqual(await b.classify(batch.images, 8), await a.classify(batch.images, 8));
  assert.deepEqual(await b.classify(batch.images, 8, true), await a.classify(batch.images, 8, true));
  assert.deepEqual(await b.generate(someZ(3, 16), 3), await a.generate(someZ(3, 16), 3));
  assert.deepEqual(await b.weights(true), await a.weights(true));
  await assert.rejects(b.step(0, { labeled: batch, unlabeled: batch, generatorReal: batch }), /^Error: step: this model was built from weights for inference/);
  await assert.rejects(b.save(path.join(tmpDir('inference'), 'state.pt')), /save: .*for inference/);

  const dropped = Object.keys(weights).find((n) => n.startsWith('D_ema.'))!;
  const missing = Object.fromEntries(Object.entries(weights).filter(([n]) => n !== dropped));
  assert.throws(() => createModel(desc, opts, missing), new RegExp(`^Error: weights: no tensor '${escapeRegExp(dropped)}'`));
  const misshapen = { ...weights, 'G.fc1.bias': { shape: [2], data: new Float32Array(2) } };
  assert.throws(() => createModel(desc, opts, misshapen), /^Error: weights: 'G\.fc1\.bias' has shape \[2\], the model expects \[\d+\]$/);
});
