/** Shared bits of the benchmarks: paths, child processes with peak memory, printing figures. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const SSGAN = path.join(ROOT, 'bin', 'ssgan');
/** ../shared beside the checkout (reference scripts, CIFAR-10 JPEG archive); benchmarks only. */
export const SHARED = process.env.SSGAN_SHARED ?? path.resolve(ROOT, '..', 'shared');
export const PYTHON = '/usr/bin/python3';

export interface Run { stdout: string; stderr: string; seconds: number; peakRssMb: number; cpuSeconds: number }

/** Runs a command to completion, timing it and reading its peak RSS (KiB) and CPU time (user + system) from GNU time. */
export function run(cmd: string, args: string[], opts: { quiet?: boolean; env?: NodeJS.ProcessEnv } = {}): Run {
  const timeFile = path.join(fs.mkdtempSync('/tmp/ssgan-bench-'), 'time');
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', '-o', timeFile, cmd, ...args], { cwd: ROOT, env: opts.env ?? process.env, encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (!opts.quiet) process.stderr.write(r.stdout.split('\n').filter((l) => !l.startsWith('step ')).slice(-6).join('\n') + '\n');
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const [rssKb, user, sys] = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return { stdout: r.stdout, stderr: r.stderr, seconds, peakRssMb: rssKb / 1024, cpuSeconds: user + sys };
}

/**
 * The environments a PyTorch reference runs in: its default (OpenBLAS's idle threads spinning for
 * 2^28 cycles after each call) and with the setting ssgan makes (OPENBLAS_THREAD_TIMEOUT=4,
 * src/native/addon.ts), so a figure compares ssgan with the better of the two.
 */
export const REFERENCE_ENVS: Record<string, NodeJS.ProcessEnv> = {
  default: { ...process.env, OPENBLAS_THREAD_TIMEOUT: undefined },
  'OPENBLAS_THREAD_TIMEOUT=4': { ...process.env, OPENBLAS_THREAD_TIMEOUT: '4' },
};

export function ssgan(args: string[], opts: { quiet?: boolean } = {}): Run {
  return run(process.execPath, [SSGAN, ...args], opts);
}

export function requireFile(file: string, why: string): void {
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: ${why}`);
}

/** A figure line: "name: value unit (note)". */
export function figure(name: string, value: number | string, unit = '', note = ''): void {
  const v = typeof value !== 'number' ? value : Number.isInteger(value) ? String(value) : Math.abs(value) >= 100 ? value.toFixed(1) : value.toPrecision(4);
  process.stdout.write(`  ${name}: ${v}${unit ? ' ' + unit : ''}${note ? `  (${note})` : ''}\n`);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
