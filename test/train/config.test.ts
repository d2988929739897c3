/** Learning-rate decay (--lr-decay-start, --max-epochs) and its validation. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULTS, lrFactorAt, modelDefaults, validate, type TrainConfig } from '../../src/config';

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

test('validate: --official-init is the paper models\' and needs --data-init', () => {
  const base: TrainConfig = { ...DEFAULTS, threads: 1, model: 'paper-mnist', loss: 'improved-gan', officialInit: true };
  assert.throws(() => validate({ ...base, model: 'seed', loss: 'seed' }), /^Error: --official-init: the official code's parametrisation is built for the paper models \(paper-mnist, paper-cifar, paper-svhn\), not --model seed$/);
  for (const model of ['paper-cifar', 'paper-svhn'] as const) assert.equal(validate({ ...base, model }).officialInit, true);
  assert.throws(() => validate({ ...base, dataInit: false }), /^Error: --official-init fixes the hidden gains where the data-dependent init puts them: drop --no-data-init, or add --no-official-init$/);
  assert.equal(validate({ ...base, dataInit: true }).officialInit, true);
});

test('validate: --generator-init is one of pytorch, glorot, and glorot is paper-mnist\'s', () => {
  const base: TrainConfig = { ...DEFAULTS, threads: 1, model: 'paper-mnist', loss: 'improved-gan', officialInit: true };
  assert.equal(validate({ ...base, generatorInit: 'glorot' }).generatorInit, 'glorot');
  assert.throws(() => validate({ ...base, generatorInit: 'he' as never }), /^Error: --generator-init he: must be one of pytorch, glorot$/);
  assert.throws(() => validate({ ...base, model: 'paper-cifar', generatorInit: 'glorot' }), /^Error: --generator-init glorot: written for paper-mnist's dense generator, not --model paper-cifar: drop --generator-init$/);
  assert.equal(validate({ ...base, model: 'paper-cifar', generatorInit: 'pytorch' }).generatorInit, 'pytorch');
  assert.equal(modelDefaults('paper-mnist').generatorInit, 'glorot');
  for (const model of ['seed', 'paper-cifar', 'paper-svhn'] as const) assert.equal(modelDefaults(model).generatorInit, undefined, model);
});

test('validate: typed flags that contradict each other are refused naming both; defaults never contradict', () => {
  const base: TrainConfig = { ...DEFAULTS, threads: 1 };
  const typed = (...k: string[]) => new Set(k);
  assert.throws(() => validate({ ...base, maxTrainingSteps: 1200, maxEpochs: 100 }, typed('maxTrainingSteps', 'maxEpochs')), /^Error: --max-training-steps 1200 and --max-epochs 100 both set the length of the run: pass one/);
  // The default step limit beside a typed --max-epochs is no contradiction.
  assert.equal(validate({ ...base, maxEpochs: 100 }, typed('maxEpochs')).maxEpochs, 100);
  assert.throws(() => validate({ ...base, datasetDir: '/d' }, typed('dataset', 'datasetDir')), /^Error: --dataset MNIST and --dataset-dir \/d both name the dataset: pass one$/);
  assert.throws(() => validate({ ...base, dataDir: 'x', datasetDir: '/d' }, typed('dataDir', 'datasetDir')), /^Error: --data-dir x does nothing with --dataset-dir \/d/);
  assert.throws(() => validate({ ...base, labelSeed: 3, labeledIds: 'ids.json' }, typed('labelSeed', 'labeledIds')), /^Error: --label-seed 3 does nothing with --labeled-ids ids.json/);
  assert.throws(() => validate({ ...base, labelSeed: 3 }, typed('labelSeed')), /^Error: --label-seed 3 chooses the examples of --num-labeled, which is not given/);
  assert.equal(validate({ ...base, labelSeed: 3, numLabeled: 100 }, typed('labelSeed', 'numLabeled')).labelSeed, 3);
  assert.throws(() => validate({ ...base, unlabeled: 'rest' }, typed('unlabeled')), /^Error: --unlabeled rest applies with --num-labeled or --labeled-ids/);
  assert.throws(() => validate({ ...base, loss: 'improved-gan', updateRate: 2 }, typed('loss', 'updateRate')), /^Error: --update-rate 2 does nothing with --loss improved-gan/);
  assert.throws(() => validate({ ...base, model: 'paper-cifar', loss: 'improved-gan', normType: 'instance' }, typed('model', 'normType')), /^Error: --norm-type instance does nothing with --model paper-cifar/);
  assert.throws(() => validate({ ...base, dataInit: true }, typed('dataInit')), /^Error: --data-init does nothing with --model seed/);
  assert.throws(() => validate({ ...base, prefix: 'p', trainDir: 'd' }, typed('prefix', 'trainDir')), /^Error: --prefix p names the default train dir, and --train-dir d replaces it: pass one$/);
  // Without the typed flags (a config from code, or a checkpoint's), nothing is taken for a contradiction.
  assert.equal(validate({ ...base, maxTrainingSteps: 1200, maxEpochs: 100, prefix: 'p', trainDir: 'd' }).maxEpochs, 100);
});
