/**
 * `ssgan train` errors: a non-zero exit, one line naming the flag or file, and no train dir left
 * behind when the failure happens before training starts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { loadDataset, writeDataset } from '../../src/data/dataset';
import { escapeRegExp } from '../helpers/model';
import { repoRoot } from '../helpers/repo-root';
import { tmpDir } from '../helpers/tmp-dir';
import { fixtureCopy } from '../helpers/train-fixture';

const BIN = path.join(repoRoot(), 'bin', 'ssgan');
const work = tmpDir('cli');
const data = fixtureCopy();

after(() => {
  fs.rmSync(work, { recursive: true, force: true });
  fs.rmSync(path.dirname(data), { recursive: true, force: true });
});

interface Run { code: number | null; stdout: string; stderr: string; cwd: string }

/** Runs `ssgan train ...` in a fresh working directory (where the default train_dir would go). */
function ssganTrain(name: string, args: string[]): Promise<Run> {
  const cwd = path.join(work, name);
  fs.mkdirSync(cwd);
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, 'train', '--threads', '1', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), 60_000);
    p.on('error', reject);
    p.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr, cwd }); });
  });
}

function assertFailsEarly(r: Run, message: RegExp, trainDir?: string): void {
  assert.notEqual(r.code, 0, `exit code ${r.code}; stderr: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got: ${r.stderr}`);
  assert.match(lines[0], message);
  assert.doesNotMatch(r.stdout, /Train Dir:/);
  assert.deepEqual(fs.readdirSync(r.cwd), [], `nothing written to the working directory (default train_dir): ${fs.readdirSync(r.cwd)}`);
  if (trainDir) assert.ok(!fs.existsSync(trainDir), `${trainDir} was left behind`);
}

test('train errors exit non-zero with one line naming the flag or file, and leave no train dir', async () => {
  const missing = path.join(work, 'no-such-dataset');
  const dirs = { missing: path.join(work, 'run-missing'), norm: path.join(work, 'run-norm'), decay: path.join(work, 'run-decay'), clip: path.join(work, 'run-clip'), ids: path.join(work, 'run-ids') };
  const noIds = path.join(work, 'no-such-ids.json');
  const [a, b, c, d, e, f] = await Promise.all([
    ssganTrain('missing', ['--dataset-dir', missing, '--train-dir', dirs.missing]),
    ssganTrain('norm', ['--dataset-dir', data, '--norm-type', 'bogus', '--train-dir', dirs.norm]),
    // No --train-dir: the default train_dir/<prefix>-... under the working directory must not appear either.
    ssganTrain('labels', ['--dataset-dir', data, '--num-labeled', '7', '--max-training-steps', '1']),
    ssganTrain('decay', ['--dataset-dir', data, '--lr-decay-start', '3', '--train-dir', dirs.decay]),
    ssganTrain('clip', ['--dataset-dir', data, '--clip-norm', '-1', '--train-dir', dirs.clip]),
    ssganTrain('ids', ['--dataset-dir', data, '--labeled-ids', noIds, '--train-dir', dirs.ids]),
  ]);
  assertFailsEarly(a, new RegExp(`^ssgan train: ${escapeRegExp(missing)}: dataset folder not found`), dirs.missing);
  assertFailsEarly(b, /^ssgan train: --norm-type bogus: must be one of batch, instance, none$/, dirs.norm);
  assertFailsEarly(c, /^ssgan train: --num-labeled 7: must be a multiple of the 10 classes/);
  assertFailsEarly(d, /^ssgan train: --lr-decay-start 3: needs --max-epochs/, dirs.decay);
  assertFailsEarly(e, /^ssgan train: --clip-norm -1: must be a non-negative number/, dirs.clip);
  assertFailsEarly(f, new RegExp(`^ssgan train: --labeled-ids ${escapeRegExp(noIds)}: no such file$`), dirs.ids);
  // Contradictory pairs, where one flag would silently win, are refused naming both.
  const [g, h, i, j] = await Promise.all([
    ssganTrain('steps-epochs', ['--dataset-dir', data, '--max-training-steps', '1200', '--max-epochs', '100']),
    ssganTrain('dataset-twice', ['--dataset', 'MNIST', '--dataset-dir', data]),
    ssganTrain('label-seed', ['--dataset-dir', data, '--label-seed', '3']),
    ssganTrain('prefix', ['--dataset-dir', data, '--prefix', 'mine', '--train-dir', path.join(work, 'run-prefix')]),
  ]);
  assertFailsEarly(g, /^ssgan train: --max-training-steps 1200 and --max-epochs 100 both set the length of the run: pass one/);
  assertFailsEarly(h, new RegExp(`^ssgan train: --dataset MNIST and --dataset-dir ${escapeRegExp(data)} both name the dataset: pass one$`));
  assertFailsEarly(i, /^ssgan train: --label-seed 3 chooses the examples of --num-labeled, which is not given/);
  assertFailsEarly(j, /^ssgan train: --prefix mine names the default train dir, and --train-dir \S+run-prefix replaces it: pass one$/, path.join(work, 'run-prefix'));
  // The dataset cache may be written beside the data, but nothing else is.
  assert.deepEqual(fs.readdirSync(data).filter((f) => f !== 'data.packed').sort(), ['data.hdf5', 'id.txt']);
});

test('the paper models default to the official code\'s init and unclipped Adam; flags override', async () => {
  type Expected = { dataInit: boolean; officialInit?: boolean; clipNorm: number; adamEpsilon: string };
  const official: Expected = { dataInit: true, officialInit: true, clipNorm: 0, adamEpsilon: 'official' };
  const cases: [string, string[], Expected][] = [
    ['mnist-default', ['--model', 'paper-mnist'], official],
    ['mnist-flags', ['--model', 'paper-mnist', '--no-official-init', '--no-data-init', '--clip-norm', '20', '--adam-epsilon', 'pytorch'], { dataInit: false, officialInit: false, clipNorm: 20, adamEpsilon: 'pytorch' }],
    ['cifar-default', ['--model', 'paper-cifar'], official],
    ['cifar-flags', ['--model', 'paper-cifar', '--no-official-init', '--clip-norm', '20', '--adam-epsilon', 'pytorch'], { dataInit: true, officialInit: false, clipNorm: 20, adamEpsilon: 'pytorch' }],
  ];
  for (const [name, flags, expected] of cases) {
    const dir = path.join(work, `${name}-run`);
    const r = await ssganTrain(name, ['--dataset-dir', data, ...flags, '--batch-size', '8', '--max-training-steps', '1', '--output-save-step', '1', '--train-dir', dir]);
    assert.equal(r.code, 0, r.stderr);
    const { config, modelConfig } = JSON.parse(fs.readFileSync(path.join(dir, 'model-1', 'checkpoint.json'), 'utf8'));
    const { dataInit, officialInit, clipNorm, adamEpsilon } = config;
    assert.deepEqual({ dataInit, officialInit, clipNorm, adamEpsilon }, expected, flags.join(' '));
    assert.equal(modelConfig.officialInit, expected.officialInit || undefined, `${flags.join(' ')}: the model description's switch`);
  }
  // --no-data-init alone leaves paper-mnist's official init without its data init: one line.
  const bad = await ssganTrain('mnist-no-init', ['--dataset-dir', data, '--model', 'paper-mnist', '--no-data-init', '--max-training-steps', '1', '--train-dir', path.join(work, 'mnist-no-init-run')]);
  assertFailsEarly(bad, /^ssgan train: --official-init fixes the hidden gains where the data-dependent init puts them: drop --no-data-init, or add --no-official-init$/, path.join(work, 'mnist-no-init-run'));
});

test('the seed model trains with ssgan\'s recipe by default; --recipe seed is the seed project\'s exact one; typed flags win', async () => {
  type Expected = { generator: string; gLoss: string; reconWeight: number };
  const cases: [string, string[], Expected][] = [
    ['recipe-default', [], { generator: 'dcgan', gLoss: 'non-saturating', reconWeight: 0 }],
    ['recipe-seed', ['--recipe', 'seed'], { generator: 'seed', gLoss: 'seed', reconWeight: 10 }],
    ['recipe-seed-fm', ['--recipe', 'seed', '--g-loss', 'feature-matching'], { generator: 'seed', gLoss: 'feature-matching', reconWeight: 10 }],
  ];
  for (const [name, flags, expected] of cases) {
    const dir = path.join(work, `${name}-run`);
    const r = await ssganTrain(name, ['--dataset-dir', data, ...flags, '--batch-size', '8', '--max-training-steps', '1', '--output-save-step', '1', '--train-dir', dir]);
    assert.equal(r.code, 0, r.stderr);
    const { config, modelConfig } = JSON.parse(fs.readFileSync(path.join(dir, 'model-1', 'checkpoint.json'), 'utf8'));
    const { generator, gLoss, reconWeight } = config;
    assert.deepEqual({ generator, gLoss, reconWeight }, expected, flags.join(' '));
    assert.equal(modelConfig.generator, expected.generator, `${flags.join(' ')}: the model description's generator`);
  }
  const bad = await ssganTrain('recipe-paper', ['--dataset-dir', data, '--model', 'paper-mnist', '--recipe', 'seed', '--max-training-steps', '1', '--train-dir', path.join(work, 'recipe-paper-run')]);
  assertFailsEarly(bad, /^ssgan train: --recipe seed does nothing with --model paper-mnist \(its recipe is the paper's\): drop --recipe or use --model seed$/, path.join(work, 'recipe-paper-run'));
  const unknown = await ssganTrain('recipe-unknown', ['--dataset-dir', data, '--recipe', 'dcgan', '--max-training-steps', '1', '--train-dir', path.join(work, 'recipe-unknown-run')]);
  assertFailsEarly(unknown, /^ssgan train: --recipe dcgan: must be one of ssgan, seed$/, path.join(work, 'recipe-unknown-run'));
});

test('a resumed run may schedule the learning-rate decay; a schedule past the run is refused in one line', async () => {
  const dir = path.join(work, 'decay-run');
  const first = await ssganTrain('decay-first', ['--dataset-dir', data, '--batch-size', '64', '--max-epochs', '1', '--train-dir', dir]);
  assert.equal(first.code, 0, first.stderr);
  const newest = () => fs.readdirSync(dir).filter((f) => /^model-\d+$/.test(f)).sort((a, b) => Number(a.slice(6)) - Number(b.slice(6))).pop()!;
  const stepsPerEpoch = Number(newest().slice(6));
  const bad = await ssganTrain('decay-bad', ['--checkpoint', dir, '--max-epochs', '3', '--lr-decay-start', '3']);
  assert.notEqual(bad.code, 0);
  assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  assert.match(bad.stderr, /--lr-decay-start 3/);
  // Flags the checkpoint fixes are refused rather than silently ignored, and nothing is trained.
  const fixed = await ssganTrain('decay-fixed', ['--checkpoint', dir, '--max-epochs', '2', '--learning-rate-d', '0.1', '--no-data-init']);
  assertFailsEarly(fixed, /^ssgan train: --learning-rate-d 0.1, --no-data-init: \S*decay-run was started with --learning-rate-d 0.0001, --data-init, which a resumed run cannot change; drop these flags \(or give the recorded values\) to resume it, or train a new run with another --train-dir$/);
  assert.equal(newest(), `model-${stepsPerEpoch}`, 'the refused resume trained nothing');
  // An epoch-counted run is not extended in steps, and a run without an average cannot start one.
  const steps = await ssganTrain('decay-steps', ['--checkpoint', dir, '--max-training-steps', '9999']);
  assertFailsEarly(steps, /^ssgan train: --max-training-steps 9999: .* counts epochs \(--max-epochs 1\); extend it with --max-epochs$/);
  const ema = await ssganTrain('decay-ema', ['--checkpoint', dir, '--max-epochs', '2', '--ema-decay', '0.99']);
  assertFailsEarly(ema, /^ssgan train: --ema-decay 0.99: .* was trained with --ema-decay 0; a resume can change the decay of a weight average, not start one$/);
  assert.equal(newest(), `model-${stepsPerEpoch}`, 'the refused resumes trained nothing');
  const resumed = await ssganTrain('decay-resumed', ['--checkpoint', dir, '--max-epochs', '3', '--lr-decay-start', '1']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(Number(newest().slice(6)), 3 * stepsPerEpoch);
  const meta = JSON.parse(fs.readFileSync(path.join(dir, newest(), 'checkpoint.json'), 'utf8'));
  assert.equal(meta.config.lrDecayStart, 1);
  assert.equal(meta.config.maxEpochs, 3);
  // --lr-decay-start alone is checked against the checkpoint's --max-epochs, not the defaults'.
  const later = await ssganTrain('decay-later', ['--checkpoint', dir, '--lr-decay-start', '2']);
  assert.equal(later.code, 0, later.stderr);
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, newest(), 'checkpoint.json'), 'utf8')).config.lrDecayStart, 2);
});

test('--checkpoint with the run\'s own flags resumes; the data may move; different data or a changed setting is refused', async () => {
  const dir = path.join(work, 'same-run');
  const flags = (datasetDir: string) => ['--dataset-dir', datasetDir, '--batch-size', '8', '--n-z', '16', '--learning-rate-d', '0.0002', '--seed', '3', '--output-save-step', '2', '--train-dir', dir];
  const first = await ssganTrain('same-first', [...flags(data), '--max-training-steps', '2']);
  assert.equal(first.code, 0, first.stderr);
  // The run's own command again, with --checkpoint, a new length and other reporting cadences: accepted without a word.
  const again = await ssganTrain('same-again', [...flags(data), '--max-training-steps', '4', '--log-step', '5', '--write-summary-step', '7', '--checkpoint', dir]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stderr, '');
  assert.match(again.stdout, /Resuming from step 2/);

  // The dataset moved: --dataset-dir at its new place holds the same data (fingerprint), so it resumes.
  const moved = path.join(work, 'moved', 'seed-h5');
  fs.cpSync(data, moved, { recursive: true });
  const relocated = await ssganTrain('same-moved', [...flags(moved), '--max-training-steps', '6', '--checkpoint', dir]);
  assert.equal(relocated.code, 0, relocated.stderr);
  assert.match(relocated.stdout, new RegExp(`Dataset: ${escapeRegExp(moved)} \\(the data .*model-4 was trained on, same fingerprint\\)`));
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'model-6', 'checkpoint.json'), 'utf8'));
  assert.equal(meta.dataset.dir, moved, 'later checkpoints record the new location');
  assert.equal(meta.config.dataFingerprint.count, 240);

  // Different data (one label changed) at the new place is refused, naming the flag and what differs.
  const other = path.join(work, 'other', 'seed-h5');
  const d = await loadDataset(moved);
  const labels = Int32Array.from(d.labels);
  labels[0] = (labels[0] + 1) % d.k;
  fs.mkdirSync(path.dirname(other));
  fs.copyFileSync(path.join(moved, 'id.txt'), path.join(path.dirname(other), 'ids'));
  await writeDataset(other, { images: d.images, labels, h: d.h, w: d.w, c: d.c, k: d.k, train: d.ids.length });
  fs.copyFileSync(path.join(path.dirname(other), 'ids'), path.join(other, 'id.txt')); // the same ids
  fs.rmSync(path.join(other, 'data.packed'));
  const refused = await ssganTrain('same-other', [...flags(other), '--max-training-steps', '8', '--checkpoint', dir]);
  assertFailsEarly(refused, new RegExp(`^ssgan train: --dataset-dir ${escapeRegExp(other)}: ${escapeRegExp(other)} is not the dataset .*model-6 was trained on \\(same shape, but its labels differ\\); point --dataset-dir at the run's dataset, or train a new run with another --train-dir$`));

  // A setting the checkpoint fixes, changed, is refused with both values and the fix; so is another --train-dir.
  const lr = await ssganTrain('same-lr', [...flags(moved), '--learning-rate-d', '0.0001', '--checkpoint', dir]);
  assertFailsEarly(lr, new RegExp(`^ssgan train: --learning-rate-d 0.0001: ${escapeRegExp(dir)} was started with --learning-rate-d 0.0002, which a resumed run cannot change; drop the flag \\(or give the recorded value\\) to resume it, or train a new run with another --train-dir$`));
  const elsewhere = await ssganTrain('same-elsewhere', ['--checkpoint', dir, '--train-dir', path.join(work, 'elsewhere')]);
  assertFailsEarly(elsewhere, new RegExp(`^ssgan train: --train-dir ${escapeRegExp(path.join(work, 'elsewhere'))}: ${escapeRegExp(dir)} was started with --train-dir ${escapeRegExp(dir)}, which a resumed run cannot change`), path.join(work, 'elsewhere'));
  // Two lengths at once are a contradiction on a resume too.
  const both = await ssganTrain('same-both', ['--checkpoint', dir, '--max-training-steps', '10', '--max-epochs', '3']);
  assertFailsEarly(both, /^ssgan train: --max-training-steps 10 and --max-epochs 3 both set the length of the run: pass one/);
  assert.deepEqual(fs.readdirSync(dir).filter((f) => /^model-/.test(f)).sort(), ['model-2', 'model-4', 'model-6'], 'the refused resumes trained nothing');
});
