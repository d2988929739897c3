/**
 * OpenBLAS (the BLAS under Debian's libtorch) picks its kernels from the CPU model, and on AMD CPUs
 * with AVX-512 that it does not know (Zen 4 for OpenBLAS 0.3.21) it falls back to its AVX2
 * (Haswell) kernels. Before libtorch loads it, ssgan names the AVX-512 kernels on such CPUs; the
 * dense layers' matrix products run about 1.4x faster (results/speed/README.md). A value the user
 * set is left alone.
 */
import * as fs from 'node:fs';

/** The instructions OpenBLAS's SkylakeX kernels use. */
const SKYLAKEX_FLAGS = ['avx512f', 'avx512cd', 'avx512bw', 'avx512dq', 'avx512vl'];

/** The OpenBLAS core type to name for this CPU (/proc/cpuinfo text), or undefined to let OpenBLAS choose. */
export function blasCoreType(cpuinfo: string): string | undefined {
  if (!/^vendor_id\s*:\s*AuthenticAMD$/m.test(cpuinfo)) return undefined;
  const flags = new Set((/^flags\s*:(.*)$/m.exec(cpuinfo)?.[1] ?? '').trim().split(/\s+/));
  return SKYLAKEX_FLAGS.every((f) => flags.has(f)) ? 'SKYLAKEX' : undefined;
}

/** Sets OPENBLAS_CORETYPE for this process (and its children) where blasCoreType names one. */
export function chooseBlasKernels(env: NodeJS.ProcessEnv = process.env): void {
  if (env.OPENBLAS_CORETYPE !== undefined || process.platform !== 'linux' || process.arch !== 'x64') return;
  let cpuinfo: string;
  try {
    cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return;
  }
  const core = blasCoreType(cpuinfo);
  if (core) env.OPENBLAS_CORETYPE = core;
}
