/** Resuming a run recorded before a setting existed: its value is the one the run trained with. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULTS, recipeDefaults, type TrainConfig } from '../../src/config';
import type { CheckpointMeta } from '../../src/checkpoint/format';
import { planResume } from '../../src/train/resume-flags';

function metaWith(config: TrainConfig): CheckpointMeta {
  return {
    format: 'ssgan-checkpoint',
    version: 2,
    step: 10,
    config,
    modelConfig: { model: 'seed', h: 28, w: 28, c: 1, k: 10, nz: 128, normType: 'batch', deconvType: 'bilinear', loss: 'seed' },
    dataset: { name: 'MNIST', dir: '/data/MNIST', classNames: [] },
    sampler: {},
  };
}

test('a run recorded without --generator trained the seed\'s: --recipe seed resumes it, --generator dcgan is refused', () => {
  const { generator: _, ...old } = { ...DEFAULTS, ...recipeDefaults('seed') };
  const meta = metaWith(old as TrainConfig);
  const plan = planResume({ checkpoint: '/runs/a/model-10', ...recipeDefaults('seed') }, meta, '/runs/a/model-10');
  assert.equal(plan.config.gLoss, 'seed');
  assert.throws(
    () => planResume({ checkpoint: '/runs/a/model-10', generator: 'dcgan' }, meta, '/runs/a/model-10'),
    /^Error: --generator dcgan: \/runs\/a was started with --generator seed, which a resumed run cannot change/,
  );
});

test('a run recorded without --generator-init started from PyTorch\'s init: --generator-init pytorch resumes it, glorot is refused', () => {
  const meta = metaWith({ ...DEFAULTS, model: 'paper-mnist' });
  assert.equal(planResume({ checkpoint: '/runs/b/model-10', generatorInit: 'pytorch' }, meta, '/runs/b/model-10').config.model, 'paper-mnist');
  assert.notEqual(planResume({ checkpoint: '/runs/b/model-10' }, meta, '/runs/b/model-10').config.generatorInit, 'glorot', 'untyped: as recorded, not today\'s default');
  assert.throws(
    () => planResume({ checkpoint: '/runs/b/model-10', generatorInit: 'glorot' }, meta, '/runs/b/model-10'),
    /^Error: --generator-init glorot: \/runs\/b was started with --generator-init pytorch, which a resumed run cannot change/,
  );
});
