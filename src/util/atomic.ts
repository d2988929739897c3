// Every file and directory ssgan writes goes through a temporary name and a rename, so a crash or
// an error never leaves a half-written file where a reader would take it for a complete one.
import * as fs from 'node:fs';
import * as path from 'node:path';

let counter = 0;

/** A unique sibling name for `target` (same directory, so rename is atomic on one filesystem). */
export function tempSibling(target: string): string {
  counter += 1;
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${Date.now()}-${counter}`);
}

export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = tempSibling(target);
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** Runs `build(tmpPath)` and renames tmpPath onto target only if build succeeded. */
export async function withTempFile<T>(target: string, build: (tmp: string) => Promise<T> | T): Promise<T> {
  const tmp = tempSibling(target);
  try {
    const result = await build(tmp);
    fs.renameSync(tmp, target);
    return result;
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Builds a directory under a temporary name and moves it onto `target` when complete. An existing
 * target is replaced only after the new one is fully built (old one moved aside, then removed).
 */
export async function withTempDir<T>(target: string, build: (tmpDir: string) => Promise<T> | T): Promise<T> {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = tempSibling(target);
  fs.mkdirSync(tmp);
  try {
    const result = await build(tmp);
    if (fs.existsSync(target)) {
      const old = tempSibling(target);
      fs.renameSync(target, old);
      fs.renameSync(tmp, target);
      fs.rmSync(old, { recursive: true, force: true });
    } else {
      fs.renameSync(tmp, target);
    }
    return result;
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** fs.writeSync may write less than asked for large buffers; this loops until all is written. */
export function writeAll(fd: number, data: Uint8Array): void {
  let done = 0;
  while (done < data.length) done += fs.writeSync(fd, data, done, Math.min(data.length - done, 1 << 30));
}
