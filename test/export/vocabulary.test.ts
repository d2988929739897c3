/**
 * Every op of the layer vocabulary (weight norm on conv/deconv/dense, non-affine norms, nearest
 * resize, resizeTo, flatten, reshape, affine, noise, dropout, zeroLogit, all activations) exports
 * to a valid graph that onnxruntime runs as the PyTorch interpreter does; and perturbing a batch-norm
 * statistic or a weight-norm gain changes the outputs (the parity comparison can fail).
 */
import { before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ModelDescription } from '../../src/model/describe';
import { norm } from '../../src/model/layers';
import type { Weights } from '../../src/native/addon';
import { exportOnnx } from '../../src/export/export';
import { readMetadata } from '../../src/export/onnx-graph';
import { OnnxClassifier } from '../../src/eval/onnx-classifier';
import { OnnxGenerator } from '../../src/eval/onnx-generator';
import { uniformNoise as uniform } from '../../src/util/random';
import { maxAbsDiff, std, testMeta } from './helpers/cases';
import { randomWeights } from './helpers/random-weights';
import { onnxCheck } from './helpers/onnx-checker';
import { runTorchReference } from './helpers/torch-reference';
import { tmpDir } from '../helpers/tmp-dir';

const TOL = 1e-4;
const N = 5;

const desc: ModelDescription = {
  config: { model: 'seed', h: 6, w: 6, c: 2, k: 3, nz: 6, normType: 'batch', deconvType: 'transpose', loss: 'improved-gan' },
  discriminator: [
    { op: 'noise', std: 0.3 },
    { op: 'dropout', p: 0.2 },
    { op: 'conv', name: 'c1', inC: 2, outC: 4, k: 3, stride: 1, pad: 1, weightNorm: true },
    { op: 'act', fn: 'lrelu', slope: 0.2 },
    norm('bn1', 'batch', 4, false),
    { op: 'resize', mode: 'nearest', scale: 2 },
    { op: 'conv', name: 'c2', inC: 4, outC: 4, k: 3, stride: 2, pad: 1 },
    { op: 'act', fn: 'softplus' },
    { ...norm('in2', 'instance', 4, false), shift: true },
    { op: 'resizeTo', mode: 'bilinear', h: 5, w: 7 },
    { op: 'flatten' },
    { op: 'dropout', p: 0.5 },
    { op: 'dense', name: 'fc', inC: 140, outC: 3, weightNorm: true },
    { op: 'affine', mul: 0.5, add: 0.1 },
    { op: 'zeroLogit' },
  ],
  generator: [
    { op: 'dense', name: 'fc', inC: 6, outC: 32, weightNorm: true },
    { ...norm('bn0', 'batch', 32, false), shift: true },
    { op: 'act', fn: 'softplus' },
    { op: 'noise', std: 0.5 },
    { op: 'reshape', shape: [8, 2, 2] },
    { op: 'deconv', name: 'd1', inC: 8, outC: 4, k: 5, stride: 2, pad: 2, outPad: 1, weightNorm: true },
    norm('bn1', 'batch', 4, true),
    { op: 'act', fn: 'relu' },
    { op: 'resize', mode: 'bilinear', scale: 2 },
    { op: 'conv', name: 'c2', inC: 4, outC: 2, k: 3, stride: 1, pad: 1 },
    norm('in2', 'instance', 2, true),
    { op: 'resizeTo', mode: 'bilinear', h: 6, w: 6 },
    { op: 'act', fn: 'sigmoid' },
    { op: 'affine', mul: 2, add: -1 },
  ],
  featureLayer: 11,
  zLow: -1,
  zHigh: 1,
};

function perturbed(w: Weights): Weights {
  const out = { ...w };
  const bump = (key: string, i: number, by: number) => {
    const data = Float32Array.from(w[key].data);
    data[i] += by;
    out[key] = { shape: w[key].shape, data };
  };
  bump('D.bn1.running_mean', 0, 0.5);
  bump('G.d1.g', 1, 0.5);
  return out;
}

describe('ONNX export of the whole layer vocabulary', () => {
  const dir = tmpDir('vocab');
  const weights = randomWeights(desc, 7);
  const images = uniform(N * 6 * 6 * 2, 0, 256, 3).map(Math.floor);
  const z = uniform(N * 6, -1, 1, 4);
  let ref: Float32Array[] = [];

  before(() => {
    ref = runTorchReference([
      { net: 'D', layers: desc.discriminator, weights, input: images, inputShape: [N, 6, 6, 2] },
      { net: 'G', layers: desc.generator, weights, input: z, inputShape: [N, 6] },
    ]);
  });

  it('passes the checker and matches the PyTorch interpreter; perturbations are detected', async () => {
    for (const [name, w, expectEqual] of [['exact', weights, true], ['perturbed', perturbed(weights), false]] as const) {
      const files = await exportOnnx({ desc, weights: w, outDir: path.join(dir, name), meta: testMeta() });
      assert.deepEqual(onnxCheck([files.classifier, files.generator]), ['', '']);
      const cls = await OnnxClassifier.open(files.classifier, { threads: 1 });
      const gen = await OnnxGenerator.open(files.generator, { threads: 1 });
      const got = await cls.classify(images, N);
      const img = (await gen.generate(z, N)).map((v) => v / 127.5 - 1);
      assert.equal(got.logits.length, N * 4);
      assert.ok(std(ref[0]) > 0.05 && std(ref[1]) > 0.05, 'reference outputs vary');
      const dl = maxAbsDiff(got.logits, ref[0]);
      const di = maxAbsDiff(img, ref[1]);
      if (expectEqual) {
        assert.ok(dl <= TOL, `logits differ by ${dl}`);
        assert.ok(di <= TOL, `images differ by ${di}`);
        for (let i = 0; i < N; i++) assert.equal(got.logits[i * 4 + 3], 0, 'zeroLogit column is 0');
      } else {
        assert.ok(dl > 1e-3, `a perturbed running mean must change the logits (diff ${dl})`);
        assert.ok(di > 1e-3, `a perturbed weight-norm gain must change the images (diff ${di})`);
      }
      await cls.release();
      await gen.release();
    }
  });

  it('writes the metadata a consumer needs', async () => {
    const files = await exportOnnx({ desc, weights, outDir: path.join(dir, 'meta'), meta: testMeta() });
    const meta = readMetadata(fs.readFileSync(files.classifier));
    assert.equal(meta.dataset, 'fixture');
    assert.deepEqual(JSON.parse(meta.class_names), ['class0', 'class1', 'class2']);
    assert.deepEqual(JSON.parse(meta.image_shape), [6, 6, 2]);
    assert.equal(meta.n_z, '6');
    assert.equal(meta.step, '42');
    assert.equal(meta.producer, 'ssgan 0.0.0-test');
    assert.deepEqual(readMetadata(fs.readFileSync(files.generator)), meta);
  });

  it('names the missing weight and the class-name mismatch', async () => {
    const { ['D.c2.bias']: _, ...missing } = weights;
    await assert.rejects(exportOnnx({ desc, weights: missing, outDir: path.join(dir, 'bad'), meta: testMeta() }), /weights have no D\.c2\.bias/);
    await assert.rejects(exportOnnx({ desc, weights, outDir: path.join(dir, 'bad'), meta: testMeta(2) }), /2 class names for K = 3/);
  });

});
