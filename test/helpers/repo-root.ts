/** The repository root, from source (test/...) or compiled (dist/test/...) locations alike, and its test fixtures. */
import * as fs from 'node:fs';
import * as path from 'node:path';

export function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) || path.basename(dir) === 'dist') {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = up;
  }
  return dir;
}

/** test/fixtures: small files in the upstream formats. */
export const FIXTURES = path.join(repoRoot(), 'test', 'fixtures');
