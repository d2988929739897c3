/**
 * Data-parallel training through the CLI, two processes on loopback (Gloo, CPU), on the fixture:
 * 2 ranks x batch 16 train exactly as 1 process x batch 32; torchrun starts them too; rank 0 alone writes one checkpoint
 * stream, which resumes as 2 processes and as 1; a killed rank ends the run naming it; Ctrl-C
 * stops every rank at the same step with a checkpoint.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { readCheckpointMeta } from '../../src/checkpoint/load';
import { loadDataset } from '../../src/data/dataset';
import { OnnxClassifier } from '../../src/eval/onnx-classifier';
import { BIN, ssgan, startSsgan, type Run } from '../helpers/ssgan';
import { tmpDir } from '../helpers/tmp-dir';
import { fixtureCopy, listCheckpoints } from '../helpers/train-fixture';

const data = fixtureCopy();
const work = tmpDir('dist');

after(() => {
  fs.rmSync(work, { recursive: true, force: true });
  fs.rmSync(path.dirname(data), { recursive: true, force: true });
});

/** A TCP port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const SMALL = ['--dataset-dir', data, '--n-z', '16', '--threads', '1', '--seed', '3', '--log-step', '5', '--write-summary-step', '5', '--test-sample-step', '5'];

function ok(r: Run, what: string): Run {
  assert.equal(r.code, 0, `${what}: exit ${r.code} ${r.signal ?? ''}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

async function twoRanks(args: string[], timeoutMs = 60_000): Promise<Run> {
  return ssgan(['train', '--nproc-per-node', '2', '--master-port', String(await freePort()), ...args], { timeoutMs });
}

/** The exported classifier's logits on every image of the fixture. */
async function exportedLogits(trainDir: string): Promise<Float32Array> {
  const out = path.join(trainDir, 'onnx');
  ok(await ssgan(['export', '--onnx', '--checkpoint', trainDir, '--out', out]), 'export');
  const d = await loadDataset(data);
  const c = await OnnxClassifier.open(path.join(out, 'classifier.onnx'), { threads: 1 });
  try {
    return (await c.classify(d.images, d.ids.length)).logits;
  } finally {
    await c.release();
  }
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

// The seed model without batch norm, and paper-mnist's classifier alone (Gaussian-noise layers,
// whose noise each rank draws as its rows of the global batch's, data-dependent init, weight average).
const EQUIVALENT: [string, string[]][] = [
  ['--norm-type none', ['--norm-type', 'none']],
  ['--norm-type instance', ['--norm-type', 'instance']],
  ['--model paper-mnist --no-gan', ['--model', 'paper-mnist', '--no-gan']],
];

for (const [name, flags] of EQUIVALENT) {
  test(`${name}: 2 processes x batch 16 train as 1 process x batch 32 (exported logits within 1e-4)`, async () => {
    const tag = flags.join('').replace(/-/g, '');
    const one = path.join(work, `one-${tag}`), two = path.join(work, `two-${tag}`);
    const common = [...SMALL, ...flags, '--max-training-steps', '20', '--output-save-step', '20'];
    // With --norm-type none, also the same seed with a batch of 16 in one process: it trains
    // differently, so the comparison can tell.
    const half = name.includes('none') ? path.join(work, 'half') : undefined;
    const [a, b, c] = await Promise.all([
      ssgan(['train', ...common, '--batch-size', '32', '--train-dir', one]),
      twoRanks([...common, '--batch-size', '16', '--train-dir', two]),
      half ? ssgan(['train', ...common, '--batch-size', '16', '--train-dir', half]) : undefined,
    ]);
    ok(a, 'one process');
    ok(b, 'two processes');
    assert.match(b.stdout, /global batch 32 \(2 processes x 16\)/);
    assert.match(b.stdout, /Finished at step 20/);
    const [la, lb] = [await exportedLogits(one), await exportedLogits(two)];
    const diff = maxDiff(la, lb);
    assert.ok(diff < 1e-4, `max |logit difference| ${diff}`);
    if (half) {
      ok(c!, 'one process, batch 16');
      assert.ok(maxDiff(la, await exportedLogits(half)) > 1e-3);
    }
    // Training moved the weights: the runs agree on something learned, not on the initialisation.
    assert.ok(la.some((v) => Math.abs(v) > 1e-3));
  });
}

test('2 processes with batch norm write one checkpoint stream, which resumes as 2 processes and as 1', async () => {
  const dir = path.join(work, 'bn'), copy = path.join(work, 'bn-copy');
  const r = ok(await twoRanks([...SMALL, '--norm-type', 'batch', '--batch-size', '16', '--max-training-steps', '8', '--output-save-step', '4', '--train-dir', dir]), 'two processes');
  assert.match(r.stdout, /Started 2 processes of 2: rank 0 \(pid \d+\), rank 1 \(pid \d+\)/);
  assert.deepEqual(listCheckpoints(dir), ['model-4', 'model-8']);
  // One writer: each summary step once in metrics.jsonl.
  const steps = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; split: string }).filter((l) => l.split === 'train').map((l) => l.step);
  assert.deepEqual(steps, [5]);
  const meta8 = readCheckpointMeta(path.join(dir, 'model-8'));
  assert.equal(meta8.config.processes, 2);
  assert.equal(meta8.config.batchSize, 16);
  fs.cpSync(dir, copy, { recursive: true });

  const [asTwo, asOne] = await Promise.all([
    twoRanks(['--checkpoint', dir, '--max-training-steps', '12', '--threads', '1']),
    ssgan(['train', '--checkpoint', copy, '--max-training-steps', '12', '--threads', '1']),
  ]);
  ok(asTwo, 'resumed as 2 processes');
  ok(asOne, 'resumed as 1 process');
  assert.match(asTwo.stdout, /Resuming from step 8/);
  assert.match(asOne.stdout, /; batch 32;[\s\S]*Resuming from step 8/);
  assert.deepEqual(listCheckpoints(dir), ['model-4', 'model-8', 'model-12']);
  assert.deepEqual(listCheckpoints(copy), ['model-4', 'model-8', 'model-12']);
  const two = readCheckpointMeta(path.join(dir, 'model-12')), one = readCheckpointMeta(path.join(copy, 'model-12'));
  assert.deepEqual([two.config.processes, two.config.batchSize], [2, 16]);
  assert.deepEqual([one.config.processes, one.config.batchSize], [undefined, 32]);
  // The data position is global: both drew the same examples.
  assert.deepEqual(two.sampler, one.sampler);

  // One process takes the whole global batch: a typed per-process --batch-size of 16 contradicts it.
  const typed = await ssgan(['train', '--checkpoint', dir, '--batch-size', '16', '--max-training-steps', '16', '--threads', '1']);
  assert.notEqual(typed.code, 0);
  assert.match(typed.stderr, /--batch-size 16: .* global batch of 32, which gives one process 32; drop --batch-size/);
  // A global batch of 32 cannot be shared by 3 processes. (Last: the launcher stops rank 0 as the
  // others fail, and a rank stopped while taking the train dir's lock leaves it for a few seconds.)
  const three = await ssgan(['train', '--nproc-per-node', '3', '--master-port', String(await freePort()), '--checkpoint', dir, '--max-training-steps', '16', '--threads', '1']);
  assert.notEqual(three.code, 0);
  assert.match(three.stderr, /global batch of 32 \(2 x 16\), which 3 processes cannot share evenly/);
});

test('--nnodes 2: one launcher per machine (here both on loopback), rank 0\'s machine writes', async () => {
  const dir = path.join(work, 'nodes');
  const port = String(await freePort());
  const node = (rank: number) => ssgan(['train', '--nnodes', '2', '--node-rank', String(rank), '--nproc-per-node', '1', '--master-addr', '127.0.0.1', '--master-port', port, ...SMALL, '--batch-size', '8', '--max-training-steps', '4', '--output-save-step', '4', '--train-dir', dir], { timeoutMs: 60_000 });
  const [n0, n1] = await Promise.all([node(0), node(1)]);
  ok(n0, 'node 0');
  ok(n1, 'node 1');
  assert.match(n0.stdout, /Started 1 process of 2: rank 0 \(pid \d+\)[\s\S]*global batch 16 \(2 processes x 8\)[\s\S]*Finished at step 4/);
  assert.match(n1.stdout, /Started 1 process of 2: rank 1 \(pid \d+\)\n$/);
  assert.deepEqual(listCheckpoints(dir), ['model-4']);
});

/** `ssgan train ...args` with extra environment variables. */
function ssganWithEnv(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, 'train', ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (e, stdout, stderr) =>
      e && e.code === undefined ? reject(e) : resolve({ code: e ? Number(e.code) : 0, signal: null, stdout, stderr }));
  });
}

test('Slurm\'s variables (srun) make two processes one run (GLOO_SOCKET_IFNAME names the interface)', async () => {
  const dir = path.join(work, 'slurm');
  const port = String(await freePort());
  const args = [...SMALL, '--batch-size', '8', '--max-training-steps', '4', '--output-save-step', '4', '--train-dir', dir];
  const [r0, r1] = await Promise.all([0, 1].map((rank) => ssganWithEnv(args, { SLURM_PROCID: String(rank), SLURM_NTASKS: '2', SLURM_LOCALID: String(rank), MASTER_PORT: port, GLOO_SOCKET_IFNAME: 'lo' })));
  ok(r0, 'SLURM_PROCID=0');
  ok(r1, 'SLURM_PROCID=1');
  assert.match(r0.stdout, /global batch 16 \(2 processes x 8\)[\s\S]*Finished at step 4/);
  assert.equal(r1.stdout, '', 'rank 1 prints nothing');
  assert.deepEqual(listCheckpoints(dir), ['model-4']);
});

test('--dist-backend nccl is refused in one line', async () => {
  const r = await ssgan(['train', '--nproc-per-node', '2', '--master-port', String(await freePort()), '--dist-backend', 'nccl', ...SMALL, '--max-training-steps', '1', '--train-dir', path.join(work, 'nccl')]);
  assert.notEqual(r.code, 0);
  // Whichever rank fails first says it (the launcher prefixes rank 1's lines), and the launcher names it.
  assert.match(r.stderr, /^(\[rank 1\] )?ssgan train: --dist-backend nccl: this libtorch has no NCCL \(a CPU build\); use --dist-backend gloo$/m);
  assert.match(r.stderr, /^ssgan train: rank [01] exited with code 1/m);
});

/** torchrun on PATH (Debian's python3-torch), or undefined. */
function torchrun(): string | undefined {
  return (process.env.PATH ?? '').split(path.delimiter).map((d) => path.join(d, 'torchrun')).find((f) => fs.existsSync(f));
}

test('torchrun starts the processes (its agent serves the rendezvous store)', { skip: torchrun() === undefined && 'no torchrun on PATH' }, async () => {
  const dir = path.join(work, 'torchrun');
  const port = String(await freePort());
  const r = await new Promise<Run>((resolve, reject) => {
    // --redirects / --tee: Debian's torchrun 1.13 on Python 3.11 fails on their default, 0.
    const args = ['--nproc_per_node', '2', '--master_port', port, '--redirects', '1', '--tee', '1', '--no_python', BIN, 'train', ...SMALL, '--batch-size', '8', '--max-training-steps', '6', '--output-save-step', '6', '--train-dir', dir];
    execFile(torchrun()!, args, { timeout: 60_000 }, (e, stdout, stderr) => (e && e.code === undefined ? reject(e) : resolve({ code: e ? Number(e.code) : 0, signal: null, stdout, stderr })));
  });
  ok(r, 'torchrun');
  assert.match(r.stdout, /global batch 16 \(2 processes x 8\)/);
  assert.equal(r.stdout.match(/Finished at step 6/g)?.length, 1, 'rank 0 alone prints');
  assert.deepEqual(listCheckpoints(dir), ['model-6']);
});

/** Starts a long 2-process run and resolves once it trains, with its ranks' pids. */
async function longRun(extra: string[]): Promise<{ run: ReturnType<typeof startSsgan>; pids: number[] }> {
  const run = startSsgan(['train', '--nproc-per-node', '2', '--master-port', String(await freePort()), ...SMALL, '--log-step', '1', '--batch-size', '8', '--max-training-steps', '100000', '--output-save-step', '100000', ...extra], { timeoutMs: 60_000 });
  for (let i = 0; i < 600 && !/\[train step/.test(run.stdout()); i++) await new Promise((r) => setTimeout(r, 100));
  const m = /rank 0 \(pid (\d+)\), rank 1 \(pid (\d+)\)/.exec(run.stdout());
  assert.ok(m && /\[train step/.test(run.stdout()), `training did not start: ${run.stdout()}`);
  return { run, pids: [Number(m[1]), Number(m[2])] };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('a killed rank ends the run within --dist-timeout, naming the rank', async () => {
  const { run, pids } = await longRun(['--dist-timeout', '10', '--train-dir', path.join(work, 'killed')]);
  const t0 = Date.now();
  process.kill(pids[1], 'SIGKILL');
  const r = await run.done;
  assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms`);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /^ssgan train: rank 1 was killed by SIGKILL; stopping the other ranks$/m);
  assert.ok(!alive(pids[0]), 'rank 0 was left running');
});

test('a rank that stops answering fails the others after --dist-timeout', async () => {
  const { run, pids } = await longRun(['--dist-timeout', '3', '--train-dir', path.join(work, 'stopped')]);
  const t0 = Date.now();
  process.kill(pids[1], 'SIGSTOP');
  const r = await run.done;
  const took = Date.now() - t0;
  assert.ok(took >= 2_500 && took < 15_000, `took ${took} ms`);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /^ssgan train: rank 0: the \S+ \S+ with the other ranks failed \(.*\): another rank stopped, or did not answer within --dist-timeout$/m);
  assert.match(r.stderr, /^ssgan train: rank 0 exited with code 1; stopping the other ranks$/m);
  assert.ok(!alive(pids[1]), 'the stopped rank was left behind');
});

test('Ctrl-C stops every rank at the same step, and rank 0 saves a checkpoint there', async () => {
  const dir = path.join(work, 'interrupted');
  const { run, pids } = await longRun(['--train-dir', dir]);
  run.child.kill('SIGINT');
  const r = ok(await run.done, 'interrupted');
  const m = /Stopped at step (\d+): (\S+)/.exec(r.stdout);
  assert.ok(m, r.stdout);
  assert.deepEqual(listCheckpoints(dir), [`model-${m[1]}`]);
  assert.ok(pids.every((p) => !alive(p)));
});
