/** ssgan's command line: one subcommand per verb; each area registers its own. */
import { Command } from 'commander';
import { registerDataCommands } from './data/commands';
import { registerEvalCommands } from './eval/commands';
import { registerExportCommands } from './export/commands';
import { registerScoreCommands } from './score/commands';
import { registerSummaryCommands } from './summary/commands';
import { registerTrainCommands } from './train/commands';

export function buildProgram(): Command {
  const program = new Command('ssgan')
    .description('Semi-supervised GAN toolkit: libtorch training, ONNX export, onnxruntime evaluation')
    .version(require('../../package.json').version);
  registerDataCommands(program);
  registerTrainCommands(program);
  registerEvalCommands(program);
  registerExportCommands(program);
  registerScoreCommands(program);
  registerSummaryCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    process.stderr.write(`ssgan: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}

if (require.main === module) void main(process.argv);
