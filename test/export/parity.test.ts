/**
 * Export -> ONNX checker (full check, strict shape inference) -> onnxruntime equals the eval-mode
 * reference (libtorch addon when built) within 1e-4, for every norm type x deconv type, batch 1 and 7.
 */
import { before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exportOnnx } from '../../src/export/export';
import { OnnxClassifier } from '../../src/eval/onnx-classifier';
import { OnnxGenerator } from '../../src/eval/onnx-generator';
import { uniformNoise as uniform } from '../../src/eval/noise';
import { parityCases, testMeta, maxAbsDiff, std } from './helpers/cases';
import { randomWeights, weightsFor } from './helpers/random-weights';
import { describeModel, type ModelDescription } from '../../src/model/describe';
import type { Weights } from '../../src/native/addon';
import { onnxCheck } from './helpers/onnx-checker';
import { referenceKind, referenceOutputs, type RefCase, type RefOutputs } from './helpers/reference';

const TOL = 1e-4;
const BATCHES = [1, 7];

function pixels(n: number, seed: number): Float32Array {
  return uniform(n, 0, 256, seed).map(Math.floor);
}

describe(`ONNX export parity with ${referenceKind()} (eval mode)`, () => {
  const cases = parityCases();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssgan-parity-'));
  // One random set per shape and generator family (the norm and resize variants use subsets of
  // the batch-norm model's names): less to generate and to write for the reference.
  const pool = new Map<string, Weights>();
  const sharedWeights = (desc: ModelDescription): Weights => {
    const { h, w, c } = desc.config;
    const family = desc.config.deconvType === 'transpose' ? 'transpose' : 'resize';
    const key = `${h}x${w}x${c}/${family}`;
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
      const cls = await OnnxClassifier.open(files[i].classifier, { threads: 1 });
      const gen = await OnnxGenerator.open(files[i].generator, { threads: 1 });
      for (let b = 0; b < BATCHES.length; b++) {
        const n = BATCHES[b];
        const ref = refs[i].logits[b];
        assert.ok(std(ref) > 0.05, `reference logits vary (std ${std(ref)}), or the comparison proves little`);
        const got = await cls.classify(refCases[i].images[b].data, n);
        const d = maxAbsDiff(got.logits, ref);
        assert.ok(d <= TOL, `classifier logits, batch ${n}: max |onnx - ref| = ${d}`);

        const img = (await gen.generate(refCases[i].z[b].data, n)).map((v) => v / 127.5 - 1);
        const refImg = refs[i].images[b];
        assert.ok(std(refImg) > 0.01, `reference images vary (std ${std(refImg)})`);
        const di = maxAbsDiff(img, refImg);
        assert.ok(di <= TOL, `generator images ([-1, 1] scale), batch ${n}: max |onnx - ref| = ${di}`);
        t.diagnostic(`batch ${n}: max |diff| logits ${d.toExponential(2)}, images ${di.toExponential(2)}`);
      }
      await cls.release();
      await gen.release();
    });
  });

  it('cleans up', () => fs.rmSync(dir, { recursive: true, force: true }));
});
