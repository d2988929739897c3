/**
 * Evaluation and sampling on fixture data through both backends: the ONNX classifier (exported on
 * the fly or from a file) and the libtorch addon give the same labels; the report names the
 * checkpoint and step; `sample` writes a decodable PNG of the right size and an HDF5 dump.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { loadH5wasm } from '../../src/data/hdf5/h5wasm';
import { exportCheckpoint } from '../../src/export/from-checkpoint';
import { OnnxGenerator } from '../../src/eval/onnx-generator';
import { formatReport } from '../../src/eval/report';
import { runEval, type EvalOptions } from '../../src/eval/run-eval';
import { sampleOnnx, writeSamples } from '../../src/eval/sample';
import { sampleTorch } from '../../src/native/samples';
import { loadCheckpoint } from '../../src/checkpoint/load';
import { ADDON_FILE } from '../export/helpers/reference';
import { escapeRegExp } from '../helpers/model';
import { repoRoot } from '../helpers/repo-root';
import { FIX, makeFixture, type Fixture } from './helpers/fixture-checkpoint';

const haveAddon = fs.existsSync(ADDON_FILE);

describe('eval and sample on fixture data', { skip: haveAddon ? false : `needs the addon (${ADDON_FILE}): npm run build:native` }, () => {
  let fx: Fixture;
  let base: EvalOptions;
  before(async () => {
    fx = await makeFixture();
    base = { dataDir: path.join(fx.root, 'datasets'), backend: 'both', batchSize: 4, threads: 1 };
  });
  after(() => fs.rmSync(fx.root, { recursive: true, force: true }));

  it('onnx and torch agree on every test example; the report names checkpoint and step', async () => {
    const r = await runEval({ ...base, checkpoint: fx.trainDir });
    assert.equal(r.dataset.examples, FIX.count - FIX.train);
    assert.equal(r.source.checkpoint, fx.checkpoint);
    assert.equal(r.source.step, FIX.step);
    assert.deepEqual(r.backends.map((b) => b.backend), ['onnx', 'torch']);
    assert.equal(r.disagreements?.count, 0);
    const predictedClasses = r.metrics.confusion[0].map((_, j) => r.metrics.confusion.some((row) => row[j] > 0)).filter(Boolean).length;
    assert.ok(predictedClasses >= 2, 'the fixture model predicts more than one class, or agreement proves little');
    const text = formatReport(r);
    assert.match(text, new RegExp(`checkpoint ${escapeRegExp(fx.checkpoint)} \\(step ${FIX.step}\\)`));
    assert.match(text, /confusion matrix/);
    const torchOnly = await runEval({ ...base, checkpoint: fx.checkpoint, backend: 'torch' });
    assert.deepEqual(torchOnly.metrics, r.metrics);
  });

  it('evaluates an exported classifier.onnx, and only the given --data-id examples', async () => {
    const ck = await loadCheckpoint(fx.checkpoint, { threads: 1, device: 'cpu' });
    const files = await exportCheckpoint(ck, path.join(fx.root, 'onnx'));
    // No --dataset: the classifier's metadata names it.
    const viaFile = await runEval({ ...base, backend: 'onnx', onnx: files.classifier });
    const viaCk = await runEval({ ...base, backend: 'torch', checkpoint: fx.checkpoint });
    assert.equal(viaFile.source.step, FIX.step);
    assert.deepEqual(viaFile.metrics, viaCk.metrics);
    const some = await runEval({ ...base, backend: 'onnx', onnx: files.classifier, dataset: 'tiny', dataIds: ['0', '30', '3'] });
    assert.equal(some.metrics.examples, 3);
    assert.equal(some.dataset.selection, 'data ids');
    await assert.rejects(runEval({ ...base, backend: 'onnx', onnx: files.classifier, dataset: 'tiny', dataIds: ['nope'] }), /--data-id nope/);
    await assert.rejects(runEval({ ...base, backend: 'torch', onnx: files.classifier, dataset: 'tiny' }), /needs --checkpoint/);
  });

  it('sample: PNG grid of the right size, HDF5 dump, same images from onnx and torch', async () => {
    const ck = await loadCheckpoint(fx.checkpoint, { threads: 1, device: 'cpu' });
    const files = await exportCheckpoint(ck, path.join(fx.root, 'onnx2'));
    const gen = await OnnxGenerator.open(files.generator, { threads: 1 });
    const a = await sampleOnnx(gen, 6, 3);
    const b = await sampleTorch(ck.model, { ...ck.desc.config, zLow: ck.desc.zLow, zHigh: ck.desc.zHigh }, 6, 3);
    await gen.release();
    let maxDiff = 0;
    for (let i = 0; i < a.images.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a.images[i] - b.images[i]));
    assert.ok(maxDiff <= 1, `onnx vs torch pixels differ by ${maxDiff} levels`);

    const png = path.join(fx.root, 'grid.png');
    await writeSamples(png, a);
    const img = PNG.sync.read(fs.readFileSync(png));
    // 6 images -> 3 columns x 2 rows with 2-pixel padding (imageGrid's default layout).
    assert.deepEqual([img.width, img.height], [3 * (FIX.w + 2) + 2, 2 * (FIX.h + 2) + 2]);

    const h5file = path.join(fx.root, 'dump.h5');
    await writeSamples(h5file, a);
    const h5 = await loadH5wasm();
    const f = new h5.File(h5file, 'r');
    const ds = f.get('image') as unknown as { shape: number[]; value: Uint8Array };
    assert.deepEqual(ds.shape, [6, FIX.h, FIX.w, FIX.c]);
    assert.deepEqual(Array.from(ds.value), Array.from(a.images));
    f.close();
    await assert.rejects(writeSamples(path.join(fx.root, 'x.jpg'), a), /\.png/);
  });

  it('CLI: export --onnx, eval --json with both backends, sample', async () => {
    const cli = path.join(repoRoot(), 'dist', 'src', 'cli.js');
    const out = path.join(fx.root, 'cli-onnx');
    const exp = execFileSync(process.execPath, [cli, 'export', '--onnx', '--checkpoint', fx.trainDir, '--out', out], { encoding: 'utf8' });
    assert.match(exp, /classifier\.onnx/);
    assert.ok(fs.existsSync(path.join(out, 'generator.onnx')));
    const json = JSON.parse(execFileSync(process.execPath, [cli, 'eval', '--checkpoint', fx.checkpoint, '--backend', 'both', '--json', '--threads', '1'], { encoding: 'utf8' }));
    assert.equal(json.step, FIX.step);
    assert.equal(json.examples, FIX.count - FIX.train);
    assert.equal(json.disagreements.count, 0);
    assert.equal(typeof json.accuracy, 'number');
    const png = path.join(fx.root, 'cli.png');
    execFileSync(process.execPath, [cli, 'sample', '--onnx', path.join(out, 'generator.onnx'), '--out', png, '--n', '4'], { encoding: 'utf8' });
    assert.ok(PNG.sync.read(fs.readFileSync(png)).width > 0);
    // From a checkpoint (libtorch, which the process skips tearing down): all output written, exit 0,
    // the same PNG as sampling in this process.
    const ckPng = path.join(fx.root, 'cli-ck.png');
    const said = execFileSync(process.execPath, [cli, 'sample', '--checkpoint', fx.checkpoint, '--out', ckPng, '--n', '5', '--seed', '2', '--threads', '1'], { encoding: 'utf8' });
    assert.match(said, /^wrote .*cli-ck\.png: 5 images .* \(step \d+\)\n$/);
    const ck = await loadCheckpoint(fx.checkpoint, { threads: 1, device: 'cpu' });
    const here = path.join(fx.root, 'here.png');
    await writeSamples(here, await sampleTorch(ck.model, { ...ck.desc.config, zLow: ck.desc.zLow, zHigh: ck.desc.zHigh }, 5, 2));
    assert.ok(fs.readFileSync(ckPng).equals(fs.readFileSync(here)), 'the CLI and in-process samples differ');
    // examples/classify.js, as a user would run it, on a PNG of the model's size.
    const digit = new PNG({ width: FIX.w, height: FIX.h });
    digit.data.fill(200);
    fs.writeFileSync(path.join(fx.root, 'digit.png'), PNG.sync.write(digit));
    const ex = execFileSync(process.execPath, [path.join(repoRoot(), 'examples', 'classify.js'), path.join(out, 'classifier.onnx'), path.join(fx.root, 'digit.png')], { encoding: 'utf8' });
    assert.match(ex, /digit\.png: class [0-2] \(p = 0\.\d{3}\)/);
  });
});
