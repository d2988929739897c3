/**
 * This process's place in a data-parallel run: its rank and the number of processes (the world),
 * read from the environment the launchers set (`ssgan train --nproc-per-node`, torchrun: RANK,
 * WORLD_SIZE, LOCAL_RANK; Slurm's srun: SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID), and where the
 * ranks meet (MASTER_ADDR, MASTER_PORT, or the flags).
 */

export type DistBackend = 'gloo' | 'nccl';
export const DIST_BACKENDS: readonly DistBackend[] = ['gloo', 'nccl'];
export const DEFAULT_MASTER_ADDR = '127.0.0.1';
export const DEFAULT_MASTER_PORT = 29500;
/** Seconds the ranks wait for each other (rendezvous and every collective operation). */
export const DEFAULT_DIST_TIMEOUT = 300;

export interface World {
  rank: number;
  size: number;
  localRank: number;
  masterAddr: string;
  masterPort: number;
  timeoutMs: number;
  backend: DistBackend;
  /**
   * Set under torchrun, whose agent serves the rendezvous store (TORCHELASTIC_USE_AGENT_STORE):
   * every rank is its client, under this key prefix, as torch.distributed's env:// init does.
   */
  agentStorePrefix?: string;
}

/** The distributed flags of `ssgan train` (undefined where not typed). */
export interface DistFlags { masterAddr?: string; masterPort?: number; distTimeout?: number; distBackend?: string }

function envInt(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name}=${v}: must be a non-negative integer`);
  return n;
}

/** The process's world: torchrun's variables first, then Slurm's, else a single process. */
export function readWorld(env: NodeJS.ProcessEnv, flags: DistFlags = {}): World {
  const torchrun = envInt(env, 'WORLD_SIZE') !== undefined;
  const rank = (torchrun ? envInt(env, 'RANK') : envInt(env, 'SLURM_PROCID')) ?? 0;
  const size = (torchrun ? envInt(env, 'WORLD_SIZE') : envInt(env, 'SLURM_NTASKS')) ?? 1;
  const localRank = (torchrun ? envInt(env, 'LOCAL_RANK') : envInt(env, 'SLURM_LOCALID')) ?? rank;
  if (size < 1 || rank >= size) throw new Error(`rank ${rank} is not in a world of ${size} processes (${torchrun ? 'RANK, WORLD_SIZE' : 'SLURM_PROCID, SLURM_NTASKS'})`);
  const backend = flags.distBackend ?? 'gloo';
  if (!(DIST_BACKENDS as readonly string[]).includes(backend)) throw new Error(`--dist-backend ${backend}: must be gloo or nccl`);
  const timeout = flags.distTimeout ?? DEFAULT_DIST_TIMEOUT;
  if (!(timeout > 0)) throw new Error(`--dist-timeout ${timeout}: must be a positive number of seconds`);
  const masterPort = flags.masterPort ?? envInt(env, 'MASTER_PORT') ?? DEFAULT_MASTER_PORT;
  if (masterPort < 1 || masterPort > 65535) throw new Error(`--master-port ${masterPort}: must be a TCP port (1-65535)`);
  return {
    rank,
    size,
    localRank,
    masterAddr: flags.masterAddr ?? (env.MASTER_ADDR || DEFAULT_MASTER_ADDR),
    masterPort,
    timeoutMs: Math.round(timeout * 1000),
    backend: backend as DistBackend,
    ...(env.TORCHELASTIC_USE_AGENT_STORE === 'True' ? { agentStorePrefix: `/worker/attempt_${env.TORCHELASTIC_RESTART_COUNT ?? '0'}` } : {}),
  };
}

/** A single process: rank 0 of 1. */
export const SINGLE: World = readWorld({});
