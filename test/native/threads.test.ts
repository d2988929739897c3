/**
 * --threads governs libtorch's intra-op pool and OpenBLAS's own pool (which otherwise sizes itself
 * to every core: two 1-thread runs side by side then ran at 60% speed each).
 */
import assert from 'node:assert/strict';
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
