/** The repository root, from source (test/...) or compiled (dist/test/...) locations alike. */
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

/** Python with onnx/torch/numpy (the pyenv `python3` on PATH lacks them). */
export const PYTHON = process.env.SSGAN_TEST_PYTHON ?? '/usr/bin/python3';
