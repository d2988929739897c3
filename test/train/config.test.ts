/** Learning-rate decay (--lr-decay-start, --max-epochs) and its validation. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULTS, lrFactorAt, validate, type TrainConfig } from '../../src/config';

test('lrFactorAt: 1 without a schedule', () => {
  for (const epoch of [0, 1, 10, 1000]) {
    assert.equal(lrFactorAt({}, epoch), 1);
    assert.equal(lrFactorAt({ maxEpochs: 20 }, epoch), 1);
  }
});

test('lrFactorAt: 1 before --lr-decay-start, then linear to 0 at --max-epochs', () => {
  const c = { lrDecayStart: 10, maxEpochs: 20 };
  for (const epoch of [0, 5, 9, 10]) assert.equal(lrFactorAt(c, epoch), 1, `epoch ${epoch}`);
  for (const [epoch, f] of [[11, 0.9], [15, 0.5], [19, 0.1], [20, 0]]) assert.ok(Math.abs(lrFactorAt(c, epoch) - f) < 1e-12, `epoch ${epoch}: ${lrFactorAt(c, epoch)}, expected ${f}`);
  assert.equal(lrFactorAt(c, 25), 0, 'never negative past --max-epochs');
  // Decay from the first epoch (the paper's MNIST script decays over the whole run).
  assert.equal(lrFactorAt({ lrDecayStart: 0, maxEpochs: 4 }, 0), 1);
  assert.equal(lrFactorAt({ lrDecayStart: 0, maxEpochs: 4 }, 3), 0.25);
});

test('validate: --lr-decay-start needs a larger --max-epochs', () => {
  const base: TrainConfig = { ...DEFAULTS, threads: 1 };
  assert.throws(() => validate({ ...base, lrDecayStart: 5 }), /^Error: --lr-decay-start 5: needs --max-epochs/);
  assert.throws(() => validate({ ...base, lrDecayStart: 5, maxEpochs: 5 }), /--lr-decay-start 5: needs --max-epochs greater than it/);
  assert.throws(() => validate({ ...base, lrDecayStart: 8, maxEpochs: 5 }), /--lr-decay-start 8/);
  assert.throws(() => validate({ ...base, lrDecayStart: -1, maxEpochs: 5 }), /--lr-decay-start -1/);
  assert.throws(() => validate({ ...base, maxEpochs: 0 }), /--max-epochs 0/);
  const ok = validate({ ...base, lrDecayStart: 0, maxEpochs: 5 });
  assert.equal(ok.lrDecayStart, 0);
  assert.equal(validate({ ...base, lrDecayStart: 4, maxEpochs: 5 }).maxEpochs, 5);
});

test('validate: the few-label flags', () => {
  const base: TrainConfig = { ...DEFAULTS, threads: 1 };
  assert.throws(() => validate({ ...base, numLabeled: 0 }), /--num-labeled 0/);
  assert.throws(() => validate({ ...base, numLabeled: 2.5 }), /--num-labeled 2.5/);
  assert.throws(() => validate({ ...base, unlabeled: 'some' as 'rest' }), /--unlabeled some: must be one of rest, all/);
  assert.throws(() => validate({ ...base, emaDecay: 1 }), /--ema-decay 1/);
  assert.throws(() => validate({ ...base, adamEpsilon: 'inside' as never }), /^Error: --adam-epsilon inside: must be one of pytorch, official$/);
  assert.equal(validate({ ...base, numLabeled: 100, unlabeled: 'rest' }).numLabeled, 100);
  assert.throws(() => validate({ ...base, numLabeled: 100, labeledIds: 'ids.json' }), /^Error: --labeled-ids ids.json: the file says which examples are labeled, so drop --num-labeled 100$/);
});

test('validate: --official-init is paper-mnist\'s and needs --data-init', () => {
  const base: TrainConfig = { ...DEFAULTS, threads: 1, model: 'paper-mnist', loss: 'improved-gan', officialInit: true };
  assert.throws(() => validate({ ...base, model: 'paper-cifar' }), /^Error: --official-init: the official code's parametrisation is built for --model paper-mnist only, not paper-cifar$/);
  assert.throws(() => validate({ ...base, dataInit: false }), /^Error: --official-init fixes the hidden gains where the data-dependent init puts them: drop --no-data-init, or add --no-official-init$/);
  assert.equal(validate({ ...base, dataInit: true }).officialInit, true);
});
