/** The Python the tests check against: Debian's, with numpy, h5py, onnx, torch and scipy (the pyenv `python3` on PATH lacks them). */
import { execFileSync } from 'node:child_process';

export const PYTHON = process.env.SSGAN_TEST_PYTHON ?? '/usr/bin/python3';

/** Runs Python code and parses the JSON it prints. */
export function python<T>(code: string, ...args: string[]): T {
  const out = execFileSync(PYTHON, ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return JSON.parse(out) as T;
}
