/**
 * The score metrics against a straightforward NumPy/SciPy computation on the same features
 * (scipy.linalg.sqrtm for FID, torch-fidelity's mmd2 on the same subsets for KID): 1e-3 relative.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Float64Ops } from '../../src/score/linalg';
import { classCoverage, frechetDistance, inceptionScore, kernelInceptionDistance, kidSubsets, moments, type FeatureSet } from '../../src/score/metrics';
import { Random } from '../../src/util/random';
import { PYTHON } from '../helpers/python';
import { repoRoot } from '../helpers/repo-root';
import { tmpDir } from '../helpers/tmp-dir';

const SCRIPT = path.join(repoRoot(), 'test', 'score', 'reference_metrics.py');
const haveScipy = (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import scipy.linalg'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function gaussian(r: Random): number {
  return Math.sqrt(-2 * Math.log(1 - r.next())) * Math.cos(2 * Math.PI * r.next());
}

/** n correlated, shifted, non-negative-ish feature vectors (like post-activation features). */
function features(n: number, d: number, seed: number, shift: number): FeatureSet {
  const r = new Random(seed);
  const mix = Float64Array.from({ length: d * d }, () => gaussian(r) / Math.sqrt(d));
  const data = new Float32Array(n * d);
  const z = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) z[j] = gaussian(r);
    for (let j = 0; j < d; j++) {
      let v = shift * (j % 3);
      for (let q = 0; q < d; q++) v += mix[j * d + q] * z[q];
      data[i * d + j] = Math.max(-0.2 * Math.abs(v), v) + 0.5;
    }
  }
  return { data, n, d };
}

function reference(a: FeatureSet, b: FeatureSet, subsets: [Int32Array, Int32Array][], p?: { data: Float32Array; n: number; k: number }): Record<string, number> {
  const dir = tmpDir('score-ref');
  try {
    fs.writeFileSync(path.join(dir, 'a.f32'), a.data as Float32Array);
    fs.writeFileSync(path.join(dir, 'b.f32'), b.data as Float32Array);
    const job: Record<string, unknown> = { a: path.join(dir, 'a.f32'), b: path.join(dir, 'b.f32'), na: a.n, nb: b.n, d: a.d, subsets: subsets.map(([i, j]) => [Array.from(i), Array.from(j)]) };
    if (p) {
      fs.writeFileSync(path.join(dir, 'p.f32'), p.data);
      Object.assign(job, { p: path.join(dir, 'p.f32'), np: p.n, k: p.k });
    }
    fs.writeFileSync(path.join(dir, 'job.json'), JSON.stringify(job));
    return JSON.parse(execFileSync(PYTHON, [SCRIPT, path.join(dir, 'job.json')], { encoding: 'utf8', maxBuffer: 1 << 26 }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function relClose(got: number, want: number, what: string, tol = 1e-3): void {
  assert.ok(Math.abs(got - want) <= tol * Math.abs(want), `${what}: ${got} vs SciPy/NumPy ${want} (relative ${Math.abs(got - want) / Math.abs(want)})`);
}

describe('score metrics against NumPy/SciPy', { skip: haveScipy ? false : `needs SciPy: apt-get install python3-scipy` }, () => {
  let ops: Float64Ops;
  before(async () => { ops = await Float64Ops.open(2); });
  after(async () => ops.release());

  it('FID, KID (mean and std over subsets) and the inception score match', async () => {
    // Different sizes, so subsets are true subsets of 1,000 from 1,300 and 1,100.
    const a = features(1300, 24, 1, 0.3);
    const b = features(1100, 24, 2, 0.0);
    const kidOpts = { subsets: 6, subsetSize: 1000, seed: 3 };
    const r = new Random(9);
    const k = 5;
    const p = new Float32Array(a.n * k);
    for (let i = 0; i < a.n; i++) {
      const e = Array.from({ length: k }, (_, c) => Math.exp(2 * gaussian(r) + (c === i % k ? 1 : 0)));
      const s = e.reduce((x, y) => x + y, 0);
      e.forEach((v, c) => { p[i * k + c] = v / s; });
    }
    const ref = reference(a, b, kidSubsets(a.n, b.n, kidOpts).pairs, { data: p, n: a.n, k });
    const fid = frechetDistance(await moments(a, ops), await moments(b, ops));
    const kid = await kernelInceptionDistance(a, b, ops, kidOpts);
    assert.equal(kid.subsetSize, 1000);
    relClose(fid, ref.fid, 'FID');
    relClose(kid.mean, ref.kid, 'KID');
    relClose(kid.std, ref.kidStd, 'KID std');
    relClose(inceptionScore(p, a.n, k), ref.inceptionScore, 'inception score', 1e-9);
    assert.ok(ref.fid > 0.05 && ref.kid > 1e-3, `the two sets differ (FID ${ref.fid}, KID ${ref.kid}), or agreement proves little`);
  });

  it('few samples (n - 1 vs n matters) and near-identical sets (small FID, KID near 0) match too', async () => {
    const small = [features(120, 24, 7, 0.3), features(150, 24, 8, 0.0)] as const;
    const refSmall = reference(small[0], small[1], kidSubsets(small[0].n, small[1].n, { subsets: 3, subsetSize: 1000, seed: 2 }).pairs);
    relClose(frechetDistance(await moments(small[0], ops), await moments(small[1], ops)), refSmall.fid, 'FID, 120 vs 150 samples');
    relClose((await kernelInceptionDistance(small[0], small[1], ops, { subsets: 3, subsetSize: 1000, seed: 2 })).mean, refSmall.kid, 'KID, subsets of 120');

    // a, and a slightly perturbed copy of it.
    const a = features(1200, 16, 4, 0.1);
    const b = features(1200, 16, 5, 0.1);
    const close: FeatureSet = { data: Float32Array.from(a.data, (v, i) => v + 0.05 * ((i * 7919) % 13) / 13 - 0.02 * (b.data[i] - 0.5)), n: a.n, d: a.d };
    const kidOpts = { subsets: 4, subsetSize: 1000, seed: 1 };
    const ref = reference(a, close, kidSubsets(a.n, close.n, kidOpts).pairs);
    const fid = frechetDistance(await moments(a, ops), await moments(close, ops));
    const kid = await kernelInceptionDistance(a, close, ops, kidOpts);
    relClose(fid, ref.fid, 'FID');
    relClose(kid.mean, ref.kid, 'KID');
    assert.ok(ref.fid < 0.1, `these sets are close (FID ${ref.fid})`);
  });

  it('identical sets: FID 0; one repeated vector: no NaN', async () => {
    const a = features(300, 8, 6, 0.2);
    const m = await moments(a, ops);
    assert.ok(Math.abs(frechetDistance(m, m)) < 1e-6);
    const one: FeatureSet = { data: Float32Array.from({ length: 300 * 8 }, (_, i) => a.data[i % 8]), n: 300, d: 8 };
    const fid = frechetDistance(await moments(one, ops), m);
    assert.ok(Number.isFinite(fid) && fid > 0);
    const kid = await kernelInceptionDistance(one, a, ops, { subsets: 3, subsetSize: 100, seed: 0 });
    assert.ok(Number.isFinite(kid.mean) && kid.mean > 0);
  });

  it('class coverage counts classes holding >= 2% by argmax', () => {
    // 100 samples over 4 classes: 90, 8, 2, 0 by argmax.
    const k = 4;
    const p = new Float32Array(100 * k);
    for (let i = 0; i < 100; i++) p[i * k + (i < 90 ? 0 : i < 98 ? 1 : 2)] = 1;
    const c = classCoverage(p, 100, k);
    assert.deepEqual(c, { classesCovered: 3, classes: 4, largestClassShare: 0.9, shares: [0.9, 0.08, 0.02, 0] });
  });
});
