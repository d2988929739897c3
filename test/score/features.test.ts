/**
 * classifier.onnx's `features` output (the feature layer, averaged over H and W): its shape, the
 * ONNX checker, and its values, through the identity the models make true: the logits are an
 * affine map of the features (the seed model's 1x1 conv commutes with the average; paper models
 * end in a dense layer). And the feature network's refusals name the flag and the fix.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { featureWidth } from '../../src/export/feature-output';
import { linearParams, isLinear } from '../../src/export/layer-weights';
import { classifierModel, encodeModel } from '../../src/export/onnx-graph';
import { describeModel, type ModelConfig } from '../../src/model/describe';
import { FeatureNet } from '../../src/score/features';
import { Random } from '../../src/util/random';
import { onnxCheck } from '../export/helpers/onnx-checker';
import { randomWeights } from '../export/helpers/random-weights';
import { tmpDir } from '../helpers/tmp-dir';

const META = { dataset: 'x', classNames: ['a', 'b', 'c'], step: 1, producerName: 'ssgan', producerVersion: 'test' };
const CASES: [string, ModelConfig, number][] = [
  ['seed 28x28x1', { model: 'seed', h: 28, w: 28, c: 1, k: 3, nz: 8, normType: 'batch', deconvType: 'bilinear', loss: 'seed' }, 64],
  ['seed 8x12x3 (spatial features)', { model: 'seed', h: 8, w: 12, c: 3, k: 3, nz: 8, normType: 'instance', deconvType: 'bilinear', loss: 'seed' }, 32],
  ['paper-mnist', { model: 'paper-mnist', h: 28, w: 28, c: 1, k: 3, nz: 8, normType: 'batch', deconvType: 'bilinear', loss: 'improved-gan' }, 250],
  ['paper-svhn 16x16x3', { model: 'paper-svhn', h: 16, w: 16, c: 3, k: 3, nz: 8, normType: 'batch', deconvType: 'bilinear', loss: 'improved-gan' }, 128],
];

describe('classifier.onnx features output', () => {
  let dir: string;
  before(() => { dir = tmpDir('score-features'); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const [name, cfg, width] of CASES) {
    it(`${name}: [batch, ${width}], and the logits are an affine map of it`, async () => {
      const desc = describeModel(cfg);
      const weights = randomWeights(desc, 3);
      assert.equal(featureWidth(desc), width);
      const file = path.join(dir, `${name.replace(/\W+/g, '_')}.onnx`);
      fs.writeFileSync(file, encodeModel(classifierModel(desc, weights, META)));
      assert.deepEqual(onnxCheck([file]), ['']);

      const n = 5;
      const r = new Random(1);
      const images = Float32Array.from({ length: n * cfg.h * cfg.w * cfg.c }, () => r.int(256));
      const s = await ort.InferenceSession.create(file);
      assert.deepEqual(s.outputNames, ['logits', 'probabilities', 'label', 'features']);
      const out = await s.run({ image: new ort.Tensor('float32', images, [n, cfg.h, cfg.w, cfg.c]) });
      await s.release();
      assert.deepEqual(out.features.dims, [n, width]);
      // The layer after the features that makes logits: its (weight-norm folded) weights.
      const last = desc.discriminator.slice(desc.featureLayer + 1).find(isLinear);
      assert.ok(last);
      const { weight, bias } = linearParams(weights, 'D', last);
      const outs = bias.data.length;
      const f = out.features.data as Float32Array;
      const logits = out.logits.data as Float32Array;
      let maxDiff = 0;
      let scale = 0;
      for (let i = 0; i < n; i++) {
        for (let o = 0; o < outs; o++) {
          let v = bias.data[o];
          for (let j = 0; j < width; j++) v += weight.data[o * width + j] * f[i * width + j];
          maxDiff = Math.max(maxDiff, Math.abs(v - logits[i * (cfg.k + 1) + o]));
          scale = Math.max(scale, Math.abs(v));
        }
      }
      assert.ok(maxDiff <= 1e-4 * Math.max(1, scale), `logits vs affine map of the features: ${maxDiff} (scale ${scale})`);
    });
  }

  it('a feature network without the named outputs, or with the wrong input, is refused with the fix', async () => {
    const desc = describeModel(CASES[0][1]);
    const file = path.join(dir, 'cls.onnx');
    fs.writeFileSync(file, encodeModel(classifierModel(desc, randomWeights(desc, 1), META)));
    await assert.rejects(FeatureNet.open({ file, featuresOutput: 'pool3', flag: '--features' }), /--features .*cls\.onnx: has no output pool3 \(its outputs: logits, probabilities, label, features\); name one with --features-output/);
    await assert.rejects(FeatureNet.open({ file: path.join(dir, 'nope.onnx'), featuresOutput: 'f', flag: '--features' }), /--features .*nope\.onnx: no such file/);
    fs.writeFileSync(path.join(dir, 'junk.onnx'), 'not a model');
    await assert.rejects(FeatureNet.open({ file: path.join(dir, 'junk.onnx'), featuresOutput: 'f', flag: '--features' }), /--features .*junk\.onnx: onnxruntime cannot load it/);
    const net = await FeatureNet.open({ file, featuresOutput: 'logits', probabilitiesOutput: 'label', flag: '--features' });
    try {
      assert.throws(() => net.checkImageShape(32, 32, 3), /its input image is \[batch, 28, 28, 1\] but the images are \[N, 32, 32, 3\]/);
      net.checkImageShape(28, 28, 1);
      await assert.rejects(net.run(new Uint8Array(2 * 784), 2, [28, 28, 1]), /output label is int64 \[2\] for 2 images; it must be float32 \[N, K\]/);
    } finally {
      await net.release();
    }
  });
});
