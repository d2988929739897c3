/** ssgan names OpenBLAS's AVX-512 kernels on AMD CPUs that OpenBLAS does not recognise, before libtorch loads it. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { blasCoreType } from '../../src/native/blas-kernels';

const cpu = (vendor: string, flags: string) => `processor\t: 0\nvendor_id\t: ${vendor}\nflags\t\t: fpu sse2 avx2 ${flags}\n\nprocessor\t: 1\n`;
const AVX512 = 'avx512f avx512dq avx512cd avx512bw avx512vl';

test('AMD CPUs with the AVX-512 subsets of the SkylakeX kernels get them; Intel CPUs and AMD without them are left to OpenBLAS', () => {
  assert.equal(blasCoreType(cpu('AuthenticAMD', `${AVX512} avx512_bf16`)), 'SKYLAKEX');
  assert.equal(blasCoreType(cpu('AuthenticAMD', 'avx512f avx512dq avx512cd avx512vl')), undefined);
  assert.equal(blasCoreType(cpu('AuthenticAMD', '')), undefined);
  assert.equal(blasCoreType(cpu('GenuineIntel', AVX512)), undefined);
});

/** The core OpenBLAS reports when a process loads the addon (OPENBLAS_VERBOSE=2 prints it). */
function loadedCore(env: NodeJS.ProcessEnv): string {
  const addon = path.resolve(__dirname, '..', '..', 'src', 'native', 'addon.js');
  const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(addon)}).native()`], { env: { ...env, OPENBLAS_VERBOSE: '2' }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const core = /Core: (\S+)/.exec(r.stdout + r.stderr);
  assert.ok(core, `OpenBLAS printed no core: ${r.stdout}${r.stderr}`);
  return core[1];
}

test('loading the addon hands OpenBLAS the kernels chosen for this CPU, and a user-set OPENBLAS_CORETYPE wins', () => {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  const chosen = blasCoreType(fs.readFileSync('/proc/cpuinfo', 'utf8'));
  if (chosen) assert.equal(loadedCore(env).toUpperCase(), chosen);
  assert.equal(loadedCore({ ...env, OPENBLAS_CORETYPE: 'Haswell' }), 'Haswell');
});
