/**
 * --threads governs libtorch's intra-op pool and OpenBLAS's own pool (which otherwise sizes itself
 * to every core: two 1-thread runs side by side then ran at 60% speed each).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { test } from 'node:test';
import { native } from '../../src/native/addon';

// setup.sh installs Debian's libopenblas0-pthread as libtorch's BLAS.
const OPENBLAS = fs.existsSync('/usr/lib/x86_64-linux-gnu/openblas-pthread') || fs.existsSync('/usr/lib/aarch64-linux-gnu/openblas-pthread');

test('setThreads sets libtorch and OpenBLAS thread counts together', () => {
  const before = native().getThreads();
  try {
    for (const n of [1, Math.min(2, os.availableParallelism()), 1]) {
      native().setThreads(n);
      assert.equal(native().getThreads(), n);
      if (OPENBLAS) assert.equal(native().blasThreads(), n, 'OpenBLAS threads');
      else assert.equal(native().blasThreads(), 0);
    }
  } finally {
    native().setThreads(before);
  }
});

/**
 * CPU time a fresh process spends while idle for 300 ms right after a 2-thread forward pass of
 * paper-mnist (large matrix products, so OpenBLAS's own threads take part).
 */
function idleCpuMsAfterBlas(env: NodeJS.ProcessEnv): number {
  const helpers = require.resolve('../helpers/model');
  const script = `
    const { makeModel, stripeBatch } = require(${JSON.stringify(helpers)});
    const m = makeModel({ model: 'paper-mnist', loss: 'improved-gan', gLoss: 'feature-matching', batchSize: 100 });
    m.classify(stripeBatch(500, 28, 28, 1, 10).images, 500).then(() => {
      const t0 = process.cpuUsage();
      setTimeout(() => { const t = process.cpuUsage(t0); console.log((t.user + t.system) / 1000); }, 300);
    });`;
  const r = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout.trim().split('\n').pop());
}

/** How many cores were idle over the next `ms` milliseconds (/proc/stat). */
function idleCores(ms: number): number {
  const read = () => {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return { idle: f[3] + f[4], total: f.reduce((a, b) => a + b, 0) };
  };
  const a = read();
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  const b = read();
  return ((b.idle - a.idle) / Math.max(1, b.total - a.total)) * os.availableParallelism();
}

test("OpenBLAS's idle threads sleep instead of spinning after a call (OPENBLAS_THREAD_TIMEOUT=4 unless set)", { skip: !OPENBLAS || os.availableParallelism() < 2 }, (t) => {
  const env = { ...process.env };
  delete env.OPENBLAS_THREAD_TIMEOUT;
  const quiet = idleCpuMsAfterBlas(env);
  assert.ok(quiet < 40, `${quiet} ms of CPU while idle: OpenBLAS's threads spun`);
  // A spinning thread calls sched_yield, which on cores busy with other work hands them over:
  // the measurement below can only show spinning on a machine with a core to spare.
  const spare = idleCores(300);
  if (spare < 0.8) {
    t.diagnostic(`${spare.toFixed(2)} cores idle: none to show OpenBLAS's default spinning on`);
    return;
  }
  // OpenBLAS's own default (2^28 cycles of spinning, a value ssgan keeps when set) burns the idle time.
  const spinning = idleCpuMsAfterBlas({ ...env, OPENBLAS_THREAD_TIMEOUT: '28' });
  assert.ok(spinning > quiet + 40, `idle CPU ${spinning} ms with OpenBLAS's default against ${quiet} ms`);
});
