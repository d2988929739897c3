/**
 * Generator-quality metrics over feature vectors (all in float64):
 *  - Frechet distance (FID): |mu1 - mu2|^2 + tr S1 + tr S2 - 2 tr sqrt(S1 S2), with tr sqrt(S1 S2)
 *    taken as tr sqrt(sqrt(S1) S2 sqrt(S1)) (a symmetric PSD matrix, so eigenvalues are real);
 *  - kernel inception distance (KID): the unbiased MMD^2 with k(x, y) = (x.y / d + 1)^3, mean and
 *    standard deviation over random subsets (Binkowski et al. 2018; torch-fidelity's defaults);
 *  - inception score: exp(E_x KL(p(y|x) || p(y))) over all samples (one split);
 *  - class coverage: classes holding >= 2% of the samples by argmax, and the largest class share.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { Random } from '../util/random';
import type { Float64Ops } from './linalg';

/** Features: n rows of d values, row-major. */
export interface FeatureSet { data: Float32Array | Float64Array; n: number; d: number }

export interface Moments { mean: Float64Array; cov: Float64Array; n: number; d: number }

/** Mean and unbiased covariance (n - 1 in the denominator, as numpy.cov). */
export async function moments(f: FeatureSet, ops: Float64Ops): Promise<Moments> {
  const { n, d, data } = f;
  if (n < 2) throw new Error(`a covariance needs at least 2 feature vectors, got ${n}`);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += data[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const centred = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) centred[i * d + j] = data[i * d + j] - mean[j];
  const cov = await ops.crossProduct(centred, n, d);
  for (let i = 0; i < cov.length; i++) cov[i] /= n - 1;
  return { mean, cov, n, d };
}

function square(v: Float64Array, d: number): Matrix {
  const m = new Matrix(d, d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) m.set(i, j, (v[i * d + j] + v[j * d + i]) / 2);
  return m;
}

/** Symmetric PSD square root through an eigendecomposition (eigenvalues clipped at 0). */
function sqrtPsd(a: Matrix): Matrix {
  const e = new EigenvalueDecomposition(a, { assumeSymmetric: true });
  const v = e.eigenvectorMatrix;
  const s = e.realEigenvalues.map((x) => Math.sqrt(Math.max(0, x)));
  // mulRowVector scales column j by s[j] in place: V diag(s) V^T.
  return v.clone().mulRowVector(s).mmul(v.transpose());
}

/** tr sqrt(S1 S2) = tr sqrt(sqrt(S1) S2 sqrt(S1)). */
export function traceSqrtProduct(s1: Float64Array, s2: Float64Array, d: number): number {
  const r = sqrtPsd(square(s1, d));
  const m = r.mmul(square(s2, d)).mmul(r);
  const sym = Matrix.add(m, m.transpose()).div(2); // symmetric up to rounding: make it exactly so
  const e = new EigenvalueDecomposition(sym, { assumeSymmetric: true });
  return e.realEigenvalues.reduce((a, x) => a + Math.sqrt(Math.max(0, x)), 0);
}

/** Frechet distance between two Gaussians fitted to feature sets. */
export function frechetDistance(a: Moments, b: Moments): number {
  if (a.d !== b.d) throw new Error(`FID: ${a.d} features against ${b.d}`);
  const d = a.d;
  let meanTerm = 0;
  let trace = 0;
  for (let j = 0; j < d; j++) {
    meanTerm += (a.mean[j] - b.mean[j]) ** 2;
    trace += a.cov[j * d + j] + b.cov[j * d + j];
  }
  return meanTerm + trace - 2 * traceSqrtProduct(a.cov, b.cov, d);
}

export interface KidOptions { subsets: number; subsetSize: number; seed: number }
export const KID_DEFAULTS: KidOptions = { subsets: 100, subsetSize: 1000, seed: 0 };

/** `m` distinct indices of 0..n-1 (partial Fisher-Yates). */
function choose(rng: Random, n: number, m: number): Int32Array {
  const pool = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < m; i++) {
    const j = i + rng.int(n - i);
    const t = pool[i];
    pool[i] = pool[j];
    pool[j] = t;
  }
  return pool.slice(0, m);
}

/** The subsets KID draws: for each, indices into the first and into the second set. */
export function kidSubsets(n1: number, n2: number, o: KidOptions = KID_DEFAULTS): { size: number; pairs: [Int32Array, Int32Array][] } {
  const size = Math.min(o.subsetSize, n1, n2);
  if (size < 2) throw new Error(`KID needs at least 2 feature vectors in each set, got ${n1} and ${n2}`);
  const rng = new Random(o.seed);
  const pairs: [Int32Array, Int32Array][] = [];
  for (let s = 0; s < o.subsets; s++) pairs.push([choose(rng, n1, size), choose(rng, n2, size)]);
  return { size, pairs };
}

function rows(f: FeatureSet, idx: Int32Array): Float64Array {
  const out = new Float64Array(idx.length * f.d);
  idx.forEach((r, i) => {
    for (let j = 0; j < f.d; j++) out[i * f.d + j] = f.data[r * f.d + j];
  });
  return out;
}

/** sum_i k(x_i, x_i) for the cubic kernel. */
function diagonalSum(x: Float64Array, m: number, d: number): number {
  let s = 0;
  for (let i = 0; i < m; i++) {
    let dot = 0;
    for (let j = 0; j < d; j++) dot += x[i * d + j] * x[i * d + j];
    s += (dot / d + 1) ** 3;
  }
  return s;
}

/** sum over i != j of k(x_i, x_j) for m rows x. */
async function withinSum(x: Float64Array, m: number, d: number, ops: Float64Ops): Promise<number> {
  return (await ops.kernelSum(x, m, x, m, d)) - diagonalSum(x, m, d);
}

export interface Kid {
  mean: number;
  /** Population standard deviation over the subsets (numpy.std, as torch-fidelity). */
  std: number;
  subsetSize: number;
  /** The second set's within-subset kernel sums, per subset: pass them back to skip that third of the work. */
  withinB: number[];
}

/**
 * KID: the unbiased MMD^2 of each pair of subsets (torch-fidelity's mmd2), mean and standard
 * deviation. `withinB`, from an earlier call with the same second set and options, is reused.
 */
export async function kernelInceptionDistance(a: FeatureSet, b: FeatureSet, ops: Float64Ops, o: KidOptions = KID_DEFAULTS, withinB?: number[]): Promise<Kid> {
  if (a.d !== b.d) throw new Error(`KID: ${a.d} features against ${b.d}`);
  const { size: m, pairs } = kidSubsets(a.n, b.n, o);
  const d = a.d;
  const values: number[] = [];
  const within: number[] = [];
  for (let s = 0; s < pairs.length; s++) {
    const x = rows(a, pairs[s][0]);
    const y = rows(b, pairs[s][1]);
    const yy = withinB?.length === pairs.length ? withinB[s] : await withinSum(y, m, d, ops);
    within.push(yy);
    const xx = await withinSum(x, m, d, ops);
    const xy = await ops.kernelSum(x, m, y, m, d);
    values.push((xx + yy) / (m * (m - 1)) - (2 * xy) / (m * m));
  }
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
  return { mean, std, subsetSize: m, withinB: within };
}

/** exp(mean over samples of KL(p(y|x) || p(y))), p(y) the samples' mean; `p` is [n, k] row-major. */
export function inceptionScore(p: Float32Array | Float64Array, n: number, k: number): number {
  const marginal = new Float64Array(k);
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) marginal[c] += p[i * k + c];
  for (let c = 0; c < k; c++) marginal[c] /= n;
  let kl = 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      const q = p[i * k + c];
      if (q > 0) kl += q * (Math.log(q) - Math.log(marginal[c]));
    }
  }
  return Math.exp(kl / n);
}

/** A class counts as covered when it holds at least this share of the samples. */
export const COVERAGE_SHARE = 0.02;

export interface Coverage { classesCovered: number; classes: number; largestClassShare: number; shares: number[] }

/** Class shares by argmax of `p` ([n, k]). */
export function classCoverage(p: Float32Array | Float64Array, n: number, k: number): Coverage {
  const counts = new Array<number>(k).fill(0);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (p[i * k + c] > p[i * k + best]) best = c;
    counts[best]++;
  }
  const shares = counts.map((c) => c / n);
  return { classesCovered: shares.filter((s) => s >= COVERAGE_SHARE).length, classes: k, largestClassShare: Math.max(...shares), shares };
}
