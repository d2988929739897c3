/**
 * The judge: a domain classifier ssgan trains once per dataset, fully supervised (no GAN) on all its
 * labeled training images, with its own training code (the seed model, `gan: false`), exported as
 * `<dataset>/judge/classifier.onnx` (with the `features` output) beside `judge.json` (its test
 * accuracy, measured with onnxruntime on the whole test split, and how it was made). `ssgan score`
 * reuses it; `--train-judge` rebuilds it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PRODUCER, PRODUCER_VERSION } from '../checkpoint/format';
import { loadCheckpoint } from '../checkpoint/load';
import { DEFAULTS, validate, type TrainConfig } from '../config';
import type { Dataset } from '../data/dataset';
import { fingerprintData, fingerprintDifference, type DataFingerprint } from '../data/fingerprint';
import { OnnxClassifier } from '../eval/onnx-classifier';
import { checkpointExportMeta, checkpointWeights } from '../export/from-checkpoint';
import { featureWidth } from '../export/feature-output';
import { classifierModel, encodeModel } from '../export/onnx-graph';
import { train } from '../train/setup';
import { writeFileAtomic } from '../util/atomic';
import { featureNetKey, judgeSpec } from './features';
import { JUDGE_TRAINING } from './judge-training';
import { judgeDir, removeReference } from './reference';

export const JUDGE_FILE = 'classifier.onnx';
export const JUDGE_INFO = 'judge.json';

/** The judge's recipe (its own module: score --help quotes it). */
export { JUDGE_TRAINING };

/** Epochs of the default recipe for a training split of this many images. */
export function judgeEpochs(trainImages: number): number {
  const perEpoch = Math.max(1, Math.floor(trainImages / JUDGE_TRAINING.batchSize));
  return Math.max(JUDGE_TRAINING.epochs, Math.ceil(JUDGE_TRAINING.minSteps / perEpoch));
}

export interface JudgeInfo {
  format: 'ssgan-judge';
  dataset: string;
  classifier: string;
  featureDim: number;
  classNames: string[];
  testAccuracy: number;
  testExamples: number;
  trainExamples: number;
  epochs: number;
  steps: number;
  batchSize: number;
  learningRate: number;
  trainSeconds: number;
  command: string;
  producer: string;
  /** The data it was trained and tested on: a judge of other data is retrained. */
  data?: DataFingerprint;
}

export interface Judge { file: string; info: JudgeInfo }

export interface JudgeOptions {
  threads?: number;
  /** Training epochs (default: judgeEpochs of the training split). */
  epochs?: number;
  /** Where the training run's log lines go (stderr by default). */
  out?: NodeJS.WriteStream;
  /** How to rebuild it, recorded in judge.json. */
  command?: string;
}

export function judgeFiles(ds: Pick<Dataset, 'dir'>): { model: string; info: string } {
  const dir = judgeDir(ds);
  return { model: path.join(dir, JUDGE_FILE), info: path.join(dir, JUDGE_INFO) };
}

/** The dataset's judge, or undefined when it has none (or its files are unusable). */
export function readJudge(ds: Pick<Dataset, 'dir'>): Judge | undefined {
  const f = judgeFiles(ds);
  if (!fs.existsSync(f.model) || !fs.existsSync(f.info)) return undefined;
  try {
    const info = JSON.parse(fs.readFileSync(f.info, 'utf8')) as JudgeInfo;
    return info.format === 'ssgan-judge' ? { file: f.model, info } : undefined;
  } catch {
    return undefined;
  }
}

/** Supervised-only training: TrainConfig's `gan: false`. */
function supervisedOnly(): Partial<TrainConfig> {
  if (!('gan' in DEFAULTS)) throw new Error('this ssgan cannot train without the GAN (TrainConfig.gan), which the judge needs: pass --features model.onnx --features-output NAME instead');
  return { gan: false } as Partial<TrainConfig>;
}

/** Trains the dataset's judge, exports it beside the dataset and measures its test accuracy. */
export async function trainJudge(ds: Dataset, o: JudgeOptions = {}): Promise<Judge> {
  if (ds.train.length === 0) throw new Error(`${ds.dir}: no training images to train a judge on`);
  if (ds.test.length === 0) throw new Error(`${ds.dir}: no test images to check a judge on`);
  const epochs = o.epochs ?? judgeEpochs(ds.train.length);
  const out = o.out ?? process.stderr;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ssgan-judge-'));
  try {
    const config = validate({
      ...DEFAULTS,
      ...supervisedOnly(),
      dataset: ds.name,
      datasetDir: ds.dir,
      split: ds.splitKind,
      batchSize: JUDGE_TRAINING.batchSize,
      learningRateD: JUDGE_TRAINING.learningRateD,
      beta1: JUDGE_TRAINING.beta1,
      maxEpochs: epochs,
      lrDecayStart: 0,
      // One checkpoint, at the end; few log lines.
      outputSaveStep: 1e9,
      logStep: 500,
      writeSummaryStep: 1e9,
      testSampleStep: 1e9,
      trainDir: path.join(tmp, 'run'),
      threads: o.threads ?? DEFAULTS.threads,
      prefix: 'judge',
    });
    out.write(`Training the judge of ${ds.name}: seed model, supervised only, ${epochs} epochs of ${ds.train.length} training images, batch ${config.batchSize}\n`);
    const t0 = process.hrtime.bigint();
    const result = await train(config, out);
    const trainSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const ck = await loadCheckpoint(result.checkpoint, { threads: config.threads, device: 'cpu' }, 'inference');
    const f = judgeFiles(ds);
    const featureDim = featureWidth(ck.desc);
    if (featureDim === undefined) throw new Error('the judge model has no feature layer');
    const bytes = encodeModel(classifierModel(ck.desc, await checkpointWeights(ck), checkpointExportMeta(ck)));
    // The old judge's cached reference features are keyed by its bytes: they would never match again.
    if (fs.existsSync(f.model)) {
      const spec = judgeSpec(f.model);
      removeReference(ds, featureNetKey(fs.readFileSync(f.model), [spec.featuresOutput, spec.probabilitiesOutput as string]));
    }
    writeFileAtomic(f.model, bytes);
    const accuracy = await testAccuracy(f.model, ds, o.threads);
    const info: JudgeInfo = {
      format: 'ssgan-judge',
      dataset: ds.name,
      classifier: JUDGE_FILE,
      featureDim,
      classNames: ds.classNames,
      testAccuracy: accuracy.accuracy,
      testExamples: accuracy.examples,
      trainExamples: ds.train.length,
      epochs,
      steps: result.step,
      batchSize: config.batchSize,
      learningRate: config.learningRateD,
      trainSeconds,
      command: o.command ?? `ssgan score --dataset-dir ${ds.dir} --train-judge`,
      producer: `${PRODUCER} ${PRODUCER_VERSION}`,
      data: fingerprintData(ds),
    };
    writeFileAtomic(f.info, JSON.stringify(info, null, 1) + '\n');
    out.write(`Judge written to ${f.model}: test accuracy ${(100 * accuracy.accuracy).toFixed(2)}% (${accuracy.examples} images, onnxruntime), trained in ${trainSeconds.toFixed(1)} s\n`);
    return { file: f.model, info };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Accuracy of an exported classifier on the dataset's whole test split, with onnxruntime. */
export async function testAccuracy(file: string, ds: Dataset, threads?: number): Promise<{ accuracy: number; examples: number }> {
  const cls = await OnnxClassifier.open(file, { threads });
  try {
    const per = ds.h * ds.w * ds.c;
    let correct = 0;
    const chunk = 2000;
    for (let s = 0; s < ds.test.length; s += chunk) {
      const idx = ds.test.subarray(s, s + chunk);
      const images = new Uint8Array(idx.length * per);
      idx.forEach((e, i) => images.set(ds.images.subarray(e * per, (e + 1) * per), i * per));
      const { labels } = await cls.classify(images, idx.length);
      idx.forEach((e, i) => { if (labels[i] === ds.labels[e]) correct++; });
    }
    return { accuracy: correct / ds.test.length, examples: ds.test.length };
  } finally {
    await cls.release();
  }
}

/**
 * The dataset's judge: the saved one, or a new one when there is none, when `retrain` asks, or
 * when the saved one was trained on other data (the folder's content changed).
 */
export async function ensureJudge(ds: Dataset, o: JudgeOptions & { retrain?: boolean } = {}): Promise<Judge> {
  const saved = o.retrain ? undefined : readJudge(ds);
  const changed = saved?.info.data ? fingerprintDifference(saved.info.data, fingerprintData(ds)) : undefined;
  if (saved && !changed) return saved;
  if (changed) (o.out ?? process.stderr).write(`The judge in ${judgeDir(ds)} was trained on other data (now ${changed}): training it again\n`);
  return trainJudge(ds, o);
}
