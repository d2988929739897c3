/**
 * Full and read-only filesystems (a small tmpfs, mounted here when permitted): writing a checkpoint,
 * a dataset or an export fails with one line naming the path, leaves no partial file, and a failed
 * checkpoint leaves the previous one usable. Where mounting is not permitted, only the injected
 * error case runs.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { loadCheckpoint, openCheckpoint } from '../../src/checkpoint/load';
import { writeDataset } from '../../src/data/dataset';
import { Random } from '../../src/util/random';
import { withTempDir, writeFileAtomic } from '../../src/util/atomic';
import { escapeRegExp } from '../helpers/model';
import { tmpDir } from '../helpers/tmp-dir';
import { oneLine, ssgan } from '../helpers/ssgan';

const work = tmpDir('diskfull');
const mounts: string[] = [];
after(() => {
  for (const m of mounts) {
    try { execFileSync('umount', ['-l', m], { stdio: 'ignore' }); } catch { /* already gone */ }
  }
  fs.rmSync(work, { recursive: true, force: true });
});

/** A tmpfs of `bytes` at a new folder, or undefined where mounting is not permitted. */
function tmpfs(name: string, bytes: number): string | undefined {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  mounts.push(dir);
  return dir;
}

const remountReadOnly = (dir: string) => execFileSync('mount', ['-o', 'remount,ro', dir], { stdio: 'ignore' });
const hidden = (dir: string): string[] => fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => path.basename(f).startsWith('.'));

async function tinyDataset(dir: string): Promise<void> {
  const r = new Random(3);
  const n = 60, h = 8, w = 8, c = 1, k = 3;
  const labels = Int32Array.from({ length: n }, (_, i) => i % k);
  const images = Uint8Array.from({ length: n * h * w * c }, () => r.int(256));
  await writeDataset(dir, { images, labels, h, w, c, k, train: 48, name: 'tiny' });
}

const trainFlags = (data: string, steps: number) => ['--dataset-dir', data, '--model', 'paper-mnist', '--batch-size', '8', '--n-z', '8', '--threads', '1', '--max-training-steps', String(steps), '--output-save-step', '2', '--log-step', '100'];

test('an injected write error: one line naming the target, the temporary removed', async () => {
  const target = path.join(work, 'injected', 'model-3');
  const enospc = () => { throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }); };
  await assert.rejects(withTempDir(target, enospc), new RegExp(`^Error: ${escapeRegExp(target)}: cannot write \\(no space left on device\\)$`));
  assert.deepEqual(fs.readdirSync(path.dirname(target)), []);
  // A file inside the directory being built is named at its final place.
  await assert.rejects(withTempDir(target, (tmp) => writeFileAtomic(path.join(tmp, 'x', 'f'), 'a') ?? enospc()), /model-3\/x\/f: cannot write|model-3: cannot write/);
});

test('full disk: the checkpoint that does not fit fails in one line, nothing partial, the previous one loads', { timeout: 300_000 }, async (t) => {
  const data = path.join(work, 'tiny');
  await tinyDataset(data);
  // The size of one checkpoint, measured on the ordinary disk.
  const probe = path.join(work, 'probe');
  const p = await ssgan(['train', ...trainFlags(data, 2), '--train-dir', probe]);
  assert.equal(p.code, 0, p.stderr);
  const state = fs.statSync(path.join(probe, 'model-2', 'state.pt')).size;
  // Room for two checkpoints and the logs, not three.
  const disk = tmpfs('full', Math.floor(2.6 * state));
  if (!disk) return t.skip('mount -t tmpfs is not permitted here');
  const run = path.join(disk, 'run');
  const r = await ssgan(['train', ...trainFlags(data, 6), '--train-dir', run]);
  assert.match(oneLine(r), new RegExp(`^ssgan train: ${escapeRegExp(run)}/model-6/state\\.pt: cannot write \\(no space left on device: about [\\d.]+ MB needed, [\\d.]+ MB free\\)$`));
  assert.deepEqual(fs.readdirSync(run).filter((f) => /^model-/.test(f)).sort(), ['model-2', 'model-4']);
  assert.deepEqual(hidden(run), [], 'no temporary left');
  assert.ok(!fs.existsSync(path.join(run, 'train.lock')), 'the lock released');
  const ck = openCheckpoint(run);
  assert.equal(ck.dir, path.join(run, 'model-4'));
  assert.equal(ck.verified, true);
  assert.equal((await loadCheckpoint(run, { threads: 1, device: 'cpu' })).step, 4);

  // A dataset that does not fit: one line naming it, nothing left.
  const bigDir = path.join(disk, 'datasets', 'BIG');
  const n = Math.ceil((3 * state) / (32 * 32 * 3));
  await assert.rejects(
    writeDataset(bigDir, { images: new Uint8Array(n * 32 * 32 * 3), labels: Int32Array.from({ length: n }, (_, i) => i % 2), h: 32, w: 32, c: 3, k: 2, train: n }),
    new RegExp(`^Error: ${escapeRegExp(bigDir)}(/[\\w.]+)?: cannot write \\(no space left on device\\)$`),
  );
  assert.deepEqual(fs.readdirSync(path.dirname(bigDir)), []);
  // An export that does not fit either.
  const filler = path.join(disk, 'filler');
  fs.writeFileSync(filler, '');
  try {
    fs.appendFileSync(filler, Buffer.alloc(Math.max(0, fs.statfsSync(disk).bavail * fs.statfsSync(disk).bsize)));
  } catch { /* full */ }
  const out = path.join(disk, 'onnx');
  const e = await ssgan(['export', '--onnx', '--checkpoint', run, '--out', out]);
  assert.match(oneLine(e), new RegExp(`^ssgan export: ${escapeRegExp(out)}(/(classifier|generator)\\.onnx)?: cannot write \\(no space left on device\\)$`));
  assert.deepEqual(fs.existsSync(out) ? hidden(out).concat(fs.readdirSync(out)) : [], []);
  fs.rmSync(filler);

  // Read-only: a resume cannot even take the lock; export and sample name where they could not write.
  remountReadOnly(disk);
  const resumed = await ssgan(['train', '--checkpoint', run, '--max-training-steps', '8', '--threads', '1']);
  assert.match(oneLine(resumed), new RegExp(`^ssgan train: ${escapeRegExp(run)}/train\\.lock: cannot write \\(read-only file system\\)$`));
  const ex = await ssgan(['export', '--onnx', '--checkpoint', run]);
  assert.match(oneLine(ex), new RegExp(`^ssgan export: ${escapeRegExp(run)}/model-4/onnx(/classifier\\.onnx)?: cannot write \\(read-only file system\\)$`));
  const png = path.join(disk, 'samples.png');
  const s = await ssgan(['sample', '--checkpoint', run, '--out', png, '--threads', '1']);
  assert.match(oneLine(s), new RegExp(`^ssgan sample: ${escapeRegExp(png)}: cannot write \\(read-only file system\\)$`));
  assert.equal(openCheckpoint(run).dir, path.join(run, 'model-4'), 'still usable');
});
