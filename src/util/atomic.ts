// Every file and directory ssgan writes goes through a temporary name and a rename, so a crash or
// an error never leaves a half-written file where a reader would take it for a complete one.
// Temporary names are hidden siblings, `.<name>.tmp-<pid>-<ms>-<n>` (TEMP_NAME), so what a killed
// process leaves behind is recognisable and can be swept. A write that fails (full disk, read-only
// or unwritable folder) removes its temporary and throws one line naming the target: WriteError.
import * as fs from 'node:fs';
import * as path from 'node:path';

let counter = 0;

/** The temporary names tempSibling makes: group 1 is the target's name, group 2 the writer's pid. */
export const TEMP_NAME = /^\.(.+)\.tmp-(\d+)-\d+-\d+$/;

/** A unique sibling name for `target` (same directory, so rename is atomic on one filesystem). */
export function tempSibling(target: string): string {
  counter += 1;
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${Date.now()}-${counter}`);
}

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
  ENOTDIR: 'a parent is not a directory',
  EISDIR: 'is a directory',
};

/** A write that failed: `<target>: cannot write (<reason>)`, one line. */
export class WriteError extends Error {
  constructor(readonly target: string, readonly reason: string, readonly code?: string) {
    super(`${target}: cannot write (${reason})`);
    this.name = 'Error';
  }
}

/** Why writing under `dir` may have failed when the error itself does not say (a native writer). */
function probe(dir: string): { reason: string; code: string } | undefined {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EACCES';
    return { reason: REASONS[code] ?? code, code };
  }
  try {
    const s = fs.statfsSync(dir);
    if (s.bavail * s.bsize < 1 << 20) return { reason: REASONS.ENOSPC, code: 'ENOSPC' };
  } catch { /* no statfs here: say what the error said */ }
  return undefined;
}

/**
 * `err` as a WriteError naming `target` when it is a failed write (an I/O error code, or a full or
 * unwritable filesystem found by probing); other errors (bad input, a WriteError already) unchanged.
 */
export function asWriteError(target: string, err: unknown): unknown {
  if (err instanceof WriteError || !(err instanceof Error)) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code && REASONS[code]) return new WriteError(target, REASONS[code], code);
  const found = code ? undefined : probe(fs.existsSync(target) ? target : path.dirname(target));
  if (found) return new WriteError(target, found.reason, found.code);
  return err;
}

/**
 * mkdir -p, failing with a WriteError naming `dir`. (Node's recursive mkdir reports ENOENT on a
 * read-only filesystem; the nearest existing folder is probed for the real reason.)
 */
export function makeDirs(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    let existing = path.resolve(dir);
    while (!fs.existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
    const found = (e as NodeJS.ErrnoException).code === 'ENOENT' ? probe(existing) : undefined;
    throw found ? new WriteError(dir, found.reason, found.code) : asWriteError(dir, e);
  }
}

function mkdirFor(target: string): void {
  makeDirs(path.dirname(target));
}

/** Flushes a file, or a directory's entries, to the disk. */
export function fsyncPath(p: string): void {
  const fd = fs.openSync(p, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  mkdirFor(target);
  const tmp = tempSibling(target);
  try {
    const fd = fs.openSync(tmp, 'wx');
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw asWriteError(target, err);
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
    throw asWriteError(target, err);
  }
}

/**
 * Builds a directory under a temporary name and moves it onto `target` when complete. An existing
 * target is replaced only after the new one is fully built (old one moved aside, then removed).
 */
export async function withTempDir<T>(target: string, build: (tmpDir: string) => Promise<T> | T): Promise<T> {
  mkdirFor(target);
  const tmp = tempSibling(target);
  try {
    fs.mkdirSync(tmp);
  } catch (err) {
    throw asWriteError(target, err);
  }
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
    // A file inside the temporary directory is named by where it was going.
    if (err instanceof WriteError && err.target.startsWith(tmp + path.sep)) throw new WriteError(target + err.target.slice(tmp.length), err.reason, err.code);
    throw asWriteError(target, err);
  }
}

/** fs.writeSync may write less than asked for large buffers; this loops until all is written. */
export function writeAll(fd: number, data: Uint8Array): void {
  let done = 0;
  while (done < data.length) done += fs.writeSync(fd, data, done, Math.min(data.length - done, 1 << 30));
}
