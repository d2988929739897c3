/**
 * A data-parallel run's bookkeeping without processes: the rank and world read from the
 * launchers' environments, the launcher's flags kept from its processes, and each rank's share of
 * a global batch.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withoutLaunchFlags } from '../../src/train/launch';
import { Sampler } from '../../src/train/sampler';
import { readWorld } from '../../src/train/world';

test('rank and world: torchrun\'s variables, then Slurm\'s, else one process', () => {
  const one = readWorld({});
  assert.deepEqual([one.rank, one.size, one.masterAddr, one.masterPort, one.timeoutMs, one.backend], [0, 1, '127.0.0.1', 29500, 300_000, 'gloo']);
  assert.equal(one.agentStorePrefix, undefined);

  const t = readWorld({ RANK: '3', WORLD_SIZE: '4', LOCAL_RANK: '1', MASTER_ADDR: 'host0', MASTER_PORT: '1234', SLURM_PROCID: '0', SLURM_NTASKS: '8' });
  assert.deepEqual([t.rank, t.size, t.localRank, t.masterAddr, t.masterPort], [3, 4, 1, 'host0', 1234]);
  // torchrun's agent serves the store: every rank is a client, under the attempt's prefix.
  assert.equal(readWorld({ RANK: '0', WORLD_SIZE: '2', TORCHELASTIC_USE_AGENT_STORE: 'True', TORCHELASTIC_RESTART_COUNT: '1' }).agentStorePrefix, '/worker/attempt_1');

  const s = readWorld({ SLURM_PROCID: '5', SLURM_NTASKS: '8', SLURM_LOCALID: '1', MASTER_ADDR: 'node7' });
  assert.deepEqual([s.rank, s.size, s.localRank, s.masterAddr], [5, 8, 1, 'node7']);

  // The flags win over the environment.
  const f = readWorld({ MASTER_ADDR: 'a', MASTER_PORT: '1' }, { masterAddr: 'b', masterPort: 2, distTimeout: 1.5, distBackend: 'nccl' });
  assert.deepEqual([f.masterAddr, f.masterPort, f.timeoutMs, f.backend], ['b', 2, 1500, 'nccl']);

  assert.throws(() => readWorld({ RANK: '2', WORLD_SIZE: '2' }), /rank 2 is not in a world of 2 processes \(RANK, WORLD_SIZE\)/);
  assert.throws(() => readWorld({ SLURM_PROCID: 'x', SLURM_NTASKS: '2' }), /SLURM_PROCID=x: must be a non-negative integer/);
  assert.throws(() => readWorld({}, { distBackend: 'mpi' }), /--dist-backend mpi: must be gloo or nccl/);
  assert.throws(() => readWorld({}, { distTimeout: 0 }), /--dist-timeout 0: must be a positive number of seconds/);
  assert.throws(() => readWorld({}, { masterPort: 70000 }), /--master-port 70000/);
});

test('the launcher\'s own flags are kept from the processes it starts', () => {
  assert.deepEqual(withoutLaunchFlags(['train', '--nproc-per-node', '2', '--batch-size', '16', '--nnodes=2', '--node-rank', '1', '--master-port', '5']),
    ['train', '--batch-size', '16', '--master-port', '5']);
});

test('ranks take disjoint slices of one global batch, in order, and share the global position', () => {
  const pool = Int32Array.from({ length: 50 }, (_, i) => i);
  const whole = new Sampler(pool, 7);
  const ranks = [0, 1].map((rank) => new Sampler(pool, 7, undefined, { rank, size: 2 }));
  for (let step = 0; step < 7; step++) {
    // 50 examples, global batch 16: three batches an epoch, then a new shuffle.
    const global = whole.nextIndices(16);
    const parts = ranks.map((r) => r.nextIndices(8));
    assert.deepEqual([...parts[0], ...parts[1]], [...global], `step ${step}`);
    assert.deepEqual(ranks[0].snapshot(), whole.snapshot());
    assert.deepEqual(ranks[1].snapshot(), whole.snapshot());
  }
  // A pool smaller than the global batch is split evenly.
  const small = Int32Array.from({ length: 10 }, (_, i) => i);
  const halves = [0, 1].map((rank) => new Sampler(small, 1, undefined, { rank, size: 2 }).nextIndices(8));
  assert.deepEqual(halves.map((h) => h.length), [5, 5]);
  assert.deepEqual([...halves[0], ...halves[1]], [...new Sampler(small, 1).nextIndices(16)]);
  // ... less its remainder: every rank takes as many examples.
  const odd = Int32Array.from({ length: 11 }, (_, i) => i);
  assert.deepEqual([0, 1].map((rank) => new Sampler(odd, 1, undefined, { rank, size: 2 }).nextIndices(8).length), [5, 5]);
});
