/**
 * Writing a checkpoint: state.pt and checkpoint.json, each flushed to the disk, then manifest.json
 * with their SHA-256, all in a temporary directory renamed to `model-<step>` at the end. A process
 * killed at any moment leaves either the complete checkpoint or a temporary directory (swept on
 * resume); a failed write (full disk, unwritable folder) leaves the previous checkpoints as they were.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NativeModel } from '../native/addon';
import { asWriteError, fsyncPath, withTempDir, WriteError } from '../util/atomic';
import { checkpointName, FORMAT_VERSION, META_FILE, STATE_FILE, stepOf, type CheckpointMeta } from './format';
import { writeManifest } from './manifest';

const MB = 1 << 20;

/**
 * Bytes state.pt will take: the newest one in the train dir (a run's checkpoints are all one size),
 * else 4x the weights (the networks, Adam's two moments, a weight average: 3.0-3.7x measured).
 */
async function expectedStateBytes(trainDir: string, model: NativeModel): Promise<number> {
  for (const name of fs.readdirSync(trainDir).filter((n) => stepOf(n) >= 0).sort((a, b) => stepOf(b) - stepOf(a))) {
    const st = fs.statSync(path.join(trainDir, name, STATE_FILE), { throwIfNoEntry: false });
    if (st) return st.size;
  }
  return 4 * Object.values(await model.weights()).reduce((n, t) => n + t.data.byteLength, 0);
}

/**
 * libtorch aborts the whole process when its archive writer hits a full disk (an exception thrown
 * while unwinding), so the space is checked first: a clean one-line error instead of a crash.
 */
async function ensureRoom(trainDir: string, tmp: string, target: string, model: NativeModel): Promise<void> {
  let free: number;
  try {
    const s = fs.statfsSync(tmp);
    free = s.bavail * s.bsize;
  } catch {
    return; // no statfs: nothing to check against
  }
  const need = Math.ceil((await expectedStateBytes(trainDir, model)) * 1.02) + MB;
  if (free < need) throw new WriteError(target, `no space left on device: about ${(need / MB).toFixed(1)} MB needed, ${(free / MB).toFixed(1)} MB free`, 'ENOSPC');
}

export async function saveCheckpoint(trainDir: string, meta: CheckpointMeta, model: NativeModel): Promise<string> {
  const dir = path.join(trainDir, checkpointName(meta.step));
  await withTempDir(dir, async (tmp) => {
    const state = path.join(tmp, STATE_FILE);
    await ensureRoom(trainDir, tmp, path.join(dir, STATE_FILE), model);
    try {
      await model.save(state);
    } catch (e) {
      // libtorch's message is several lines and names the temporary file: say where and why in one
      // (a full or unwritable filesystem found by probing, else libtorch's first line).
      const probed = asWriteError(tmp, e);
      const reason = probed instanceof WriteError ? probed.reason : (e as Error).message.split('\n')[0];
      throw Object.assign(new WriteError(path.join(dir, STATE_FILE), reason), { cause: e });
    }
    fsyncPath(state);
    const metaFile = path.join(tmp, META_FILE);
    const fd = fs.openSync(metaFile, 'wx');
    try {
      fs.writeFileSync(fd, JSON.stringify({ ...meta, version: FORMAT_VERSION }, null, 1));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    writeManifest(tmp, [STATE_FILE, META_FILE]);
    fsyncPath(tmp);
  });
  fsyncPath(trainDir);
  return dir;
}
