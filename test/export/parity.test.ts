/**
 * Export -> ONNX checker (full check, strict shape inference) -> onnxruntime equals the eval-mode
 * reference (libtorch addon when built) within 1e-4, for every norm type x deconv type, batch 1 and 7.
 */
import { before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { exportOnnx } from '../../src/export/export';
import { uniformNoise as uniform } from '../../src/util/random';
import { parityCases, testMeta } from './helpers/cases';
import { assertParity } from './helpers/parity-check';
import { randomWeights, weightsFor } from './helpers/random-weights';
import { describeModel, type ModelDescription } from '../../src/model/describe';
import type { Weights } from '../../src/native/addon';
import { onnxCheck } from './helpers/onnx-checker';
import { referenceKind, referenceOutputs, type RefCase, type RefOutputs } from './helpers/reference';
import { tmpDir } from '../helpers/tmp-dir';

const BATCHES = [1, 7];

function pixels(n: number, seed: number): Float32Array {
  return uniform(n, 0, 256, seed).map(Math.floor);
}

describe(`ONNX export parity with ${referenceKind()} (eval mode)`, () => {
  const cases = parityCases();
  const dir = tmpDir('parity');
  // One random set per shape and generator family (the norm and resize variants use subsets of
  // the batch-norm model's names): less to generate and to write for the reference.
  const pool = new Map<string, Weights>();
  const sharedWeights = (desc: ModelDescription): Weights => {
    const { h, w, c } = desc.config;
    const family = desc.config.deconvType === 'transpose' ? 'transpose' : 'resize';
    const key = `${h}x${w}x${c}/${family}/${desc.config.generator}`;
    if (!pool.has(key)) pool.set(key, randomWeights({ ...desc, ...describeModel({ ...desc.config, normType: 'batch' }) }, 1000 + pool.size));
    return weightsFor(desc, pool.get(key) as Weights);
  };
  const refCases: RefCase[] = cases.map(({ desc }, i) => {
    const { h, w, c, nz } = desc.config;
    return {
      desc,
      weights: sharedWeights(desc),
      images: BATCHES.map((n) => ({ data: pixels(n * h * w * c, 10 * i + n), n })),
      z: BATCHES.map((n) => ({ data: uniform(n * nz, desc.zLow, desc.zHigh, 20 * i + n), n })),
    };
  });
  let refs: RefOutputs[] = [];
  let files: { classifier: string; generator: string }[] = [];
  let checks: string[] = [];

  before(async () => {
    refs = await referenceOutputs(refCases);
    files = [];
    for (let i = 0; i < cases.length; i++) {
      files.push(await exportOnnx({ desc: cases[i].desc, weights: refs[i].weights, outDir: path.join(dir, `case${i}`), meta: testMeta() }));
    }
    checks = onnxCheck(files.flatMap((f) => [f.classifier, f.generator]));
  });

  cases.forEach(({ name }, i) => {
    it(name, async (t) => {
      assert.deepEqual(checks.slice(2 * i, 2 * i + 2), ['', ''], 'ONNX checker');
      await assertParity(t, files[i], refCases[i], refs[i]);
    });
  });

});
