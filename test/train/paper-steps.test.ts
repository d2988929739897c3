/**
 * paper-mnist's training steps: finite losses, the classifier's moving average, save -> load ->
 * identical outputs and next steps, and ONNX export of a checkpoint (its moving average) with
 * onnxruntime parity.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { loadCheckpoint } from '../../src/checkpoint/load';
import { saveCheckpoint } from '../../src/checkpoint/save';
import { OnnxClassifier } from '../../src/eval/onnx-classifier';
import { OnnxGenerator } from '../../src/eval/onnx-generator';
import { exportCheckpoint, usesEma } from '../../src/export/from-checkpoint';
import type { NativeModel } from '../../src/native/addon';
import { uniformNoise } from '../../src/util/random';
import { maxAbsDiff } from '../helpers/model';
import { EMA, paperMnist, type PaperMnist } from '../helpers/paper-mnist';

let fx: PaperMnist;
before(async () => {
  fx = await paperMnist();
});

async function stepBoth(a: NativeModel, b: NativeModel, at: number): Promise<void> {
  assert.deepEqual(await b.step(0, fx.stepBatches(at)), await a.step(0, fx.stepBatches(at)));
}

test('paper-mnist steps with finite losses, keeps a moving average, saves, resumes exactly, and exports the average with parity', async (t) => {
  const built = fx.build();
  const m = built.model;
  await m.initFromData(fx.initBatch);
  assert.deepEqual((await m.weights(true))['D.fc1.g'], (await m.weights())['D.fc1.g'], 'the average starts at the initialised weights');
  for (let s = 0; s < 3; s++) {
    const emaBefore = await m.weights(true);
    const d = await m.step(s, fx.stepBatches(10 * s));
    for (const k of ['d_loss', 'd_loss_real', 'd_loss_unlabeled', 'd_loss_fake', 's_loss', 'accuracy'] as const) assert.ok(Number.isFinite(d[k]), `${k}: ${d[k]}`);
    // The step's generator update left the discriminator (and so its average) alone.
    const emaAfter = await m.weights(true), now = await m.weights();
    // ema <- decay ema + (1 - decay) w after each discriminator update, with the warm-up
    // decay = min(EMA, (1 + t) / (10 + t)) at update t = 1, 2, ...
    const decay = Math.min(EMA, (2 + s) / (11 + s));
    for (const k of ['D.fc1.v', 'D.fc_logits.g', 'D.fc_logits.bias']) {
      const expected = emaBefore[k].data.map((v, i) => decay * v + (1 - decay) * now[k].data[i]);
      assert.ok(maxAbsDiff(emaAfter[k].data, expected) < 1e-6, `${k} average`);
    }
    assert.ok(Number.isFinite(d.g_loss) && d.g_loss! >= 0, `feature-matching g_loss ${d.g_loss}`);
  }
  const images = fx.batchAt(0, 30).images;
  const emaLogits = await m.classify(images, 30, true), rawLogits = await m.classify(images, 30, false);
  assert.ok(maxAbsDiff(emaLogits, rawLogits) > 1e-4, 'the average differs from the current weights');

  // Save through the checkpoint format, then load into a freshly built model (another seed).
  const dir = await saveCheckpoint(path.join(fx.work, 'run'), fx.checkpointMeta(fx.config(), 3), m);
  const ck = await loadCheckpoint(dir, { seed: 99, threads: 2, device: 'cpu' }, 'resume');
  assert.ok(usesEma(ck));
  assert.deepEqual(await ck.model.classify(images, 30, true), emaLogits);
  assert.deepEqual(await ck.model.classify(images, 30, false), rawLogits);
  for (const ema of [false, true]) {
    const wa = await m.weights(ema), wb = await ck.model.weights(ema);
    for (const k of Object.keys(wa)) assert.deepEqual(wb[k], wa[k], `${k}${ema ? ' (average)' : ''}`);
  }
  // Resumed: optimiser moments and the noise generator came along, so the next steps agree exactly.
  await stepBoth(m, ck.model, 0);
  await stepBoth(m, ck.model, 40);

  // Export the checkpoint (its moving average) and compare onnxruntime with the addon.
  const ck2 = await loadCheckpoint(dir, { threads: 2, device: 'cpu' });
  const files = await exportCheckpoint(ck2, path.join(fx.work, 'onnx'));
  const cls = await OnnxClassifier.open(files.classifier, { threads: 1 });
  const gen = await OnnxGenerator.open(files.generator, { threads: 1 });
  try {
    const onnx = (await cls.classify(images, 30)).logits;
    const d = maxAbsDiff(onnx, emaLogits);
    assert.ok(d <= 1e-4, `onnxruntime vs classify(ema): max |diff| ${d}`);
    assert.ok(maxAbsDiff(onnx, rawLogits) > 10 * d, 'the export holds the average, not the current weights');
    const z = uniformNoise(7 * ck2.desc.config.nz, ck2.desc.zLow, ck2.desc.zHigh, 5);
    // Both return pixels in 0..255; the tolerance is 1e-4 on the [-1, 1] scale.
    const di = maxAbsDiff(await gen.generate(z, 7), await ck2.model.generate(z, 7)) / 127.5;
    assert.ok(di <= 1e-4, `generator: max |diff| ${di}`);
    t.diagnostic(`onnxruntime vs addon: logits ${d.toExponential(2)} (vs current weights ${maxAbsDiff(onnx, rawLogits).toExponential(2)}), images ${di.toExponential(2)}`);
  } finally {
    await cls.release();
    await gen.release();
  }
});
