// Measures dataset loading (`npm run bench -- load`): `node dist/bench/bench-load.js DIR [COUNT]`
// writes a synthetic COUNT-example 32x32x3 dataset to DIR (once), then times a cold load (no
// data.packed: every id read through HDF5) and a warm load, each in a fresh process so peak RSS is
// the load's own.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadDataset, writeDataset, PACKED_FILE } from '../src/data/dataset';

async function child(dir: string): Promise<void> {
  const t0 = process.hrtime.bigint();
  const d = await loadDataset(dir);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const rss = process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({ ms: Math.round(ms), peakRssMB: Math.round(rss / 2 ** 20), imageMB: Math.round(d.images.length / 2 ** 20), count: d.ids.length }));
}

async function main(): Promise<void> {
  const [dir, countArg, mode] = process.argv.slice(2);
  if (mode === 'child') return child(dir);
  const count = Number(countArg ?? 99289);
  if (!fs.existsSync(path.join(dir, 'data.hdf5'))) {
    const h = 32, w = 32, c = 3, k = 10;
    const images = new Uint8Array(count * h * w * c);
    for (let i = 0; i < images.length; i++) images[i] = (i * 2654435761) >>> 24;
    const labels = Int32Array.from({ length: count }, (_, i) => i % k);
    const t0 = Date.now();
    await writeDataset(dir, { images, labels, h, w, c, k, train: Math.floor(count * 0.74) });
    console.log(`write ${count} examples: ${Date.now() - t0} ms`);
  }
  const run = (): string => execFileSync(process.execPath, [__filename, dir, '0', 'child'], { encoding: 'utf8' }).trim();
  fs.rmSync(path.join(dir, PACKED_FILE), { force: true });
  console.log('cold (from data.hdf5, builds data.packed):', run());
  console.log('warm (from data.packed):', run());
  console.log('warm again:', run());
}

main().catch((err) => { console.error(err instanceof Error ? err.message : err); process.exit(1); });
