/**
 * Scoring images against a dataset: a feature network (the dataset's judge, or a user's extractor)
 * and the real test split as the reference (features cached). `Scorer` keeps both open, so a
 * training run can score every checkpoint; `scoreSamples` is the one-call form.
 */
import { loadDataset, type Dataset } from '../data/dataset';
import { Random } from '../util/random';
import { FeatureNet, judgeSpec, type FeatureNetSpec } from './features';
import { ensureJudge, type Judge, type JudgeOptions } from './judge';
import { Float64Ops } from './linalg';
import { classCoverage, frechetDistance, inceptionScore, kernelInceptionDistance, KID_DEFAULTS, moments, type KidOptions } from './metrics';
import { datasetFeatures, testReference, type Reference } from './reference';

export interface Scores {
  /** Images scored. */
  n: number;
  fid: number;
  kid: number;
  kidStd: number;
  kidSubsetSize: number;
  /** Null without class probabilities (an extractor without --features-probabilities). */
  inceptionScore: number | null;
  classesCovered: number | null;
  classes: number | null;
  largestClassShare: number | null;
  /** Share of the images in each class (argmax), when probabilities are known. */
  classShares: number[] | null;
}

export interface ScoreOptions {
  /** Intra-op threads of onnxruntime (its default, all cores, when omitted). */
  threads?: number;
  /** A user's feature network instead of the judge. */
  features?: { file: string; output: string; probabilities?: string };
  /** Retrain the judge even when the dataset has one. */
  trainJudge?: boolean;
  judge?: Omit<JudgeOptions, 'threads'>;
  kid?: Partial<KidOptions>;
  /** Warnings and progress (stderr in the CLI). */
  log?: (line: string) => void;
}

/** Per-image features (and class probabilities) as the scorer uses them. */
type Outputs = Awaited<ReturnType<FeatureNet['run']>>;

export class Scorer {
  private constructor(
    readonly dataset: Dataset,
    readonly net: FeatureNet,
    readonly reference: Reference,
    /** Set when the judge is the feature network. */
    readonly judge: Judge | undefined,
    private ops: Float64Ops,
    private kidOptions: KidOptions,
  ) {}

  static async open(dataset: Dataset | string, o: ScoreOptions = {}): Promise<Scorer> {
    const ds = typeof dataset === 'string' ? await loadDataset(dataset) : dataset;
    let spec: FeatureNetSpec;
    let judge: Judge | undefined;
    if (o.features) {
      if (o.trainJudge) throw new Error('--train-judge trains the judge, which --features replaces: pass one of them');
      spec = { file: o.features.file, featuresOutput: o.features.output, probabilitiesOutput: o.features.probabilities, flag: '--features' };
    } else {
      judge = await ensureJudge(ds, { ...o.judge, threads: o.threads, retrain: o.trainJudge });
      spec = judgeSpec(judge.file);
    }
    const net = await FeatureNet.open(spec, o.threads);
    const ops = await Float64Ops.open(o.threads);
    try {
      net.checkImageShape(ds.h, ds.w, ds.c);
      const reference = await testReference(net, ds, ops, o.log);
      return new Scorer(ds, net, reference, judge, ops, { ...KID_DEFAULTS, ...o.kid });
    } catch (e) {
      await net.release();
      await ops.release();
      throw e;
    }
  }

  /** Features of n NHWC uint8 images of the dataset's shape. */
  features(images: Uint8Array, n: number): Promise<Outputs> {
    const { h, w, c } = this.dataset;
    if (images.length !== n * h * w * c) throw new Error(`${n} images of ${h}x${w}x${c} need ${n * h * w * c} bytes, got ${images.length}`);
    return this.net.run(images, n, [h, w, c]);
  }

  /** The metrics of features against the test split. */
  async scoreFeatures(out: Outputs): Promise<Scores> {
    if (out.n < 2) throw new Error(`scoring needs at least 2 images, got ${out.n}`);
    const set = { data: out.features, n: out.n, d: out.d };
    const ref = this.reference;
    if (set.d !== ref.features.d) throw new Error(`${set.d} features per image, but the reference has ${ref.features.d}`);
    const fid = frechetDistance(await moments(set, this.ops), ref.moments);
    const o = this.kidOptions;
    const withinKey = `kid-within:${o.seed}:${o.subsets}:${Math.min(o.subsetSize, set.n, ref.features.n)}`;
    const kid = await kernelInceptionDistance(set, ref.features, this.ops, o, ref.memo.get<number[]>(withinKey));
    if (!ref.memo.get(withinKey)) {
      ref.memo.set(withinKey, kid.withinB);
      ref.memo.save();
    }
    const p = out.probabilities;
    const cov = p && out.k ? classCoverage(p, out.n, out.k) : undefined;
    return {
      n: out.n, fid, kid: kid.mean, kidStd: kid.std, kidSubsetSize: kid.subsetSize,
      inceptionScore: p && out.k ? inceptionScore(p, out.n, out.k) : null,
      classesCovered: cov?.classesCovered ?? null, classes: cov?.classes ?? null,
      largestClassShare: cov?.largestClassShare ?? null, classShares: cov?.shares ?? null,
    };
  }

  /** Scores n images (NHWC uint8, the dataset's shape) against the test split. */
  async score(images: Uint8Array, n: number): Promise<Scores> {
    return this.scoreFeatures(await this.features(images, n));
  }

  /**
   * The real-data floor: the same figures for min(n, train size) real training images (drawn by
   * `seed`), which the reference does not contain. A generator cannot be expected to do better.
   * Kept beside the reference once computed (per n and seed).
   */
  async floor(n: number, seed: number): Promise<Scores> {
    const o = this.kidOptions;
    const key = `floor:${n}:${seed}:${o.seed}:${o.subsets}:${o.subsetSize}`;
    const memo = this.reference.memo.get<Scores>(key);
    if (memo) return memo;
    const scores = await this.computeFloor(n, seed);
    this.reference.memo.set(key, scores);
    this.reference.memo.save();
    return scores;
  }

  private async computeFloor(n: number, seed: number): Promise<Scores> {
    const train = Int32Array.from(this.dataset.train);
    const m = Math.min(n, train.length);
    const rng = new Random(seed);
    for (let i = 0; i < m; i++) {
      const j = i + rng.int(train.length - i);
      [train[i], train[j]] = [train[j], train[i]];
    }
    return this.scoreFeatures(await datasetFeatures(this.net, this.dataset, train.subarray(0, m)));
  }

  async release(): Promise<void> {
    await this.net.release();
    await this.ops.release();
  }
}

/**
 * Scores n generated images (NHWC uint8, the dataset's H x W x C) against the dataset's test
 * split, with its judge (trained first if it has none) unless `opts.features` names an extractor.
 * For repeated scoring (every checkpoint of a run), keep a Scorer open instead.
 */
export async function scoreSamples(images: Uint8Array, n: number, dataset: Dataset | string, opts: ScoreOptions = {}): Promise<Scores> {
  const scorer = await Scorer.open(dataset, opts);
  try {
    return await scorer.score(images, n);
  } finally {
    await scorer.release();
  }
}
