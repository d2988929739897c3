/** Training configuration: defaults (the seed's), validation, and the train-dir naming. */
import * as os from 'node:os';
import * as path from 'node:path';
import type { DataFingerprint } from './data/fingerprint';
import { DECONV_TYPES, GENERATOR_KINDS, LOSS_KINDS, MODEL_KINDS, NORM_TYPES, type DeconvType, type GeneratorKind, type LossKind, type ModelKind, type NormType } from './model/describe';

/** The generator's objective: the seed's log sigmoid of the fake logit, feature matching, or the non-saturating -log D(G(z)). */
export type GeneratorLoss = 'seed' | 'feature-matching' | 'feature-matching-l1' | 'non-saturating';
export const GENERATOR_LOSSES: readonly GeneratorLoss[] = ['seed', 'feature-matching', 'feature-matching-l1', 'non-saturating'];

export type Device = 'cpu' | 'cuda' | 'auto';
export const DEVICES: readonly Device[] = ['cpu', 'cuda', 'auto'];

/** The dataset's recorded train/test split, or the seed's 80/20 seeded shuffle. */
export type SplitKind = 'official' | 'seed';
export const SPLIT_KINDS: readonly SplitKind[] = ['official', 'seed'];

/** A few-label run's unlabeled stream: the examples not labeled, or all of them. */
export type UnlabeledStream = 'rest' | 'all';
export const UNLABELED_STREAMS: readonly UnlabeledStream[] = ['rest', 'all'];

/** Adam's epsilon: PyTorch's m / (sqrt(v) + eps), or the official Improved-GAN code's m / sqrt(v + eps). */
export type AdamEpsilon = 'pytorch' | 'official';
export const ADAM_EPSILONS: readonly AdamEpsilon[] = ['pytorch', 'official'];

/**
 * The seed model's training recipe: ssgan's (a DCGAN-style generator, the non-saturating generator
 * loss, no reconstruction loss: varied samples within 5,000 steps) or the seed project's exact one
 * (its generator, its log-sigmoid generator loss, the annealed reconstruction loss), whose samples
 * collapse to one shape for thousands of steps (results/generator/README.md).
 */
export type Recipe = 'ssgan' | 'seed';
export const RECIPES: readonly Recipe[] = ['ssgan', 'seed'];

export type FakeBatchNorm = 'own' | 'real';
export const FAKE_BATCH_NORMS: readonly FakeBatchNorm[] = ['own', 'real'];

export type Precision = 'fp32' | 'bf16';
export const PRECISIONS: readonly Precision[] = ['fp32', 'bf16'];

/** paper-mnist's generator hidden dense layers: PyTorch's U(-1/sqrt(in), 1/sqrt(in)), or Glorot-uniform (the official code's Lasagne default, paper-mnist's). */
export type GeneratorInit = 'pytorch' | 'glorot';
export const GENERATOR_INITS: readonly GeneratorInit[] = ['pytorch', 'glorot'];

export interface TrainConfig {
  dataset: string;
  datasetDir?: string;
  dataDir: string;
  split: SplitKind;
  model: ModelKind;
  batchSize: number;
  nZ: number;
  normType: NormType;
  deconvType: DeconvType;
  /** Unset (checkpoints written without it): seed. */
  generator?: GeneratorKind;
  loss: LossKind;
  gLoss: GeneratorLoss;
  learningRateG: number;
  learningRateD: number;
  updateRate: number;
  maxTrainingSteps: number;
  logStep: number;
  writeSummaryStep: number;
  testSampleStep: number;
  outputSaveStep: number;
  prefix: string;
  trainDir?: string;
  checkpoint?: string;
  seed: number;
  threads: number;
  device: Device;
  alpha: number;
  clipNorm: number;
  beta1: number;
  reconWeight: number;
  reconSteps: number;
  emaDecay: number;
  /** Unset (checkpoints written without it): pytorch. */
  adamEpsilon?: AdamEpsilon;
  /** Few labels: this many labeled training examples, balanced over the classes (all when unset). */
  numLabeled?: number;
  labelSeed: number;
  /** Few labels: exactly the examples with the data ids listed in this JSON file. */
  labeledIds?: string;
  unlabeled: UnlabeledStream;
  /** Train for this many epochs (passes over the unlabeled stream) instead of --max-training-steps. */
  maxEpochs?: number;
  /** Learning rates decay linearly to 0 from this epoch to --max-epochs. */
  lrDecayStart?: number;
  /** Data-dependent initialisation of weight-normalised layers before the first step. */
  dataInit: boolean;
  /**
   * How the discriminator normalises generated batches in training: with their own batch statistics
   * (`own`, the seed's), or with the statistics of the real batch beside them (`real`), as inference
   * normalises every image with real data's statistics. Unset (checkpoints written without it): own.
   */
  fakeBatchNorm?: FakeBatchNorm;
  /**
   * The training passes' arithmetic: fp32, or bf16 convolutions and matrix products under autocast
   * (weights, gradients, Adam, normalisation and losses stay fp32; evaluation and export are fp32).
   * Unset (checkpoints written without it): fp32.
   */
  precision?: Precision;
  /** false: train the classifier alone, supervised, with no generator (a baseline for what the GAN adds). */
  gan: boolean;
  /** The paper models as the official code parametrised them: hidden gains fixed by the data init (see src/model/paper.ts). */
  officialInit?: boolean;
  /** paper-mnist's generator hidden dense layers' initialisation (its default: glorot). Unset (checkpoints written without it): pytorch. */
  generatorInit?: GeneratorInit;
  /** Not a flag: the identity of the training data, recorded when a run starts (src/data/fingerprint.ts). */
  dataFingerprint?: DataFingerprint;
  /**
   * Not a flag: the processes of a data-parallel run, each training on `batchSize` examples of a
   * global batch of processes x batchSize (src/train/world.ts). Unset: one.
   */
  processes?: number;
}

export const DEFAULTS: TrainConfig = {
  dataset: 'MNIST',
  dataDir: 'datasets',
  split: 'official',
  model: 'seed',
  batchSize: 32,
  nZ: 128,
  normType: 'batch',
  deconvType: 'bilinear',
  generator: 'dcgan',
  loss: 'seed',
  gLoss: 'non-saturating',
  learningRateG: 1e-4,
  learningRateD: 1e-4,
  updateRate: 1,
  maxTrainingSteps: 5000,
  logStep: 10,
  writeSummaryStep: 100,
  testSampleStep: 100,
  outputSaveStep: 1000,
  prefix: 'default',
  seed: 0,
  threads: availableCores(),
  device: 'auto',
  alpha: 0.9, // one-sided label smoothing: the fake target's probability of "generated"
  clipNorm: 20,
  beta1: 0.5,
  reconWeight: 0, // initial weight of the annealed reconstruction loss (off; the seed's recipe: 10) ...
  reconSteps: 1500, // ... falling linearly to 0 over this many steps
  emaDecay: 0,
  adamEpsilon: 'pytorch',
  labelSeed: 1,
  unlabeled: 'all',
  dataInit: true,
  gan: true,
};

/** The settings a recipe changes from ssgan's defaults (the seed model only). */
export function recipeDefaults(recipe: string): Partial<TrainConfig> {
  return oneOf('--recipe', recipe, RECIPES) === 'seed' ? { generator: 'seed', gLoss: 'seed', reconWeight: 10 } : {};
}

/** The paper's settings for its own architectures, used where the command line does not say. */
export function modelDefaults(model: ModelKind): Partial<TrainConfig> {
  if (model === 'seed') return {};
  // The official code's average, a += 1e-4 (p - a); results/README.md compares it with 0.999.
  const common: Partial<TrainConfig> = { batchSize: 100, nZ: 100, loss: 'improved-gan', gLoss: 'feature-matching', emaDecay: 0.9999 };
  // The paper models as the official code built and trained them: its init (hidden gains fixed by
  // the data init) and its unclipped Adam with epsilon inside the root (paper-mnist measured against
  // the alternatives in results/cpu/README.md).
  const official: Partial<TrainConfig> = { dataInit: true, officialInit: true, clipNorm: 0, adamEpsilon: 'official' };
  // Its generator as the official code started it (Glorot): with PyTorch's smaller init the
  // discriminator outran the generator for the first 10-20 epochs (results/cpu/README.md).
  if (model === 'paper-mnist') return { ...common, ...official, generatorInit: 'glorot', learningRateG: 3e-3, learningRateD: 3e-3 };
  // The official CIFAR-10 / SVHN code matched features by their absolute difference.
  return { ...common, ...official, gLoss: 'feature-matching-l1', learningRateG: 3e-4, learningRateD: 3e-4 };
}

export function availableCores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) throw new Error(`${flag} ${value}: must be one of ${allowed.join(', ')}`);
  return value as T;
}

function positiveInt(flag: string, v: number, allowZero = false): void {
  if (!Number.isInteger(v) || v < (allowZero ? 0 : 1)) throw new Error(`${flag} ${v}: must be a ${allowZero ? 'non-negative' : 'positive'} integer`);
}

function positiveNumber(flag: string, v: number): void {
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${flag} ${v}: must be a positive number`);
}

/** The flag of a TrainConfig key: learningRateD -> --learning-rate-d, dataInit false -> --no-data-init. */
export function flagOf(key: string, value?: unknown): string {
  const name = FLAG_NAMES[key] ?? key.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`);
  return `--${value === false ? 'no-' : ''}${name}`;
}

/** Settings whose flag is not their name in kebab-case. */
const FLAG_NAMES: Record<string, string> = { scoreSamples: 'score-every-checkpoint' };

/** A typed flag as written: `--learning-rate-d 0.1`, `--no-data-init`. */
export function typedFlag(key: string, value: unknown): string {
  return typeof value === 'boolean' ? flagOf(key, value) : `${flagOf(key)} ${value}`;
}

/**
 * Flags typed together where one would silently win over, or do nothing beside, the other.
 * `typed`: the flags given on the command line (TrainConfig keys); defaults never contradict.
 */
function refuseContradictions(c: TrainConfig, typed: ReadonlySet<string>): void {
  const t = (k: keyof TrainConfig) => typed.has(k);
  const f = (k: keyof TrainConfig) => typedFlag(k, c[k]);
  const refuse = (msg: string) => { throw new Error(msg); };
  if (t('maxTrainingSteps') && t('maxEpochs'))
    refuse(`${f('maxTrainingSteps')} and ${f('maxEpochs')} both set the length of the run: pass one (--max-epochs counts passes over the data)`);
  if (t('dataset') && t('datasetDir')) refuse(`${f('dataset')} and ${f('datasetDir')} both name the dataset: pass one`);
  if (t('dataDir') && t('datasetDir')) refuse(`${f('dataDir')} does nothing with ${f('datasetDir')} (a dataset folder anywhere): pass one`);
  if (t('labelSeed') && c.labeledIds !== undefined)
    refuse(`${f('labelSeed')} does nothing with --labeled-ids ${c.labeledIds} (the file names the labeled examples): drop --label-seed`);
  if (t('labelSeed') && c.numLabeled === undefined && c.labeledIds === undefined)
    refuse(`${f('labelSeed')} chooses the examples of --num-labeled, which is not given (every example is labeled): add --num-labeled or drop --label-seed`);
  if (t('unlabeled') && c.numLabeled === undefined && c.labeledIds === undefined)
    refuse(`${f('unlabeled')} applies with --num-labeled or --labeled-ids, and neither is given (every example is labeled): add one or drop --unlabeled`);
  if (t('updateRate') && c.loss === 'improved-gan')
    refuse(`${f('updateRate')} does nothing with --loss improved-gan (each step is one discriminator and one generator update): drop --update-rate or use --loss seed`);
  for (const k of ['normType', 'deconvType', 'generator'] as const)
    if (t(k) && c.model !== 'seed') refuse(`${f(k)} does nothing with --model ${c.model} (its layers are the paper's): drop ${flagOf(k)} or use --model seed`);
  if (t('dataInit') && c.dataInit && c.model === 'seed') refuse(`--data-init does nothing with --model seed (it has no weight-normalised layers): drop --data-init or use a paper model`);
  if (t('prefix') && c.trainDir !== undefined) refuse(`${f('prefix')} names the default train dir, and ${typedFlag('trainDir', c.trainDir)} replaces it: pass one`);
}

/**
 * Throws a one-line error naming the flag for any out-of-range value, and, given the flags typed
 * on the command line, naming both flags of a contradictory pair.
 */
export function validate(c: TrainConfig, typed?: ReadonlySet<string>): TrainConfig {
  if (typed) refuseContradictions(c, typed);
  oneOf('--model', c.model, MODEL_KINDS);
  oneOf('--norm-type', c.normType, NORM_TYPES);
  oneOf('--deconv-type', c.deconvType, DECONV_TYPES);
  oneOf('--loss', c.loss, LOSS_KINDS);
  oneOf('--g-loss', c.gLoss, GENERATOR_LOSSES);
  if (c.generator !== undefined) oneOf('--generator', c.generator, GENERATOR_KINDS);
  if (c.fakeBatchNorm !== undefined) oneOf('--fake-batch-norm', c.fakeBatchNorm, FAKE_BATCH_NORMS);
  if (c.precision !== undefined) oneOf('--precision', c.precision, PRECISIONS);
  if (c.generatorInit !== undefined) oneOf('--generator-init', c.generatorInit, GENERATOR_INITS);
  if (c.generatorInit === 'glorot' && c.model !== 'paper-mnist')
    throw new Error(`--generator-init glorot: written for paper-mnist's dense generator, not --model ${c.model}: drop --generator-init`);
  oneOf('--device', c.device, DEVICES);
  oneOf('--split', c.split, SPLIT_KINDS);
  positiveInt('--batch-size', c.batchSize);
  positiveInt('--n-z', c.nZ);
  positiveInt('--update-rate', c.updateRate, true);
  positiveInt('--max-training-steps', c.maxTrainingSteps);
  positiveInt('--log-step', c.logStep);
  positiveInt('--write-summary-step', c.writeSummaryStep);
  positiveInt('--test-sample-step', c.testSampleStep);
  positiveInt('--output-save-step', c.outputSaveStep);
  positiveInt('--threads', c.threads);
  positiveInt('--seed', c.seed, true);
  positiveNumber('--learning-rate-g', c.learningRateG);
  positiveNumber('--learning-rate-d', c.learningRateD);
  if (!(c.reconWeight >= 0)) throw new Error(`--recon-weight ${c.reconWeight}: must be a non-negative number (0 turns the reconstruction loss off)`);
  positiveInt('--recon-steps', c.reconSteps);
  if (!(c.clipNorm >= 0)) throw new Error(`--clip-norm ${c.clipNorm}: must be a non-negative number (0 turns clipping off)`);
  if (!(c.emaDecay >= 0 && c.emaDecay < 1)) throw new Error(`--ema-decay ${c.emaDecay}: must be in [0, 1)`);
  oneOf('--unlabeled', c.unlabeled, UNLABELED_STREAMS);
  if (c.adamEpsilon !== undefined) oneOf('--adam-epsilon', c.adamEpsilon, ADAM_EPSILONS);
  if (c.numLabeled !== undefined) positiveInt('--num-labeled', c.numLabeled);
  if (c.numLabeled !== undefined && c.labeledIds !== undefined)
    throw new Error(`--labeled-ids ${c.labeledIds}: the file says which examples are labeled, so drop --num-labeled ${c.numLabeled}`);
  if (c.officialInit && c.model === 'seed') throw new Error(`--official-init: the official code's parametrisation is built for the paper models (paper-mnist, paper-cifar, paper-svhn), not --model ${c.model}`);
  if (c.officialInit && !c.dataInit) throw new Error('--official-init fixes the hidden gains where the data-dependent init puts them: drop --no-data-init, or add --no-official-init');
  if (c.maxEpochs !== undefined) positiveInt('--max-epochs', c.maxEpochs);
  if (c.processes !== undefined) positiveInt('the number of processes', c.processes);
  if (c.lrDecayStart !== undefined) {
    positiveInt('--lr-decay-start', c.lrDecayStart, true);
    if (c.maxEpochs === undefined || c.lrDecayStart >= c.maxEpochs)
      throw new Error(`--lr-decay-start ${c.lrDecayStart}: needs --max-epochs greater than it (the rate reaches 0 at --max-epochs)`);
  }
  return c;
}

function timestamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** The seed's naming: train_dir/<prefix>-<DATASET>_lr_g_<lr>_d_<lr>_update_G<r>D1-<YYYYmmdd-HHMMSS>. */
export function defaultTrainDir(c: TrainConfig, now = new Date()): string {
  const name = `${c.prefix}-${c.dataset}_lr_g_${c.learningRateG}_d_${c.learningRateD}_update_G${c.updateRate}D1-${timestamp(now)}`;
  return path.join('train_dir', name);
}

/** Learning-rate factor at an epoch: 1, then falling linearly to 0 from lrDecayStart to maxEpochs. */
export function lrFactorAt(c: Pick<TrainConfig, 'lrDecayStart' | 'maxEpochs'>, epoch: number): number {
  if (c.lrDecayStart === undefined || c.maxEpochs === undefined) return 1;
  return Math.min(1, Math.max(0, (c.maxEpochs - epoch) / (c.maxEpochs - c.lrDecayStart)));
}
