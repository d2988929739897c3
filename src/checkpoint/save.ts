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
import { checkpointName, FORMAT_VERSION, META_FILE, STATE_FILE, type CheckpointMeta } from './format';
import { writeManifest } from './manifest';

export async function saveCheckpoint(trainDir: string, meta: CheckpointMeta, model: NativeModel): Promise<string> {
  const dir = path.join(trainDir, checkpointName(meta.step));
  await withTempDir(dir, async (tmp) => {
    const state = path.join(tmp, STATE_FILE);
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
