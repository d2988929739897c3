/** Write-then-rename helpers: a reader never sees a half-written file or directory. */
import * as fs from 'node:fs';
import * as path from 'node:path';

export function tempNameFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${Date.now()}`);
}

export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  const tmp = tempNameFor(target);
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** Builds a directory under a temporary name with `fill`, then renames it to `target` (replacing it). */
export async function writeDirAtomic(target: string, fill: (tmpDir: string) => Promise<void>): Promise<void> {
  const tmp = tempNameFor(target);
  fs.mkdirSync(tmp, { recursive: true });
  try {
    await fill(tmp);
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
