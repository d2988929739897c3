/**
 * kill -9 safety: a real `bin/ssgan train` (tiny dataset and model, a checkpoint every 3 steps) is
 * killed with SIGKILL again and again, at random moments: during startup, at a random step (its
 * summaries, test batches, sample grids) and while a checkpoint is being written. After each kill
 * nothing in the train dir may pass for complete unless it is, the newest checkpoint is at most one
 * period behind the last step the run finished, and the user's command with --checkpoint resumes
 * from it. The run then finishes, and every checkpoint is byte-identical to one of a run never
 * killed. SSGAN_KILLS sets the number of kills (default 22).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { PNG } from 'pngjs';
import { stepOf } from '../../src/checkpoint/format';
import { verifyCheckpoint } from '../../src/checkpoint/load';
import { writeDataset } from '../../src/data/dataset';
import { Random } from '../../src/util/random';
import { tmpDir } from '../helpers/tmp-dir';
import { startSsgan, type Run } from '../helpers/ssgan';

const KILLS = Number(process.env.SSGAN_KILLS ?? 22);
const PERIOD = 3;
const STEPS = 90;
const root = tmpDir('kill');
after(() => fs.rmSync(root, { recursive: true, force: true }));

/** 60 images of 8x8x1 in 3 classes: a paper-mnist model on them checkpoints ~16 MB. */
async function tinyDataset(dir: string): Promise<void> {
  const r = new Random(3);
  const n = 60, h = 8, w = 8, c = 1, k = 3;
  const labels = Int32Array.from({ length: n }, (_, i) => i % k);
  const images = Uint8Array.from({ length: n * h * w * c }, (_, i) => (Math.floor(i / (h * w)) % k) * 80 + r.int(60));
  await writeDataset(dir, { images, labels, h, w, c, k, train: 48, name: 'tiny' });
}

const checkpoints = (dir: string): number[] => (fs.existsSync(dir) ? fs.readdirSync(dir) : []).map(stepOf).filter((s) => s >= 0).sort((a, b) => a - b);
const lastStep = (stdout: string): number => Math.max(0, ...[...stdout.matchAll(/\[train step\s+(\d+)\]/g)].map((m) => Number(m[1])));
const stateSha = (ck: string): string => JSON.parse(fs.readFileSync(path.join(ck, 'manifest.json'), 'utf8')).files['state.pt'].sha256;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Everything a reader would take for complete is complete; returns the newest checkpoint's step. */
function checkTrainDir(dir: string, what: string): number {
  const steps = checkpoints(dir);
  for (const s of steps) assert.equal(verifyCheckpoint(path.join(dir, `model-${s}`)).verified, true, `${what}: model-${s}`);
  const samples = path.join(dir, 'samples');
  if (fs.existsSync(samples))
    for (const f of fs.readdirSync(samples).filter((f) => !f.startsWith('.'))) assert.doesNotThrow(() => PNG.sync.read(fs.readFileSync(path.join(samples, f))), `${what}: ${f}`);
  const metrics = path.join(dir, 'metrics.jsonl');
  if (fs.existsSync(metrics)) {
    const lines = fs.readFileSync(metrics, 'utf8').split('\n');
    // Only the line being written when the process died may be cut short.
    for (const l of lines.slice(0, -2)) assert.doesNotThrow(() => JSON.parse(l), `${what}: metrics.jsonl line ${l}`);
  }
  return steps.length ? steps[steps.length - 1] : 0;
}

test(`SIGKILL at ${KILLS} random moments: every resume continues from the newest intact checkpoint, and the run ends as if never killed`, { timeout: 600_000 }, async (t) => {
  const data = path.join(root, 'tiny');
  await tinyDataset(data);
  const dir = path.join(root, 'killed');
  const ref = path.join(root, 'reference');
  const flags = ['--dataset-dir', data, '--model', 'paper-mnist', '--batch-size', '8', '--n-z', '8', '--threads', '1', '--seed', '7', '--max-training-steps', String(STEPS), '--output-save-step', String(PERIOD), '--write-summary-step', '2', '--test-sample-step', '2', '--log-step', '1'];
  const reference = startSsgan(['train', ...flags, '--train-dir', ref], { timeoutMs: 600_000 }).done;

  const rng = new Random(Number(process.env.SSGAN_KILL_SEED ?? Date.now() % 1e9));
  const landed: Record<string, number> = { startup: 0, 'a step, summary or grid': 0, 'a checkpoint write': 0 };
  let survived = 0, tried = 0;
  for (let i = 0; i < KILLS; i++) {
    const resuming = checkpoints(dir).length > 0;
    const from = resuming ? checkTrainDir(dir, `before kill ${i + 1}`) : 0;
    // The user's own command, with --checkpoint once there is a checkpoint to resume.
    const p = startSsgan(['train', ...flags, '--train-dir', dir, ...(resuming ? ['--checkpoint', dir] : [])]);
    let exited: Run | undefined;
    void p.done.then((r) => (exited = r));
    const mode = i % 3;
    const deadline = Date.now() + 60_000;
    if (mode === 0) await sleep(rng.int(1500)); // anywhere in startup: loading, locking, sweeping, the first steps
    else if (mode === 1) {
      // A random step a little ahead, plus a few ms: inside that step, its summaries or its checkpoint.
      const target = from + 1 + rng.int(2 * PERIOD);
      while (!exited && Date.now() < deadline && lastStep(p.stdout()) < target) await sleep(2);
      await sleep(rng.int(40));
    } else {
      // While a checkpoint is being written (its temporary directory exists).
      while (!exited && Date.now() < deadline && !(fs.existsSync(dir) && fs.readdirSync(dir).some((f) => f.startsWith('.model-')))) await sleep(1);
      await sleep(rng.int(30));
    }
    if (exited) assert.fail(`run ${i + 1} exited before it was killed (code ${exited.code}): ${exited.stderr}`);
    const writing = fs.existsSync(dir) && fs.readdirSync(dir).some((f) => f.startsWith('.model-'));
    p.child.kill('SIGKILL');
    const r = await p.done;
    tried++;
    assert.equal(r.signal, 'SIGKILL', `run ${i + 1}: ${r.stderr}`);
    const done = lastStep(r.stdout);
    landed[writing ? 'a checkpoint write' : done > from ? 'a step, summary or grid' : 'startup']++;
    if (resuming && /Resuming from step/.test(r.stdout)) assert.match(r.stdout, new RegExp(`Resuming from step ${from}\\n`), `run ${i + 1} resumed from the newest intact checkpoint`);
    // (Killed before the train dir existed: nothing to check.)
    if (fs.existsSync(dir)) {
      const newest = checkTrainDir(dir, `after kill ${i + 1}`);
      assert.ok(newest >= done - PERIOD, `run ${i + 1} had finished step ${done} but the newest checkpoint is model-${newest}: more than one period lost`);
    }
    survived++;
  }
  const last = startSsgan(['train', ...flags, '--train-dir', dir, ...(checkpoints(dir).length ? ['--checkpoint', dir] : [])], { timeoutMs: 300_000 });
  const [fin, refRun] = await Promise.all([last.done, reference]);
  assert.equal(refRun.code, 0, refRun.stderr);
  assert.equal(fin.code, 0, fin.stderr);
  assert.match(fin.stdout, new RegExp(`Finished at step ${STEPS}: `));
  checkTrainDir(dir, 'at the end');
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('.')), [], 'no temporaries left');
  // Every checkpoint of the killed run holds exactly the state of the same step of the run never killed.
  assert.deepEqual(checkpoints(dir), checkpoints(ref));
  for (const s of checkpoints(dir)) assert.equal(stateSha(path.join(dir, `model-${s}`)), stateSha(path.join(ref, `model-${s}`)), `model-${s}`);
  // metrics.jsonl reads as one run: every line whole, each (step, split) once, in step order.
  const records = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const keys = records.map((r) => `${r.step}/${r.split}`);
  assert.equal(new Set(keys).size, keys.length, 'no record twice');
  assert.deepEqual(records.map((r) => r.step), records.map((r) => r.step).sort((a, b) => a - b));
  t.diagnostic(`kills survived / tried: ${survived} / ${tried}; landed during ${Object.entries(landed).map(([k, v]) => `${k}: ${v}`).join(', ')}`);
  assert.equal(survived, tried);
});
