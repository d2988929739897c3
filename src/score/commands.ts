// CLI wiring for `ssgan score`: generator quality in numbers, against the dataset's test split.
// The scoring code (onnxruntime, libtorch for checkpoints) loads inside the action.
import type { Command } from 'commander';
import { action, intArg } from '../cli-util';
import { availableCores, DEFAULTS } from '../config';
import type { ScoredImages } from './inputs';
import { JUDGE_TRAINING } from './judge-training';
import type { Scores } from './score';

interface ScoreFlags {
  checkpoint?: string; onnx?: string; images?: string;
  dataset?: string; datasetDir?: string; dataDir: string;
  n: number; seed: number; json: boolean; floor: boolean; threads: number;
  features?: string; featuresOutput?: string; featuresProbabilities?: string;
  trainJudge: boolean; judgeEpochs?: number;
}

const HELP = `
Metrics (features from the judge, or from --features; reference: the dataset's real test split):
  FID              Frechet distance between Gaussians fitted to the features of the scored images
                   and of the test split: |mu1 - mu2|^2 + tr(S1 + S2 - 2 (S1 S2)^1/2). Lower is
                   better; 0 means the same mean and covariance.
  KID              kernel inception distance: unbiased MMD^2 between the two feature sets with the
                   kernel k(x, y) = (x.y / d + 1)^3, mean +- standard deviation over 100 random
                   subsets of min(1000, n) from each (Binkowski et al. 2018; torch-fidelity's
                   defaults). Lower is better. Unbiased: unlike FID it does not grow as n shrinks,
                   and it can dip just below 0 when the two sets match.
  inception score  exp(E_x KL(p(y|x) || p(y))) over all scored images, p(y|x) the feature
                   network's class probabilities: high when each image is confidently one class
                   and the classes are balanced; at most K.
  coverage         classes holding >= 2% of the images by the class probabilities' argmax, and the
                   largest class's share (1/K when balanced; near 1 for a collapsed generator).
  floor            the same figures for as many real training images (not in the reference): what
                   real data scores at this n; read a generator's figures against it.

Feature network:
  By default the dataset's judge: a classifier ssgan trains once per dataset on all its labeled
  training images, supervised only (the seed model without the GAN; ${JUDGE_TRAINING.epochs} epochs and at least
  ${JUDGE_TRAINING.minSteps} steps of ${JUDGE_TRAINING.batchSize}), saved as <dataset>/judge/classifier.onnx beside judge.json (its
  test accuracy); its features are the discriminator's feature layer averaged over H and W.
  --train-judge rebuilds it. The test split's features are cached in <dataset>/judge/.
  --features model.onnx uses another network instead. It must take one input, float32 images
  [N, H, W, C] with raw pixel values 0..255 (channels last, as ssgan's classifier.onnx takes them),
  and --features-output names its output of features, float32 [N, F]. --features-probabilities
  names an output of class probabilities, float32 [N, K], for the inception score and coverage
  (without it those are not computed). FID's eigendecompositions grow as F^3: 4 s at F = 512.

Examples:
  ssgan score --checkpoint train_dir/<run>                    # 10,000 samples vs MNIST's test split
  ssgan score --onnx generator.onnx --dataset MNIST --json
  ssgan score --images samples.h5 --dataset MNIST --n 5000   # from ssgan sample --out samples.h5
  ssgan score --dataset MNIST --train-judge                  # (re)build the judge only
`;

/** 4 significant digits (plain notation down to 1e-4), or '-' for a figure not computed. */
function fmt(v: number | null): string {
  if (v === null) return '-';
  if (v === 0 || Math.abs(v) >= 1000) return v.toFixed(1);
  return Math.abs(v) >= 1e-4 ? String(Number(v.toPrecision(4))) : v.toExponential(2);
}

function rows(s: Scores): string[] {
  return [
    fmt(s.fid),
    `${fmt(s.kid)} +- ${fmt(s.kidStd)}`,
    fmt(s.inceptionScore),
    s.classesCovered === null ? '-' : `${s.classesCovered}/${s.classes}`,
    s.largestClassShare === null ? '-' : `${(100 * s.largestClassShare).toFixed(1)}%`,
  ];
}

function table(samples: Scores, floor: Scores | null): string {
  const names = ['FID', 'KID', 'inception score', 'classes covered (>= 2%)', 'largest class share'];
  const a = rows(samples);
  const b = floor ? rows(floor) : undefined;
  const w0 = Math.max(...names.map((x) => x.length));
  const w1 = Math.max(9, ...a.map((x) => x.length));
  const head = `${''.padEnd(w0)}  ${'images'.padStart(w1)}${b ? `  ${'real (floor)'.padStart(Math.max(12, ...b.map((x) => x.length)))}` : ''}`;
  const w2 = b ? Math.max(12, ...b.map((x) => x.length)) : 0;
  return [head, ...names.map((nm, i) => `${nm.padEnd(w0)}  ${a[i].padStart(w1)}${b ? `  ${b[i].padStart(w2)}` : ''}`)].join('\n');
}

function describeSource(s: ScoredImages): string {
  const step = s.source.step === null ? '' : ` (step ${s.source.step})`;
  if (s.source.kind === 'images') return `${s.n} images from ${s.source.path}`;
  return `${s.n} images from ${s.source.kind} ${s.source.path}${step}`;
}

export function registerScoreCommands(program: Command): void {
  program
    .command('score')
    .description('generator quality in numbers: FID, KID, inception score and class coverage against the real test split, with the real-data floor')
    .option('--checkpoint <path>', 'a model-<step> checkpoint or a train dir (its newest): samples from its generator')
    .option('--onnx <file>', 'an exported generator.onnx, instead of --checkpoint')
    .option('--images <file>', 'an HDF5 file with `image` [n, H, W, C] uint8 (ssgan sample --out x.h5), instead of a generator')
    .option('--dataset <name>', 'dataset folder under --data-dir (default: the one the checkpoint or generator.onnx was trained on)')
    .option('--dataset-dir <dir>', 'dataset folder path, instead of --dataset')
    .option('--data-dir <dir>', 'where datasets live', DEFAULTS.dataDir)
    .option('--n <n>', 'images to score (and real training images for the floor)', intArg('--n'), 10000)
    .option('--seed <s>', 'seed of the noise z (as ssgan sample --seed) and of the floor\'s draw', intArg('--seed'), 0)
    .option('--features <file>', 'an ONNX feature network instead of the judge (input and outputs below)')
    .option('--features-output <name>', 'the --features output holding features [N, F]')
    .option('--features-probabilities <name>', 'the --features output holding class probabilities [N, K] (inception score, coverage)')
    .option('--train-judge', 'retrain the dataset\'s judge (alone: only that)', false)
    .option('--judge-epochs <n>', `training epochs of a new judge (default: ${JUDGE_TRAINING.epochs}, or as many as make ${JUDGE_TRAINING.minSteps} steps of ${JUDGE_TRAINING.batchSize})`, intArg('--judge-epochs'))
    .option('--no-floor', 'skip the real-data floor')
    .option('--json', 'print one JSON object instead of the text report', false)
    .option('--threads <n>', 'intra-op threads of onnxruntime (and of judge training)', intArg('--threads'), availableCores())
    .addHelpText('after', HELP)
    .action(action('score', async (f: ScoreFlags) => {
      const t0 = process.hrtime.bigint();
      const { loadDataset, resolveDatasetDir } = await import('../data/dataset');
      if (f.n < 2) throw new Error(`--n ${f.n}: scoring needs at least 2 images`);
      if (f.threads < 1) throw new Error(`--threads ${f.threads}: must be at least 1`);
      if (f.judgeEpochs !== undefined && f.judgeEpochs < 1) throw new Error(`--judge-epochs ${f.judgeEpochs}: must be at least 1`);
      if (f.features && !f.featuresOutput) throw new Error(`--features ${f.features}: also name its features output with --features-output NAME`);
      if (!f.features && (f.featuresOutput || f.featuresProbabilities)) throw new Error('--features-output and --features-probabilities name outputs of --features model.onnx: pass it too');
      const hasInput = Boolean(f.checkpoint || f.onnx || f.images);
      const log = (line: string) => process.stderr.write(`${line}\n`);
      const where = f.datasetDir ? `--dataset-dir ${f.datasetDir}` : `--dataset <name>${f.dataDir !== DEFAULTS.dataDir ? ` --data-dir ${f.dataDir}` : ''}`;
      const rebuild = (name: string) => `ssgan score ${where.replace('<name>', name)} --train-judge${f.judgeEpochs ? ` --judge-epochs ${f.judgeEpochs}` : ''}`;

      if (!hasInput) {
        if (!f.trainJudge) throw new Error('nothing to score: pass --checkpoint <model-N | train dir>, --onnx <generator.onnx> or --images <samples.h5> (or --train-judge alone to build the judge)');
        if (f.features) throw new Error('--train-judge trains the judge, which --features replaces: pass one of them');
        const { ensureJudge } = await import('./judge');
        const ds = await loadDataset(resolveDatasetDir(f));
        const judge = await ensureJudge(ds, { retrain: true, epochs: f.judgeEpochs, threads: f.threads, command: rebuild(ds.name) });
        process.stdout.write(f.json ? `${JSON.stringify({ judge: judge.file, ...judge.info })}\n` : `judge ${judge.file}: test accuracy ${(100 * judge.info.testAccuracy).toFixed(2)}% on ${judge.info.testExamples} images\n`);
        return;
      }

      const { scoredImages } = await import('./inputs');
      const { Scorer } = await import('./score');
      const imgs = await scoredImages(f, f.n, f.seed, f.threads);
      const named = f.dataset ?? (f.datasetDir || imgs.datasetDir ? undefined : imgs.datasetName);
      if (!named && !f.datasetDir && !imgs.datasetDir) throw new Error(`--images ${f.images}: name the dataset the images imitate with --dataset NAME or --dataset-dir DIR`);
      const ds = await loadDataset(resolveDatasetDir({ dataset: named, datasetDir: f.datasetDir ?? (named ? undefined : imgs.datasetDir), dataDir: f.dataDir }));
      if (imgs.h !== ds.h || imgs.w !== ds.w || imgs.c !== ds.c) {
        throw new Error(`the images are ${imgs.h}x${imgs.w}x${imgs.c} but ${ds.dir} holds ${ds.h}x${ds.w}x${ds.c}: score against the dataset they imitate (--dataset)`);
      }
      const scorer = await Scorer.open(ds, {
        threads: f.threads,
        features: f.features ? { file: f.features, output: f.featuresOutput as string, probabilities: f.featuresProbabilities } : undefined,
        trainJudge: f.trainJudge,
        judge: { epochs: f.judgeEpochs, command: rebuild(ds.name) },
        log,
      });
      try {
        const samples = await scorer.score(imgs.images, imgs.n);
        const floor = f.floor ? await scorer.floor(imgs.n, f.seed) : null;
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        const ref = scorer.reference.features;
        const net = scorer.judge
          ? { kind: 'judge', file: scorer.judge.file, dim: ref.d, judgeTestAccuracy: scorer.judge.info.testAccuracy }
          : { kind: 'extractor', file: f.features as string, dim: ref.d, output: f.featuresOutput, probabilities: f.featuresProbabilities ?? null };
        if (f.json) {
          const source = { ...imgs.source, seed: imgs.source.kind === 'images' ? null : f.seed };
          process.stdout.write(`${JSON.stringify({ source, dataset: { name: ds.name, dir: ds.dir, referenceImages: ref.n }, features: net, samples, floor, seconds })}\n`);
          return;
        }
        const acc = scorer.judge ? `; test accuracy ${(100 * scorer.judge.info.testAccuracy).toFixed(2)}%` : '';
        const lines = [
          `score: ${describeSource(imgs)}${imgs.source.kind === 'images' ? '' : `, z seed ${f.seed}`}`,
          `reference: ${ds.name} test split, ${ref.n} images; features: ${net.kind} ${net.file} (${ref.d} per image${acc})`,
          '',
          table(samples, floor),
          '',
          `lower FID and KID are better, the inception score is at most ${samples.classes ?? 'K'}; the floor is what ${floor?.n ?? imgs.n} real training images score (${seconds.toFixed(1)} s)`,
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      } finally {
        await scorer.release();
      }
    }));
}
