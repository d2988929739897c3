/**
 * `ssgan score` end to end on the seed-h5 fixture (240 MNIST digits), through the real judge
 * (trained supervised-only by ssgan's own trainer, exported, run in onnxruntime): real held-out
 * digits score better than a generator collapsed on purpose; the judge and the test split's
 * features are saved beside the dataset, reused, and rebuilt by --train-judge; bad input fails
 * with one line naming the flag.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadDataset, type Dataset } from '../../src/data/dataset';
import { loadH5wasm } from '../../src/data/hdf5/h5wasm';
import { exportOnnx } from '../../src/export/export';
import { buildModel, modelConfigFor } from '../../src/native/build';
import { ensureJudge, trainJudge, type Judge } from '../../src/score/judge';
import { scoredImages } from '../../src/score/inputs';
import { Scorer, scoreSamples } from '../../src/score/score';
import { train } from '../../src/train/setup';
import { ADDON_FILE } from '../export/helpers/reference';
import { captureStream, fixtureCopy, smallConfig } from '../helpers/train-fixture';
import { oneLine, ssgan } from '../helpers/ssgan';

const haveAddon = fs.existsSync(ADDON_FILE);
/** 90 steps of 64: enough for the fixture's judge to tell most of its 48 test digits apart in a few seconds. */
const JUDGE_EPOCHS = 30;

async function writeImages(file: string, images: Uint8Array, n: number, ds: Dataset): Promise<void> {
  const h5 = await loadH5wasm();
  const f = new h5.File(file, 'w');
  f.create_dataset({ name: 'image', data: images, shape: [n, ds.h, ds.w, ds.c], dtype: '<B' });
  f.close();
}

function pick(ds: Dataset, indices: ArrayLike<number>): Uint8Array {
  const per = ds.h * ds.w * ds.c;
  const out = new Uint8Array(indices.length * per);
  for (let i = 0; i < indices.length; i++) out.set(ds.images.subarray(indices[i] * per, (indices[i] + 1) * per), i * per);
  return out;
}

async function scoreJson(args: string[]): Promise<{ samples: Record<string, number>; floor: Record<string, number> | null; [k: string]: unknown }> {
  const r = await ssgan(['score', ...args, '--json', '--threads', '2']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

describe('ssgan score on the seed-h5 fixture', { skip: haveAddon ? false : `needs the addon (${ADDON_FILE}): npm run build:native` }, () => {
  let dir: string;
  let ds: Dataset;
  let judge: Judge;
  let realH5: string;
  let collapsedOnnx: string;

  before(async () => {
    dir = fixtureCopy();
    ds = await loadDataset(dir);
    const log = captureStream();
    judge = await trainJudge(ds, { epochs: JUDGE_EPOCHS, threads: 2, out: log.stream });
    assert.match(log.text(), /supervised only/);
    // Real digits the reference (the test split) does not hold: training images.
    realH5 = path.join(dir, '..', 'real.h5');
    await writeImages(realH5, pick(ds, ds.train), ds.train.length, ds);
    // A generator collapsed on purpose: its first layer's weights are zero, so G(z) is one image for every z.
    const config = smallConfig(dir, { threads: 2 });
    const built = buildModel(config, modelConfigFor(config, ds));
    const w = await built.model.weights();
    w['G.fc.weight'].data.fill(0);
    const files = await exportOnnx({ desc: built.desc, weights: w, outDir: path.join(dir, '..', 'collapsed'), meta: { dataset: ds.name, classNames: ds.classNames, step: 0, producerName: 'ssgan', producerVersion: 'test' } });
    collapsedOnnx = files.generator;
  });
  after(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));

  it('the judge: classifier.onnx with features beside judge.json, its accuracy measured on the test split', () => {
    const info = JSON.parse(fs.readFileSync(path.join(dir, 'judge', 'judge.json'), 'utf8'));
    assert.equal(info.testExamples, ds.test.length);
    assert.equal(info.trainExamples, ds.train.length);
    assert.equal(info.epochs, JUDGE_EPOCHS);
    assert.equal(info.steps, JUDGE_EPOCHS * Math.floor(ds.train.length / 64));
    assert.ok(info.testAccuracy >= 0.7, `judge test accuracy ${info.testAccuracy}`);
    assert.match(info.command, /ssgan score .*--train-judge/);
    assert.deepEqual(info, judge.info);
  });

  it('real held-out digits score better than a collapsed generator: lower FID and KID, every class covered', async () => {
    const n = String(ds.train.length);
    const real = await scoreJson(['--images', realH5, '--dataset-dir', dir, '--n', n]);
    const collapsed = await scoreJson(['--onnx', collapsedOnnx, '--dataset-dir', dir, '--n', n]);
    assert.equal(real.samples.n, ds.train.length);
    assert.ok(real.samples.fid < collapsed.samples.fid / 3, `FID real ${real.samples.fid} vs collapsed ${collapsed.samples.fid}`);
    assert.ok(real.samples.kid < collapsed.samples.kid / 3, `KID real ${real.samples.kid} vs collapsed ${collapsed.samples.kid}`);
    assert.equal(real.samples.classesCovered, ds.k);
    assert.equal(collapsed.samples.classesCovered, 1);
    assert.equal(collapsed.samples.largestClassShare, 1);
    assert.ok(Math.abs(collapsed.samples.inceptionScore - 1) < 1e-6, `one image for all z: inception score ${collapsed.samples.inceptionScore}`);
    assert.ok(real.samples.inceptionScore > 3, `real digits: inception score ${real.samples.inceptionScore}`);
    // All the training images are the floor's images too (in another order): the same FID.
    assert.ok(real.floor);
    assert.ok(Math.abs(real.floor.fid - real.samples.fid) < 1e-6 * real.samples.fid, `floor FID ${real.floor.fid} vs ${real.samples.fid}`);
    assert.equal((real.features as { kind: string }).kind, 'judge');

    // The library call the training loop uses gives the same figures for the same images.
    const lib = await scoreSamples(pick(ds, ds.train), ds.train.length, ds, { threads: 2 });
    assert.ok(Math.abs(lib.fid - real.samples.fid) < 1e-9 * real.samples.fid && Math.abs(lib.kid - real.samples.kid) < 1e-12);
  });

  it('a checkpoint: samples drawn through its generator, the dataset it was trained on by default', async () => {
    const run = await train(smallConfig(dir, { maxTrainingSteps: 2, outputSaveStep: 2, trainDir: path.join(dir, '..', 'gan') }), captureStream().stream);
    const r = await scoreJson(['--checkpoint', run.checkpoint, '--n', '64', '--no-floor']);
    assert.deepEqual(r.source, { kind: 'checkpoint', path: run.checkpoint, step: 2, seed: 0 });
    assert.equal((r.dataset as { dir: string }).dir, dir);
    assert.equal(r.samples.n, 64);
    assert.equal(r.floor, null);
    assert.ok(Number.isFinite(r.samples.fid) && r.samples.fid > 0);
  });

  it('the test split\'s features are cached beside the judge and dropped when --train-judge rebuilds it', async () => {
    const cached = () => fs.readdirSync(path.join(dir, 'judge')).filter((f) => f.startsWith('reference-')).sort();
    const before = cached();
    assert.equal(before.length, 2, `the reference's features and its memo: ${before}`);
    const r = await ssgan(['score', '--dataset-dir', dir, '--train-judge', '--judge-epochs', '2', '--threads', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /judge .*classifier\.onnx: test accuracy [\d.]+% on 48 images/);
    assert.deepEqual(cached(), [], 'the old judge\'s cache is gone');
    const info = JSON.parse(fs.readFileSync(path.join(dir, 'judge', 'judge.json'), 'utf8'));
    assert.equal(info.epochs, 2);

    // Reused as long as the data is the same; trained again when the folder's content changed.
    const log = captureStream();
    assert.deepEqual((await ensureJudge(ds, { epochs: 1, threads: 2, out: log.stream })).info, info);
    assert.equal(log.text(), '');
    const images = ds.images.slice();
    images[ds.test[0] * 784 + 400] ^= 0xff;
    const changed = await ensureJudge({ ...ds, images }, { epochs: 1, threads: 2, out: log.stream });
    assert.match(log.text(), /was trained on other data \(now same shape, but its pixels differ\): training it again/);
    assert.equal(changed.info.epochs, 1);
    await ensureJudge(ds, { epochs: 1, threads: 2, out: log.stream }); // back to a judge of this data
  });

  it('bad input: one line naming the flag and the fix, non-zero exit', async () => {
    const fails = async (args: string[], re: RegExp) => assert.match(oneLine(await ssgan(['score', ...args])), re);
    await Promise.all([
      fails(['--dataset-dir', dir], /^ssgan score: nothing to score: pass --checkpoint .*--onnx .*--images /),
      fails(['--images', path.join(dir, 'none.h5'), '--dataset-dir', dir], /^ssgan score: --images .*none\.h5: no such file \(write one with: ssgan sample --out/),
      fails(['--images', realH5], /^ssgan score: --images .*: name the dataset the images imitate with --dataset NAME or --dataset-dir DIR/),
      fails(['--images', realH5, '--dataset-dir', dir, '--features', collapsedOnnx], /--features .*: also name its features output with --features-output NAME/),
    ]);
    // The same checks, in process.
    await assert.rejects(scoredImages({ images: realH5, onnx: collapsedOnnx }, 10, 0), /pass exactly one of --checkpoint/);
    await assert.rejects(scoredImages({ images: collapsedOnnx }, 10, 0), /--images .*generator\.onnx: not an HDF5 file/);
    await assert.rejects(Scorer.open(ds, { features: { file: collapsedOnnx, output: 'x' } }), /--features .*generator\.onnx: has no output x \(its outputs: image\)/);
    const scorer = await Scorer.open(ds, { threads: 2 });
    try {
      await assert.rejects(scorer.score(new Uint8Array(784), 1), /scoring needs at least 2 images, got 1/);
      await assert.rejects(scorer.score(new Uint8Array(100), 2), /2 images of 28x28x1 need 1568 bytes, got 100/);
    } finally {
      await scorer.release();
    }
  });
});
