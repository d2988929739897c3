/** `ssgan train`: the seed's flags in kebab-case, defaults from src/config.ts. */
import type { Command } from 'commander';
import { action, choiceList, intArg, numberArg } from '../cli-util';
import { DEFAULTS, DEVICES, modelDefaults, recipeDefaults, validate, type TrainConfig } from '../config';
import { DECONV_TYPES, GENERATOR_KINDS, MODEL_KINDS, NORM_TYPES } from '../model/describe';
import { followLauncher, launch, withoutLaunchFlags } from './launch';
import { DEFAULT_DIST_TIMEOUT, DEFAULT_MASTER_ADDR, DEFAULT_MASTER_PORT, readWorld, type DistFlags } from './world';

type DistOptions = DistFlags & { nprocPerNode: number; nnodes: number; nodeRank: number };
const DIST_KEYS = ['nprocPerNode', 'nnodes', 'nodeRank', 'masterAddr', 'masterPort', 'distTimeout', 'distBackend'] as const;

/** Removes the data-parallel flags from the options (they are not recorded with the run). */
function takeDistOptions(opts: Record<string, unknown>): DistOptions {
  const dist = Object.fromEntries(DIST_KEYS.map((k) => [k, opts[k]])) as unknown as DistOptions;
  for (const k of DIST_KEYS) delete opts[k];
  return dist;
}

/** A stream that drops what it is given (the output of ranks other than 0). */
function silent(): NodeJS.WriteStream {
  return { isTTY: false, columns: 80, write: () => true } as unknown as NodeJS.WriteStream;
}

/** `--nproc-per-node` / `--nnodes`: this machine's processes of the run, each an `ssgan train` with torchrun's variables. */
async function launchRanks(dist: DistOptions, cmd: Command): Promise<number> {
  if (process.env.WORLD_SIZE !== undefined) throw new Error(`--nproc-per-node ${dist.nprocPerNode}: this process is already one of ${process.env.WORLD_SIZE} started by a launcher (WORLD_SIZE is set); drop --nproc-per-node`);
  if (!(dist.nprocPerNode >= 1)) throw new Error(`--nproc-per-node ${dist.nprocPerNode}: must be a positive integer`);
  if (!(dist.nnodes >= 1)) throw new Error(`--nnodes ${dist.nnodes}: must be a positive integer`);
  if (!(dist.nodeRank >= 0 && dist.nodeRank < dist.nnodes)) throw new Error(`--node-rank ${dist.nodeRank}: must be in 0..${dist.nnodes - 1} (--nnodes ${dist.nnodes})`);
  const world = readWorld({}, { ...dist, masterAddr: dist.masterAddr ?? process.env.MASTER_ADDR, masterPort: dist.masterPort ?? (process.env.MASTER_PORT ? Number(process.env.MASTER_PORT) : undefined) });
  const args = withoutLaunchFlags(process.argv.slice(2));
  // The machine's cores shared among its processes, unless --threads says otherwise.
  if (cmd.getOptionValueSource('threads') !== 'cli') args.push('--threads', String(Math.max(1, Math.floor(DEFAULTS.threads / dist.nprocPerNode))));
  return launch(args, { nprocPerNode: dist.nprocPerNode, nnodes: dist.nnodes, nodeRank: dist.nodeRank, masterAddr: world.masterAddr, masterPort: world.masterPort });
}

export function registerTrainCommands(program: Command): void {
  const d = DEFAULTS;
  program
    .command('train')
    .description('train an SSGAN (classifier + generator) on a dataset in the seed\'s HDF5 layout')
    .option('--dataset <name>', 'dataset folder under --data-dir (MNIST, SVHN, CIFAR10 or your own)', d.dataset)
    .option('--dataset-dir <path>', 'a dataset folder anywhere (data.hdf5 + id.txt); overrides --dataset')
    .option('--data-dir <dir>', 'where datasets live', d.dataDir)
    .option('--split <kind>', 'official (recorded train/test split) or seed (80/20 seeded shuffle)', d.split)
    .option('--model <kind>', `architecture: ${choiceList(MODEL_KINDS)} (the paper models default to its batch size, n_z, learning rates, losses and --ema-decay 0.9999)`, d.model)
    .option('--batch-size <n>', 'examples per batch (per process in a data-parallel run: the global batch is processes x n)', intArg('--batch-size'), d.batchSize)
    .option('--n-z <n>', 'generator noise dimension', intArg('--n-z'), d.nZ)
    .option('--norm-type <type>', choiceList(NORM_TYPES), d.normType)
    .option('--deconv-type <type>', `generator upsampling: ${choiceList(DECONV_TYPES)}`, d.deconvType)
    .option('--recipe <name>', `the seed model's recipe: ssgan (a DCGAN-style generator, --g-loss non-saturating, no reconstruction loss: varied samples within 5,000 steps) or seed (the seed project's exact recipe: --generator seed --g-loss seed --recon-weight 10, whose samples collapse to one shape for thousands of steps); flags typed beside it win`, 'ssgan')
    .option('--generator <kind>', `the seed model's generator: ${choiceList(GENERATOR_KINDS)} (seed: from a 1 x 1 map, as the seed project; dcgan: from a dense layer to an H/4 x W/4 map)`, d.generator)
    .option('--loss <kind>', 'seed (K+1-way softmax with smoothing) or improved-gan', d.loss)
    .option('--g-loss <kind>', 'generator loss: seed (log sigmoid of the fake-class logit, as the seed), feature-matching (match the mean of the discriminator\'s features on real images: their mean squared difference; paper-mnist\'s default), feature-matching-l1 (their mean absolute difference; paper-cifar\'s and paper-svhn\'s default, as the official code) or non-saturating (-log D(G(z)) on the K+1 softmax)', d.gLoss)
    .option('--recon-weight <w>', 'seed recipe: initial weight of the reconstruction loss Huber(real, G(z)) in the generator loss, annealed to 0 (0: off)', numberArg('--recon-weight'), d.reconWeight)
    .option('--recon-steps <n>', 'seed recipe: steps over which the reconstruction weight falls to 0', intArg('--recon-steps'), d.reconSteps)
    .option('--fake-batch-norm <stats>', 'how the discriminator\'s batch norms normalise generated batches in training: own (their own batch statistics, the seed\'s) or real (the statistics of the real batch beside them, as inference normalises every image)')
    .option('--no-gan', 'train the classifier alone on the labeled examples (no generator, no unlabeled loss): the baseline that shows what the GAN adds')
    .option('--learning-rate-g <lr>', 'generator learning rate', numberArg('--learning-rate-g'), d.learningRateG)
    .option('--learning-rate-d <lr>', 'discriminator learning rate', numberArg('--learning-rate-d'), d.learningRateD)
    .option('--update-rate <n>', 'generator updates per discriminator update', intArg('--update-rate'), d.updateRate)
    .option('--max-training-steps <n>', 'train until this many steps', intArg('--max-training-steps'), d.maxTrainingSteps)
    .option('--log-step <n>', 'print a training line every n steps', intArg('--log-step'), d.logStep)
    .option('--write-summary-step <n>', 'TensorBoard summaries and metrics.jsonl every n steps', intArg('--write-summary-step'), d.writeSummaryStep)
    .option('--test-sample-step <n>', 'evaluate a test batch every n steps', intArg('--test-sample-step'), d.testSampleStep)
    .option('--output-save-step <n>', 'checkpoint and sample grid every n steps', intArg('--output-save-step'), d.outputSaveStep)
    .option('--clip-norm <n>', 'clip gradients to this global norm (the seed\'s trick; 0: off)', numberArg('--clip-norm'), d.clipNorm)
    .option('--adam-epsilon <where>', "pytorch: Adam's m / (sqrt(v) + 1e-8), or official: the Improved-GAN code's m / sqrt(v + 1e-8), which damps parameters with gradients below ~1e-4", d.adamEpsilon)
    .option('--ema-decay <d>', 'keep a moving average of the classifier weights for evaluation and export (0: off)', numberArg('--ema-decay'), d.emaDecay)
    .option('--num-labeled <n>', 'train with only n labeled examples, n / K per class (default: all labeled)', intArg('--num-labeled'))
    .option('--label-seed <n>', 'seed of the labeled-example choice', intArg('--label-seed'), d.labelSeed)
    .option('--labeled-ids <file>', 'train with exactly these labeled examples: a JSON list of data ids, or the labeled.json of another run')
    .option('--unlabeled <which>', 'unlabeled stream: rest (all but the labeled) or all', d.unlabeled)
    .option('--max-epochs <n>', 'train for n epochs (passes over the unlabeled stream) instead of --max-training-steps', intArg('--max-epochs'))
    .option('--lr-decay-start <epoch>', 'decay learning rates linearly to 0 from this epoch to --max-epochs', intArg('--lr-decay-start'))
    .option('--data-init', 'data-dependent initialisation of weight-normalised layers (the paper models do it by default)')
    .option('--no-data-init', 'PyTorch\'s default initialisation only (with a paper model, add --no-official-init)')
    .option('--official-init', 'the paper models as the official code parametrised them (their default, with --data-init): directions N(0, 0.1) (MNIST) or N(0, 0.05) (CIFAR/SVHN), hidden gains fixed where the data init puts them, generator batch norms with a learned shift; src/model/paper.ts')
    .option('--no-official-init', 'the paper models with PyTorch\'s default init and trainable gains')
    .option('--generator-init <init>', 'paper-mnist\'s generator hidden dense layers: pytorch (U(-1/sqrt(in), 1/sqrt(in)) weights and biases) or glorot (Glorot-uniform weights, zero biases: the official code\'s, and paper-mnist\'s default)')
    .option('--score-every-checkpoint [n]', 'at every checkpoint, score n (default 10,000) generated samples as `ssgan score` does (FID, KID, inception score, class coverage against the test split; score/* summaries and metrics.jsonl lines); costs time', (v: string) => intArg('--score-every-checkpoint')(v))
    .option('--prefix <name>', 'train dir name prefix', d.prefix)
    .option('--train-dir <dir>', 'where logs and checkpoints go (default: train_dir/<prefix>-<dataset>_lr_..._<time>)')
    .option('--checkpoint <path>', 'resume from a model-<step> checkpoint, or the newest intact one in a train dir; other flags must equal the run\'s, except --max-training-steps, --max-epochs, --lr-decay-start, --ema-decay, --threads, --device, --precision, --log-step, --write-summary-step, --output-save-step, and --dataset / --data-dir / --dataset-dir for the same data at a new location')
    .option('--seed <n>', 'random seed (weights, noise, batch order)', intArg('--seed'), d.seed)
    .option('--threads <n>', 'libtorch intra-op threads', intArg('--threads'), d.threads)
    .option('--device <device>', choiceList(DEVICES), d.device)
    .option('--precision <p>', 'the training passes\' arithmetic: fp32, or bf16 (convolutions and matrix products in bfloat16 under autocast, on CPUs with AVX-512 BF16 and on CUDA; weights, gradients, Adam, normalisation and losses stay fp32; evaluation and export are fp32). Default fp32')
    .option('--nproc-per-node <n>', 'data-parallel training, as PyTorch\'s DistributedDataParallel: start n processes on this machine, each training on --batch-size examples of every global batch and averaging gradients after every backward pass (c10d, Gloo); batch-norm statistics are per process; rank 0 alone writes the train dir. torchrun (RANK, WORLD_SIZE, ...) and Slurm\'s srun (SLURM_PROCID, SLURM_NTASKS) start the processes without it', intArg('--nproc-per-node'), 1)
    .option('--nnodes <n>', 'data-parallel training over n machines, each running --nproc-per-node processes', intArg('--nnodes'), 1)
    .option('--node-rank <r>', 'this machine\'s index among --nnodes (0 serves the rendezvous)', intArg('--node-rank'), 0)
    .option('--master-addr <host>', `address of rank 0's machine (default: MASTER_ADDR, else ${DEFAULT_MASTER_ADDR})`)
    .option('--master-port <port>', `a free TCP port there for the rendezvous (default: MASTER_PORT, else ${DEFAULT_MASTER_PORT})`, intArg('--master-port'))
    .option('--dist-timeout <seconds>', 'how long the processes wait for each other (rendezvous, and every gradient exchange) before failing', numberArg('--dist-timeout'), DEFAULT_DIST_TIMEOUT)
    .option('--dist-backend <name>', 'c10d backend: gloo (nccl is refused: the addon exchanges gradients through Gloo)', 'gloo')
    .action(
      action('train', async (opts: Partial<TrainConfig> & { scoreEveryCheckpoint?: true | number; recipe?: string } & Partial<DistOptions>, cmd: Command) => {
        // Where the processes of a data-parallel run meet: not training settings, not recorded.
        const dist = takeDistOptions(opts);
        if (dist.nprocPerNode > 1 || dist.nnodes > 1) {
          process.exitCode = await launchRanks(dist, cmd);
          return;
        }
        followLauncher();
        const world = readWorld(process.env, dist);
        if (world.size > 1) await (await import('../native/addon')).native().joinProcessGroup({ rank: world.rank, world: world.size, masterAddr: world.masterAddr, masterPort: world.masterPort, timeoutMs: world.timeoutMs, backend: world.backend, agentStorePrefix: world.agentStorePrefix ?? '' });
        // Rank 0 speaks for the run; the other ranks print their errors only.
        const out = world.rank === 0 ? process.stdout : silent();
        // Options given on the command line win over the recipe's and the chosen model's defaults, which win over ours.
        const typed: Partial<TrainConfig> & { scoreEveryCheckpoint?: unknown; recipe?: string } = Object.fromEntries(Object.entries(opts).filter(([k]) => cmd.getOptionValueSource(k) === 'cli'));
        // A recipe is a set of flags, recorded as the flags it sets.
        const recipe = String(opts.recipe);
        const recipeTyped = cmd.getOptionValueSource('recipe') === 'cli';
        delete opts.recipe;
        delete typed.recipe;
        const recipeFlags = recipeDefaults(recipe);
        if (recipeTyped && (opts.model ?? d.model) !== 'seed')
          throw new Error(`--recipe ${recipe} does nothing with --model ${opts.model} (its recipe is the paper's): drop --recipe or use --model seed`);
        const given = recipeTyped ? { ...recipeFlags, ...typed } : typed;
        // Monitoring, not a training setting: not recorded in the run's configuration.
        const scoreN = opts.scoreEveryCheckpoint;
        delete opts.scoreEveryCheckpoint;
        delete given.scoreEveryCheckpoint;
        const watch = scoreN === undefined || world.rank !== 0 ? undefined : (await import('../score/watch')).scoreWatch(scoreN === true ? 10_000 : scoreN, opts.threads ?? d.threads);
        const { resume, train } = await import('./setup');
        let r;
        if (given.checkpoint !== undefined) {
          // The checkpoint's settings, with what was typed checked against them (setup.ts);
          // threads and device follow this machine.
          r = await resume({ threads: d.threads, device: d.device, ...given, checkpoint: String(given.checkpoint) }, out, watch, world);
        } else r = await train(validate({ ...DEFAULTS, ...opts, ...modelDefaults(opts.model ?? d.model), ...given }, new Set(Object.keys(given))), out, watch, world);
        out.write(`${r.stopped ? 'Stopped' : 'Finished'} at step ${r.step}: ${r.checkpoint}\n`);
      }),
    );
}
