// CLI wiring for `ssgan eval` and `ssgan sample`. Each action loads its implementation: onnxruntime
// and the libtorch addon only where the command uses them.
import { Option, type Command } from 'commander';
import { action, exactlyOne, intArg } from '../cli-util';
import { availableCores, DEFAULTS } from '../config';
import type { BackendChoice } from './run-eval';
import type { Samples } from '../native/samples';

interface EvalFlags {
  dataset?: string; datasetDir?: string; dataDir: string; checkpoint?: string; onnx?: string;
  backend: BackendChoice; json: boolean; dataId?: string[]; batchSize?: number; threads: number;
}

interface SampleFlags { checkpoint?: string; onnx?: string; out: string; n: number; seed: number; threads: number }

export function registerEvalCommands(program: Command): void {
  program
    .command('eval')
    .description('classification accuracy, per-class accuracy and confusion matrix over the test split, via onnxruntime by default')
    .option('--dataset <name>', 'dataset folder under --data-dir (default: the one the checkpoint was trained on)')
    .option('--dataset-dir <dir>', 'dataset folder path, instead of --dataset')
    .option('--data-dir <dir>', 'where datasets live', DEFAULTS.dataDir)
    .option('--checkpoint <path>', 'a model-<step> checkpoint or a train dir (its newest); exported to ONNX on the fly for --backend onnx')
    .option('--onnx <file>', 'an exported classifier.onnx, instead of --checkpoint')
    .addOption(new Option('--backend <name>', 'onnx (onnxruntime), torch (the libtorch addon) or both (compares predictions and speed)').choices(['onnx', 'torch', 'both']).default('onnx'))
    .option('--json', 'print one JSON object instead of the text report', false)
    .option('--data-id <ids...>', 'evaluate only these example ids')
    .option('--batch-size <n>', 'images per forward pass (default: 100 with onnxruntime, 500 with libtorch)', intArg('--batch-size'))
    .option('--threads <n>', 'intra-op threads of either backend', intArg('--threads'), availableCores())
    .action(action('eval', async (f: EvalFlags) => {
      const { runEval } = await import('./run-eval');
      const { formatReport, reportJson } = await import('./report');
      const report = await runEval({ ...f, dataIds: f.dataId });
      process.stdout.write(f.json ? `${JSON.stringify(reportJson(report))}\n` : `${formatReport(report)}\n`);
      await exitWhenDone();
    }));

  program
    .command('sample')
    .description('a grid of generated images as PNG, or an HDF5 dataset `image` [n, H, W, C] uint8 for --out *.h5')
    .option('--checkpoint <path>', 'a model-<step> checkpoint or a train dir (its newest)')
    .option('--onnx <file>', 'an exported generator.onnx, instead of --checkpoint')
    .requiredOption('--out <file>', 'output .png, or .h5/.hdf5')
    .option('--n <n>', 'number of images', intArg('--n'), 64)
    .option('--seed <s>', 'seed of the noise z', intArg('--seed'), 0)
    .option('--threads <n>', 'intra-op threads', intArg('--threads'), availableCores())
    .action(action('sample', async (f: SampleFlags) => {
      exactlyOne([f.checkpoint, '--checkpoint <model-N | train dir>'], [f.onnx, '--onnx <generator.onnx>']);
      if (f.n < 1) throw new Error(`--n ${f.n}: need at least one image`);
      let s: Samples;
      let what: string;
      if (f.onnx) {
        const { OnnxGenerator } = await import('./onnx-generator');
        const { sampleOnnx } = await import('./sample');
        const gen = await OnnxGenerator.open(f.onnx, { threads: f.threads });
        s = await sampleOnnx(gen, f.n, f.seed);
        what = `${f.onnx} (step ${gen.meta.step ?? 'unknown'})`;
        await gen.release();
      } else {
        const { loadCheckpoint } = await import('../checkpoint/load');
        const { sampleTorch } = await import('../native/samples');
        const ck = await loadCheckpoint(f.checkpoint as string, { threads: f.threads, device: 'cpu' });
        s = await sampleTorch(ck.model, { ...ck.desc.config, zLow: ck.desc.zLow, zHigh: ck.desc.zHigh }, f.n, f.seed);
        what = `checkpoint ${ck.dir} (step ${ck.step})`;
      }
      const { writeSamples } = await import('./sample');
      await writeSamples(f.out, s);
      process.stdout.write(`wrote ${f.out}: ${s.n} images ${s.h}x${s.w}x${s.c} from ${what}\n`);
      await exitWhenDone();
    }));
}

/** Everything is written and nothing is pending: skip libtorch's teardown when it was loaded. */
async function exitWhenDone(): Promise<void> {
  const { exitWhenWritten } = await import('../native/addon');
  await exitWhenWritten(process.exitCode === undefined ? 0 : Number(process.exitCode));
}
