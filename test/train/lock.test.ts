/**
 * One writer per train dir, with two real `ssgan train` processes: the second is refused at once,
 * naming the PID of the first; once the first is killed (SIGKILL: no cleanup), its lock is taken over.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { escapeRegExp } from '../helpers/model';
import { tmpDir } from '../helpers/tmp-dir';
import { oneLine, ssgan, startSsgan } from '../helpers/ssgan';
import { fixtureCopy } from '../helpers/train-fixture';

const work = tmpDir('lock');
const data = fixtureCopy();
after(() => {
  fs.rmSync(work, { recursive: true, force: true });
  fs.rmSync(path.dirname(data), { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a second ssgan train on a train dir in use is refused naming the PID; a killed holder\'s lock is taken over', { timeout: 300_000 }, async () => {
  const dir = path.join(work, 'run');
  const flags = ['--dataset-dir', data, '--batch-size', '8', '--n-z', '16', '--threads', '1', '--output-save-step', '2', '--log-step', '1'];
  const first = startSsgan(['train', ...flags, '--max-training-steps', '100000', '--train-dir', dir]);
  // Wait until it trains (it holds the lock from before it loads the data).
  while (!/\[train step/.test(first.stdout()) && first.child.exitCode === null) await sleep(20);
  const pid = first.child.pid!;
  const lockFile = path.join(dir, 'train.lock', 'owner.json');
  assert.equal(JSON.parse(fs.readFileSync(lockFile, 'utf8')).pid, pid);

  // A new run in the same dir, and a resume of it: both refused at once, naming the holder.
  const t0 = Date.now();
  const [again, resume] = await Promise.all([ssgan(['train', ...flags, '--train-dir', dir]), ssgan(['train', '--checkpoint', dir, '--threads', '1'])]);
  const seconds = (Date.now() - t0) / 1000;
  assert.match(oneLine(again), new RegExp(`^ssgan train: --train-dir ${escapeRegExp(dir)} is in use by ssgan train, PID ${pid} \\(since [0-9T:.Z-]+\\): wait for it to finish, or stop it \\(kill ${pid}\\)$`));
  assert.match(oneLine(resume), new RegExp(`^ssgan train: --checkpoint ${escapeRegExp(dir)} is in use by ssgan train, PID ${pid} `));
  assert.ok(seconds < 20, `refused after ${seconds} s`);
  assert.equal(first.child.exitCode, null, 'the first run goes on');

  // Killed without a chance to clean up (once it has a checkpoint to resume): the lock stays,
  // naming a dead PID, and is taken over.
  while (!fs.existsSync(path.join(dir, 'model-2')) && first.child.exitCode === null) await sleep(20);
  first.child.kill('SIGKILL');
  await first.done;
  assert.ok(fs.existsSync(lockFile), 'SIGKILL leaves the lock behind');
  const resumed = await ssgan(['train', '--checkpoint', dir, '--max-training-steps', '1', '--threads', '1']);
  // (the step limit is behind the run: it saves where it is and stops)
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /Resuming from step \d+/);
  assert.ok(!fs.existsSync(path.join(dir, 'train.lock')), 'released at the end');
});

test('a lock whose taker has not recorded its PID yet: the next train waits for the owner and is refused naming it, or takes the lock over once none appeared', async () => {
  const { lockTrainDir, procStat } = await import('../../src/train/lock');
  const dir = path.join(work, 'ownerless');
  const lockDir = path.join(dir, 'train.lock');
  // Taken a moment ago by a live process (this one) that writes its owner.json 300 ms later.
  fs.mkdirSync(lockDir, { recursive: true });
  const start = procStat(process.pid)?.start;
  setTimeout(() => fs.writeFileSync(path.join(lockDir, 'owner.json'), JSON.stringify({ pid: process.pid, host: os.hostname(), start, since: 'now' })), 300);
  await assert.rejects(lockTrainDir(dir, { create: false }), new RegExp(`is in use by ssgan train, PID ${process.pid} `));
  // Taken 9.5 s ago by a process killed before it wrote owner.json: taken over after the 10 s grace.
  fs.rmSync(lockDir, { recursive: true });
  fs.mkdirSync(lockDir);
  const past = new Date(Date.now() - 9_500);
  fs.utimesSync(lockDir, past, past);
  const t0 = Date.now();
  const lock = await lockTrainDir(dir, { create: false });
  assert.ok(Date.now() - t0 < 5_000, `took ${Date.now() - t0} ms`);
  assert.equal(JSON.parse(fs.readFileSync(path.join(lockDir, 'owner.json'), 'utf8')).pid, process.pid);
  await lock.release();
  assert.ok(!fs.existsSync(lockDir), 'released');
});

test('a held lock is refreshed without a warning that it was lost', async () => {
  const { lockTrainDir } = await import('../../src/train/lock');
  const dir = path.join(work, 'refresh');
  const written: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string) => (written.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    const lock = await lockTrainDir(dir, { create: true, updateMs: 1000 });
    const lockDir = path.join(dir, 'train.lock');
    const m0 = fs.statSync(lockDir).mtimeMs;
    await sleep(3_500);
    assert.ok(fs.statSync(lockDir).mtimeMs > m0, 'the lock\'s mtime was refreshed');
    await lock.release();
    assert.ok(!fs.existsSync(lockDir), 'released');
  } finally {
    process.stderr.write = write;
  }
  assert.deepEqual(written.filter((w) => /lost the lock/.test(w)), []);
});
