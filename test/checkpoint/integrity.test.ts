/**
 * Checkpoint integrity: manifest.json records the SHA-256 of each file and is written last; every
 * command that loads a checkpoint verifies it and names the corrupt file in one line; a resume from
 * a train dir falls back to the newest checkpoint that verifies and says what it skipped; checkpoints
 * written before manifests still load, with one warning.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { loadCheckpoint, openCheckpoint, readCheckpointMeta } from '../../src/checkpoint/load';
import { recoverTrainDir } from '../../src/checkpoint/recover';
import { train } from '../../src/train/setup';
import { escapeRegExp } from '../helpers/model';
import { tmpDir } from '../helpers/tmp-dir';
import { oneLine, ssgan } from '../helpers/ssgan';
import { captureStream, fixtureCopy, listCheckpoints, smallConfig } from '../helpers/train-fixture';

const root = tmpDir('integrity');
let data: string;
let pristine: string; // a train dir with model-2 and model-4, copied by each test

before(async () => {
  data = fixtureCopy();
  pristine = path.join(root, 'pristine');
  await train(smallConfig(data, { trainDir: pristine, maxTrainingSteps: 4, outputSaveStep: 2, threads: 1 }), captureStream().stream);
});

after(() => {
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(path.dirname(data), { recursive: true, force: true });
});

let copies = 0;
function copyRun(): string {
  const dir = path.join(root, `run-${++copies}`);
  fs.cpSync(pristine, dir, { recursive: true });
  return dir;
}

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

function flipByte(file: string, at: number): void {
  const fd = fs.openSync(file, 'r+');
  const b = Buffer.alloc(1);
  fs.readSync(fd, b, 0, 1, at);
  b[0] ^= 0x40;
  fs.writeSync(fd, b, 0, 1, at);
  fs.closeSync(fd);
}

test('manifest.json lists each file of a checkpoint with its size and SHA-256', () => {
  assert.deepEqual(listCheckpoints(pristine), ['model-2', 'model-4']);
  for (const ck of ['model-2', 'model-4']) {
    const dir = path.join(pristine, ck);
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    assert.equal(m.algorithm, 'sha256');
    assert.deepEqual(Object.keys(m.files).sort(), ['checkpoint.json', 'state.pt']);
    for (const f of ['checkpoint.json', 'state.pt']) {
      assert.equal(m.files[f].sha256, sha256(path.join(dir, f)), `${ck}/${f}`);
      assert.equal(m.files[f].bytes, fs.statSync(path.join(dir, f)).size);
    }
    assert.equal(readCheckpointMeta(dir).version, 2);
    assert.equal(openCheckpoint(dir).verified, true);
  }
  // Nothing but checkpoints, the lock's absence and finished files: no temporaries left.
  assert.deepEqual(fs.readdirSync(pristine).filter((f) => f.startsWith('.')), []);
});

test('a corrupt file is refused by eval, export, sample and a resume in one line naming it', async () => {
  const run = copyRun();
  const state = path.join(run, 'model-4', 'state.pt');
  flipByte(state, Math.floor(fs.statSync(state).size / 2));
  const ck = path.join(run, 'model-4');
  const named = new RegExp(`${escapeRegExp(state)}: corrupt checkpoint \\(SHA-256 [0-9a-f]{12}\\.\\.\\., manifest\\.json says [0-9a-f]{12}\\.\\.\\.\\)$`);
  await assert.rejects(loadCheckpoint(ck), (e: Error) => named.test(e.message));
  const runs = await Promise.all([
    ssgan(['eval', '--checkpoint', ck, '--backend', 'torch', '--threads', '1']),
    ssgan(['export', '--onnx', '--checkpoint', ck, '--out', path.join(root, 'never')]),
    ssgan(['sample', '--checkpoint', ck, '--out', path.join(root, 'never.png'), '--threads', '1']),
    ssgan(['train', '--checkpoint', ck, '--threads', '1']),
  ]);
  for (const [verb, r] of ['eval', 'export', 'sample', 'train'].map((v, i) => [v, runs[i]] as const)) assert.match(oneLine(r), new RegExp(`^ssgan ${verb}: ${named.source}`), verb);
  assert.ok(!fs.existsSync(path.join(root, 'never')) && !fs.existsSync(path.join(root, 'never.png')));
  // A truncated file: its size says so.
  fs.truncateSync(state, 1000);
  await assert.rejects(loadCheckpoint(ck), new RegExp(`^Error: ${escapeRegExp(state)}: corrupt checkpoint \\(1000 bytes, manifest.json says \\d+\\)$`));
});

test('from a train dir: the newest checkpoint that verifies, and the skipped ones named with the reason', async () => {
  const run = copyRun();
  const meta4 = path.join(run, 'model-4', 'checkpoint.json');
  fs.writeFileSync(meta4, fs.readFileSync(meta4, 'utf8').replace('"step": 4', '"step": 5'));
  const sample = await ssgan(['sample', '--checkpoint', run, '--out', path.join(run, 's.png'), '--threads', '1']);
  assert.equal(sample.code, 0, sample.stderr);
  assert.match(sample.stderr, new RegExp(`^warning: Skipped ${escapeRegExp(path.join(run, 'model-4'))}: ${escapeRegExp(meta4)}: corrupt checkpoint \\(SHA-256 `));
  assert.match(sample.stdout, /from checkpoint .*model-2 \(step 2\)/);
  // A resume from the train dir does the same, then writes model-4 again, intact.
  const r = await ssgan(['train', '--checkpoint', run, '--max-training-steps', '4', '--threads', '1']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^Skipped ${escapeRegExp(path.join(run, 'model-4'))}: .*checkpoint.json: corrupt checkpoint`, 'm'));
  assert.match(r.stdout, /Resuming from step 2/);
  assert.equal(openCheckpoint(run).dir, path.join(run, 'model-4'));
  assert.equal(openCheckpoint(run).meta.step, 4);
  // Nothing usable at all: one line listing each checkpoint and why.
  const bad = copyRun();
  for (const ck of ['model-2', 'model-4']) fs.rmSync(path.join(bad, ck, 'state.pt'));
  const none = await ssgan(['export', '--onnx', '--checkpoint', bad]);
  assert.match(oneLine(none), new RegExp(`^ssgan export: --checkpoint ${escapeRegExp(bad)}: no usable checkpoint: .*model-4/state.pt: corrupt checkpoint \\(missing; manifest.json lists it\\); .*model-2/state.pt: corrupt`));
});

test('a checkpoint written before manifests loads with one warning; a current one without its manifest is corrupt', async () => {
  const run = copyRun();
  for (const ck of ['model-2', 'model-4']) {
    fs.rmSync(path.join(run, ck, 'manifest.json'));
    const file = path.join(run, ck, 'checkpoint.json');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"version": 2', '"version": 1'));
  }
  const r = await ssgan(['export', '--onnx', '--checkpoint', run, '--out', path.join(run, 'onnx')]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, `warning: ${path.join(run, 'model-4')} has no manifest.json (written by an ssgan before checkpoint manifests): loaded without verifying it\n`);
  // A resume of it writes manifests from then on.
  const resumed = await ssgan(['train', '--checkpoint', run, '--max-training-steps', '6', '--threads', '1']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(openCheckpoint(path.join(run, 'model-6')).verified, true);

  const current = copyRun();
  fs.rmSync(path.join(current, 'model-4', 'manifest.json'));
  await assert.rejects(loadCheckpoint(path.join(current, 'model-4')), new RegExp(`^Error: ${escapeRegExp(path.join(current, 'model-4', 'manifest.json'))}: corrupt checkpoint \\(missing; a version 2 checkpoint has one\\)$`));
});

test('what a killed writer left is swept; a complete checkpoint caught mid-replacement is put back', () => {
  const run = copyRun();
  // An unfinished checkpoint (no manifest), a finished one whose rename never happened (model-4 gone),
  // and a temporary sample grid, all from a process that no longer runs.
  const dead = 999999;
  fs.cpSync(path.join(run, 'model-2'), path.join(run, `.model-6.tmp-${dead}-1-1`), { recursive: true });
  fs.rmSync(path.join(run, `.model-6.tmp-${dead}-1-1`, 'manifest.json'));
  fs.renameSync(path.join(run, 'model-4'), path.join(run, `.model-4.tmp-${dead}-1-2`));
  fs.writeFileSync(path.join(run, 'samples', `.sample-6.png.tmp-${dead}-1-3`), 'half');
  assert.equal(openCheckpoint(run).meta.step, 2, 'temporaries are never taken for checkpoints');
  const notes = recoverTrainDir(run);
  assert.equal(notes.length, 3, notes.join('\n'));
  assert.match(notes.join('\n'), /Restored .*model-4 \(complete, left under \.model-4\.tmp-999999-1-2/);
  assert.match(notes.join('\n'), /Removed .*\.model-6\.tmp-999999-1-1: an unfinished write of model-6/);
  assert.deepEqual(fs.readdirSync(run).filter((f) => f.startsWith('.')), []);
  assert.deepEqual(fs.readdirSync(path.join(run, 'samples')).filter((f) => f.startsWith('.')), []);
  assert.equal(openCheckpoint(run).meta.step, 4);
});
