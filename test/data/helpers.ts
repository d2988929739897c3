// Shared test helpers: fixture paths, a scratch directory, and /usr/bin/python3 (with numpy/h5py).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..', '..');
export const FIXTURES = path.join(REPO, 'test', 'fixtures');

export function scratch(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `ssgan-${prefix}-`));
}

/** Runs Python code and parses the JSON it prints. */
export function python<T>(code: string, ...args: string[]): T {
  const out = execFileSync('/usr/bin/python3', ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return JSON.parse(out) as T;
}
