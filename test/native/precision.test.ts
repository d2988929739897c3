/** --precision bf16: the training passes run in bfloat16 under autocast; weights and inference stay fp32. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULTS, validate } from '../../src/config';
import type { ModelConfig } from '../../src/model/describe';
import type { NativeOptions } from '../../src/native/addon';
import { makeModel, maxAbsDiff, someZ, stripeBatch } from '../helpers/model';

const NZ = 16;

async function train(precision: 'fp32' | 'bf16', cfg: Partial<ModelConfig> = {}, opts: Partial<NativeOptions> = {}, steps = 6) {
  const m = makeModel(cfg, { ...opts, precision, seed: 3 });
  const batch = stripeBatch(16, 28, 28, 1, 10);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const plan = m.plan(s);
    const l = await m.step(s, { labeled: plan.labeled ? batch : undefined, unlabeled: plan.unlabeled ? batch : undefined, generatorReal: plan.generatorReal ? batch : undefined });
    losses.push(l.g_loss ?? l.d_loss!);
  }
  return { m, losses };
}

test('bf16 training steps follow the fp32 ones closely but not bit for bit, and train', async () => {
  const fp32 = await train('fp32');
  const bf16 = await train('bf16');
  assert.ok(bf16.losses.every(Number.isFinite), `bf16 losses ${bf16.losses}`);
  // bfloat16 keeps 8 significant bits: the first step's loss moves in the third digit at most.
  assert.ok(Math.abs(bf16.losses[0] - fp32.losses[0]) < 0.02 * Math.abs(fp32.losses[0]), `first loss fp32 ${fp32.losses[0]} bf16 ${bf16.losses[0]}`);
  assert.notDeepEqual(bf16.losses, fp32.losses, 'bf16 steps computed exactly what fp32 steps computed: autocast did not run');
  // The weights stay fp32 and inference is fp32: the same weights give the same samples either way.
  const w = await bf16.m.weights(false);
  for (const t of Object.values(w)) assert.ok(t.data instanceof Float32Array);
  const fromBf16 = await bf16.m.generate(someZ(4, NZ), 4);
  await fp32.m.setWeights(w);
  assert.equal(maxAbsDiff(fromBf16, await fp32.m.generate(someZ(4, NZ), 4)), 0);
});

test('bf16 trains the feature-matching recipe (weight norm, data init, noise layers) with finite losses', async () => {
  const { losses } = await train('bf16', { model: 'paper-mnist', loss: 'improved-gan' }, { loss: 'improved-gan', gLoss: 'feature-matching', clipNorm: 0 }, 4);
  assert.ok(losses.every(Number.isFinite), `losses ${losses}`);
});

test('--precision takes fp32 or bf16 only', () => {
  assert.throws(() => validate({ ...DEFAULTS, precision: 'fp16' as never }), /--precision fp16/);
  assert.doesNotThrow(() => validate({ ...DEFAULTS, precision: 'bf16' }));
});
