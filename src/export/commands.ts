// CLI wiring for `ssgan export --onnx`.
import * as path from 'node:path';
import type { Command } from 'commander';
import { action, intArg } from '../cli-util';

export function registerExportCommands(program: Command): void {
  program
    .command('export')
    .description('write classifier.onnx and generator.onnx from a checkpoint (see examples/README.md for their contract)')
    .option('--onnx', 'export ONNX models (the one export format)', false)
    .requiredOption('--checkpoint <path>', 'a model-<step> checkpoint, or a train dir (its newest checkpoint)')
    .option('--out <dir>', 'output folder (default: <checkpoint>/onnx)')
    .option('--threads <n>', 'libtorch intra-op threads while loading', intArg('--threads'), 1)
    .action(action('export', async (opts: { onnx: boolean; checkpoint: string; out?: string; threads: number }) => {
      if (!opts.onnx) throw new Error('pass --onnx (ONNX is the export format)');
      const { loadCheckpoint } = await import('../checkpoint/load');
      const { exportCheckpoint } = await import('./from-checkpoint');
      const ck = await loadCheckpoint(opts.checkpoint, { threads: opts.threads, device: 'cpu' });
      const out = opts.out ?? path.join(ck.dir, 'onnx');
      const files = await exportCheckpoint(ck, out);
      process.stdout.write(`exported checkpoint ${ck.dir} (step ${ck.step})\n${files.classifier}\n${files.generator}\n`);
    }));
}
