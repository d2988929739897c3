// CLI wiring for the summary tools: `ssgan visualize`.
import { InvalidArgumentError, type Command } from 'commander';

export function registerSummaryCommands(program: Command): void {
  program
    .command('visualize')
    .description('write DIR/training.gif from the sample grids and loss/accuracy plots into DIR/plots/')
    .requiredOption('--train-dir <dir>', 'train dir written by `ssgan train`')
    .option('--frame-ms <ms>', 'milliseconds per GIF frame', (v) => parsePositiveInt('--frame-ms', v), 200)
    .option('--max-frames <n>', 'subsample long runs to at most this many GIF frames', (v) => parsePositiveInt('--max-frames', v), 300)
    .action(async (opts: { trainDir: string; frameMs: number; maxFrames: number }) => {
      try {
        const { visualize } = await import('./visualize');
        const res = await visualize(opts.trainDir, { frameDelayMs: opts.frameMs, maxFrames: opts.maxFrames });
        for (const w of res.warnings) process.stderr.write(`warning: ${w}\n`);
        if (res.gif) process.stdout.write(`wrote ${res.gif} (${res.gifFrames} frames)\n`);
        for (const p of res.plots) process.stdout.write(`wrote ${p}\n`);
      } catch (e) {
        process.stderr.write(`ssgan visualize: ${(e as Error).message}\n`);
        process.exitCode = 1;
      }
    });
}

function parsePositiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${flag} must be a positive integer, got "${v}"`);
  return n;
}
