/**
 * The Improved-GAN paper's architectures (weight-normalised dense/conv/deconv, noise, dropout,
 * batch norm on vectors, zeroLogit) export with the same parity guarantee, for batch 1 and 7, as
 * PyTorch's init builds them and as the official code parametrised them (--official-init: fixed
 * gains held as buffers, batch norms with a shift alone, the conv discriminators without the input
 * affine).
 */
import { before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { describeModel, MODEL_KINDS, type ModelKind } from '../../src/model/describe';
import { exportOnnx } from '../../src/export/export';
import { uniformNoise } from '../../src/util/random';
import { testMeta } from './helpers/cases';
import { assertParity } from './helpers/parity-check';
import { randomWeights } from './helpers/random-weights';
import { onnxCheck } from './helpers/onnx-checker';
import { referenceKind, referenceOutputs, type RefCase, type RefOutputs } from './helpers/reference';
import { tmpDir } from '../helpers/tmp-dir';

const BATCHES = [1, 7];
const K = 3;
const SHAPES: [ModelKind, number, number, number][] = [['paper-mnist', 8, 8, 1], ['paper-cifar', 12, 16, 3], ['paper-svhn', 16, 16, 3]];
const PAPER: [ModelKind, number, number, number, boolean][] = [false, true].flatMap((official) => SHAPES.map(([m, h, w, c]): [ModelKind, number, number, number, boolean] => [m, h, w, c, official]));
const kinds = PAPER.filter(([kind]) => MODEL_KINDS.includes(kind));

describe(`ONNX export parity of the paper's models with ${referenceKind()}`, { skip: kinds.length ? false : 'no paper models described yet' }, () => {
  const dir = tmpDir('paper');
  const cases: RefCase[] = kinds.map(([model, h, w, c, officialInit], i) => {
    const desc = describeModel({ model, h, w, c, k: K, nz: 10, normType: 'batch', deconvType: 'transpose', loss: 'improved-gan', ...(officialInit ? { officialInit } : {}) });
    return {
      desc,
      weights: randomWeights(desc, 500 + i),
      images: BATCHES.map((n) => ({ data: uniformNoise(n * h * w * c, 0, 256, 30 * i + n).map(Math.floor), n })),
      z: BATCHES.map((n) => ({ data: uniformNoise(n * 10, desc.zLow, desc.zHigh, 40 * i + n), n })),
    };
  });
  let refs: RefOutputs[] = [];
  let files: { classifier: string; generator: string }[] = [];
  let checks: string[] = [];

  before(async () => {
    refs = await referenceOutputs(cases);
    for (let i = 0; i < cases.length; i++) {
      files.push(await exportOnnx({ desc: cases[i].desc, weights: refs[i].weights, outDir: path.join(dir, `case${i}`), meta: testMeta(K) }));
    }
    checks = onnxCheck(files.flatMap((f) => [f.classifier, f.generator]));
  });

  kinds.forEach(([model, h, w, c, official], i) => {
    it(`${model}${official ? ' --official-init' : ''} ${h}x${w}x${c}`, async (t) => {
      assert.deepEqual(checks.slice(2 * i, 2 * i + 2), ['', ''], 'ONNX checker');
      await assertParity(t, files[i], cases[i], refs[i]);
    });
  });

});
