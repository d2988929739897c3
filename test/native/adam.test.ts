/**
 * `adamEpsilon`: PyTorch's m / (sqrt(v) + eps) against the official Improved-GAN code's
 * m / sqrt(v + eps), on the first step, where m and v are exactly g and g^2 after bias correction:
 * PyTorch moves every parameter with a gradient by lr, the official variant by lr |g| / sqrt(g^2 + 1e-8).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeModel, stripeBatch, dStep } from '../helpers/model';

const LR = 1e-3;

test('adamEpsilon official damps small-gradient updates; pytorch moves each parameter by lr on step 1', async () => {
  const opts = { learningRateD: LR, clipNorm: 0 };
  const [a, b] = [makeModel({}, { ...opts, adamEpsilon: 'pytorch' }), makeModel({}, { ...opts, adamEpsilon: 'official' })];
  const w0 = await a.weights();
  const batch = stripeBatch(16, 28, 28, 1, 10);
  await dStep(a, batch);
  await dStep(b, batch);
  const [wa, wb] = [await a.weights(), await b.weights()];
  let moved = 0, notLr = 0, damped = 0;
  // Parameters only: batch-norm running statistics move the same way in both.
  for (const k of Object.keys(w0).filter((k) => k.startsWith('D.') && !/running_|num_batches/.test(k))) {
    for (let i = 0; i < w0[k].data.length; i++) {
      const da = wa[k].data[i] - w0[k].data[i], db = wb[k].data[i] - w0[k].data[i];
      if (da === 0) continue;
      moved++;
      if (Math.abs(Math.abs(da) - LR) > 1e-2 * LR) notLr++; // |g| below ~1e-6: rare
      assert.ok(Math.abs(db) <= Math.abs(da) * (1 + 1e-3) + 1e-9, `${k}[${i}]: official step ${db} larger than pytorch's ${da}`);
      assert.ok(db === 0 || Math.sign(db) === Math.sign(da), `${k}[${i}]: the two variants step in opposite directions`);
      if (Math.abs(db) < 0.5 * LR) damped++;
    }
  }
  assert.ok(moved > 10_000, `${moved} parameters moved`);
  assert.ok(notLr / moved < 1e-3, `pytorch: ${notLr} of ${moved} steps differ from lr`);
  // Without the variant, no more steps would fall below lr / 2 than differ from lr under pytorch.
  assert.ok(damped / moved > 0.002 && damped > 10 * notLr, `official: ${damped} of ${moved} steps below lr / 2 (gradients under ~6e-5); pytorch: ${notLr} off lr`);
});
