/** Scratch folders for tests, removed when the test process exits. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const made: string[] = [];
process.on('exit', () => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

/** A fresh folder `<tmpdir>/ssgan-<prefix>-XXXXXX`. */
export function tmpDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `ssgan-${prefix}-`));
  made.push(d);
  return d;
}
