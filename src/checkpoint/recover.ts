/**
 * Bringing a train dir back after a process was killed in it: the temporary files and checkpoint
 * directories it left are removed, except a complete checkpoint caught between the two renames of
 * a replacement, which is put back in place. Only for the holder of the train dir's lock.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TEMP_NAME } from '../util/atomic';
import { CheckpointError, stepOf } from './format';
import { verifyCheckpoint } from './load';

function writerAlive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The temporaries directly inside `dir` whose writer is gone: [name, target name]. */
function temporaries(dir: string): [string, string][] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const m = TEMP_NAME.exec(n);
    return m && !writerAlive(Number(m[2])) ? [[n, m[1]] as [string, string]] : [];
  });
}

/** Cleans `trainDir` (and its samples/) of what interrupted writes left; returns one line per action. */
export function recoverTrainDir(trainDir: string): string[] {
  const notes: string[] = [];
  const checkpoints = new Map<string, string[]>();
  let others = 0;
  for (const [name, target] of temporaries(trainDir)) {
    if (stepOf(target) >= 0) checkpoints.set(target, [...(checkpoints.get(target) ?? []), name]);
    else {
      fs.rmSync(path.join(trainDir, name), { recursive: true, force: true });
      others++;
    }
  }
  for (const [target, names] of checkpoints) {
    let restored: string | undefined;
    if (!fs.existsSync(path.join(trainDir, target))) {
      // Complete ones (a replacement interrupted between its renames): the newest goes back in place.
      const complete = names.filter((n) => {
        try {
          return verifyCheckpoint(path.join(trainDir, n)).verified;
        } catch (e) {
          if (e instanceof CheckpointError) return false;
          throw e;
        }
      });
      restored = complete.sort((a, b) => fs.statSync(path.join(trainDir, b)).mtimeMs - fs.statSync(path.join(trainDir, a)).mtimeMs)[0];
      if (restored) {
        fs.renameSync(path.join(trainDir, restored), path.join(trainDir, target));
        notes.push(`Restored ${path.join(trainDir, target)} (complete, left under ${restored} by an interrupted replacement)`);
      }
    }
    for (const n of names.filter((n) => n !== restored)) {
      fs.rmSync(path.join(trainDir, n), { recursive: true, force: true });
      notes.push(`Removed ${path.join(trainDir, n)}: an unfinished write of ${target} (its process stopped)`);
    }
  }
  for (const [name] of temporaries(path.join(trainDir, 'samples'))) {
    fs.rmSync(path.join(trainDir, 'samples', name), { force: true });
    others++;
  }
  if (others) notes.push(`Removed ${others} unfinished temporary file${others > 1 ? 's' : ''} from ${trainDir}`);
  return notes;
}
