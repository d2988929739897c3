/**
 * The Improved-GAN paper's architectures (weight-normalised dense/conv/deconv, noise, dropout,
 * batch norm on vectors, zeroLogit) export with the same parity guarantee, for batch 1 and 7.
 */
import { before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeModel, MODEL_KINDS, type ModelKind } from '../../src/model/describe';
import { exportOnnx } from '../../src/export/export';
import { OnnxClassifier } from '../../src/eval/onnx-classifier';
import { OnnxGenerator } from '../../src/eval/onnx-generator';
import { uniformNoise } from '../../src/eval/noise';
import { maxAbsDiff, std, testMeta } from './helpers/cases';
import { randomWeights } from './helpers/random-weights';
import { onnxCheck } from './helpers/onnx-checker';
import { referenceKind, referenceOutputs, type RefCase, type RefOutputs } from './helpers/reference';

const TOL = 1e-4;
const BATCHES = [1, 7];
const K = 3;
const PAPER: [ModelKind, number, number, number][] = [['paper-mnist', 8, 8, 1], ['paper-cifar', 12, 16, 3], ['paper-svhn', 16, 16, 3]];
const kinds = PAPER.filter(([kind]) => MODEL_KINDS.includes(kind));

describe(`ONNX export parity of the paper's models with ${referenceKind()}`, { skip: kinds.length ? false : 'no paper models described yet' }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssgan-paper-'));
  const cases: RefCase[] = kinds.map(([model, h, w, c], i) => {
    const desc = describeModel({ model, h, w, c, k: K, nz: 10, normType: 'batch', deconvType: 'transpose', loss: 'improved-gan' });
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

  kinds.forEach(([model, h, w, c], i) => {
    it(`${model} ${h}x${w}x${c}`, async (t) => {
      assert.deepEqual(checks.slice(2 * i, 2 * i + 2), ['', ''], 'ONNX checker');
      const cls = await OnnxClassifier.open(files[i].classifier, { threads: 1 });
      const gen = await OnnxGenerator.open(files[i].generator, { threads: 1 });
      for (let b = 0; b < BATCHES.length; b++) {
        const n = BATCHES[b];
        const ref = refs[i].logits[b];
        assert.ok(std(ref) > 0.05, `reference logits vary (std ${std(ref)})`);
        const d = maxAbsDiff((await cls.classify(cases[i].images[b].data, n)).logits, ref);
        assert.ok(d <= TOL, `classifier logits, batch ${n}: max |onnx - ref| = ${d}`);
        const img = (await gen.generate(cases[i].z[b].data, n)).map((v) => v / 127.5 - 1);
        assert.ok(std(refs[i].images[b]) > 0.01, 'reference images vary');
        const di = maxAbsDiff(img, refs[i].images[b]);
        assert.ok(di <= TOL, `generator images, batch ${n}: max |onnx - ref| = ${di}`);
        t.diagnostic(`batch ${n}: max |diff| logits ${d.toExponential(2)}, images ${di.toExponential(2)}`);
      }
      await cls.release();
      await gen.release();
    });
  });

  it('cleans up', () => fs.rmSync(dir, { recursive: true, force: true }));
});
