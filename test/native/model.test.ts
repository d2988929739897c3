/** The libtorch addon: steps, determinism, save/load, every norm x deconv combination, errors. */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { DECONV_TYPES, NORM_TYPES } from '../../src/model/describe';
import { native } from '../../src/native/addon';
import { makeModel, maxAbsDiff, stripeBatch, tmpDir } from '../helpers/model';

test('discriminator steps lower d_loss on a fixed batch', async () => {
  const m = makeModel();
  const batch = stripeBatch(20, 28, 28, 1, 10);
  const first = await m.trainDiscriminator(batch, null);
  let last = first;
  for (let s = 0; s < 8; s++) last = await m.trainDiscriminator(batch, null);
  assert.ok(last.d_loss! < first.d_loss! - 0.5, `d_loss ${first.d_loss} -> ${last.d_loss}`);
  assert.ok(last.accuracy! > first.accuracy!, `accuracy ${first.accuracy} -> ${last.accuracy}`);
});

test('the same seed gives the same losses; another seed does not', async () => {
  const batch = stripeBatch(16, 28, 28, 1, 10);
  const run = async (seed: number) => {
    const m = makeModel({}, { seed });
    const out: number[] = [];
    for (let s = 0; s < 4; s++) {
      const l = s % 2 ? await m.trainGenerator(batch, 10) : await m.trainDiscriminator(batch, null);
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
  for (let s = 0; s < 3; s++) await (s % 2 ? a.trainGenerator(batch, 10) : a.trainDiscriminator(batch, null));
  const file = path.join(tmpDir('ckpt'), 'state.pt');
  await a.save(file);
  const b = makeModel({}, { seed: 99 });
  assert.ok(maxAbsDiff(await a.classify(batch.images, 8), await b.classify(batch.images, 8)) > 1e-4, 'different seeds must differ before loading');
  await b.load(file);
  assert.deepEqual(await b.classify(batch.images, 8), await a.classify(batch.images, 8));
  // Optimiser moments and the noise generator came along: the next updates match exactly.
  assert.deepEqual(await b.trainDiscriminator(batch, null), await a.trainDiscriminator(batch, null));
  assert.deepEqual(await b.trainGenerator(batch, 5), await a.trainGenerator(batch, 5));
  const z = Float32Array.from({ length: 4 * 16 }, (_, i) => Math.sin(i));
  assert.deepEqual(await b.generate(z, 4), await a.generate(z, 4));
});

for (const [h, w, c] of [[28, 28, 1], [32, 32, 3]]) {
  for (const normType of NORM_TYPES) {
    for (const deconvType of DECONV_TYPES) {
      test(`${normType} norm x ${deconvType} deconv builds and steps at ${h}x${w}x${c}`, async () => {
        const m = makeModel({ h, w, c, normType, deconvType, k: 4 });
        const batch = stripeBatch(4, h, w, c, 4);
        const d = await m.trainDiscriminator(batch, null);
        const g = await m.trainGenerator(batch, 10);
        assert.ok(Number.isFinite(d.d_loss) && Number.isFinite(g.g_loss), JSON.stringify({ d, g }));
        assert.equal((await m.classify(batch.images, 4)).length, 4 * 5);
        const img = await m.generate(m.sampleZ(2), 2);
        assert.equal(img.length, 2 * h * w * c);
        assert.ok(img.every((v) => v >= -1 && v <= 1));
      });
    }
  }
}

test('the discriminator\'s batch-norm running statistics follow real batches only', async () => {
  const m = makeModel();
  const batch = stripeBatch(16, 28, 28, 1, 10);
  const mean0 = m.weights()['D.norm1.running_mean'].data.slice();
  await m.trainGenerator(batch, 10); // D sees only generated images here
  assert.deepEqual(m.weights()['D.norm1.running_mean'].data, mean0);
  await m.trainDiscriminator(batch, null);
  assert.ok(maxAbsDiff(m.weights()['D.norm1.running_mean'].data, mean0) > 0);
});

test('libtorch errors become JS errors with their message', async () => {
  const m = makeModel();
  await assert.rejects(m.load('/nonexistent/state.pt'), /open|exist|No such/i);
  assert.throws(() => m.classify(new Uint8Array(5), 1), /images has 5 elements, expected 784/);
  assert.throws(() => makeModel({}, { device: 'cuda' }), native().cudaAvailable() ? /./ : /CUDA is not available/);
  assert.throws(() => m.setWeights({ 'D.conv1.weight': { shape: [1], data: new Float32Array(1) } }), /shape/);
});
