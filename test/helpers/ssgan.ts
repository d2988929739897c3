/** Running the real `bin/ssgan` in a child process, as a user would. */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { repoRoot } from './repo-root';

export const BIN = path.join(repoRoot(), 'bin', 'ssgan');

export interface Run { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Starts `ssgan ...args`; `done` resolves when it has exited (and been reaped). */
export function startSsgan(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): { child: ChildProcess; done: Promise<Run>; stdout: () => string } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<Run>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, done, stdout: () => stdout };
}

export function ssgan(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<Run> {
  return startSsgan(args, opts).done;
}

/** The one line a failing command printed on stderr (asserted to be one). */
export function oneLine(r: Run): string {
  const lines = r.stderr.trim().split('\n');
  if (r.code === 0) throw new Error(`expected a failure, got exit 0; stdout: ${r.stdout}`);
  if (lines.length !== 1) throw new Error(`expected one line on stderr, got:\n${r.stderr}`);
  return lines[0];
}
