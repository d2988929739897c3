// Temp dirs for the summary tests, removed when the test process exits.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const made: string[] = [];
process.on('exit', () => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

export function makeTmpDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `ssgan-${prefix}-`));
  made.push(d);
  return d;
}
