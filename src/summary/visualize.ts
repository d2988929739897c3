// `ssgan visualize`: turns a train dir's sample grids and metrics.jsonl into
// DIR/training.gif and DIR/plots/<metric>.png.
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../util/atomic';
import { readMetrics } from './metrics-reader';
import { buildPlotSpec, PLOT_WIDTH, PlotInfo } from './plot-spec';
import { renderChartPng } from './render-chart';
import { listSampleGrids } from './sample-grids';
import { encodeTrainingGif, GifOptions } from './training-gif';

/** The figures the seed's README shows per dataset, in its order. */
export const PLOTS: readonly PlotInfo[] = [
  { metric: 's_loss', title: 'Supervised classification loss', yTitle: 's_loss' },
  { metric: 'd_loss_real', title: 'Discriminator loss on real images', yTitle: 'd_loss_real' },
  { metric: 'd_loss_fake', title: 'Discriminator loss on generated images', yTitle: 'd_loss_fake' },
  { metric: 'd_loss', title: 'Discriminator loss (total)', yTitle: 'd_loss' },
  { metric: 'g_loss', title: 'Generator loss', yTitle: 'g_loss' },
  { metric: 'accuracy', title: 'Classification accuracy', yTitle: 'accuracy' },
];

export class VisualizeError extends Error {}

export interface VisualizeResult {
  gif: string | null;
  gifFrames: number;
  plots: string[];
  /** One-line notes about what couldn't be made and why. */
  warnings: string[];
}

export async function visualize(trainDir: string, opts: GifOptions = {}): Promise<VisualizeResult> {
  if (!fs.existsSync(trainDir) || !fs.statSync(trainDir).isDirectory()) {
    throw new VisualizeError(`train dir ${trainDir} does not exist: pass the --train-dir that \`ssgan train\` wrote to`);
  }
  const result: VisualizeResult = { gif: null, gifFrames: 0, plots: [], warnings: [] };

  const samplesDir = path.join(trainDir, 'samples');
  const grids = listSampleGrids(samplesDir);
  if (grids.length === 0) {
    result.warnings.push(
      `no sample grids (sample-<step>.png) in ${samplesDir}: training.gif not written; train past --output-save-step steps so the trainer saves some`,
    );
  } else {
    const { gif, frames } = encodeTrainingGif(grids, opts);
    result.gif = path.join(trainDir, 'training.gif');
    result.gifFrames = frames;
    writeFileAtomic(result.gif, gif);
  }

  const metricsFile = path.join(trainDir, 'metrics.jsonl');
  if (!fs.existsSync(metricsFile)) {
    result.warnings.push(
      `no metrics.jsonl in ${trainDir}: plots not written; it is written by \`ssgan train\` every --write-summary-step steps`,
    );
  } else {
    const metrics = readMetrics(metricsFile, PLOTS.map((p) => p.metric));
    if (metrics.skippedLines > 0) result.warnings.push(`${metricsFile}: skipped ${metrics.skippedLines} malformed line(s)`);
    for (const info of PLOTS) {
      const bySplit = metrics.series[info.metric];
      if (Object.keys(bySplit).length === 0) {
        result.warnings.push(`${metricsFile} has no numeric "${info.metric}" values: ${info.metric}.png not written`);
        continue;
      }
      const png = await renderChartPng(buildPlotSpec(info, bySplit), PLOT_WIDTH);
      const file = path.join(trainDir, 'plots', `${info.metric}.png`);
      writeFileAtomic(file, png);
      result.plots.push(file);
    }
  }

  if (result.gif === null && result.plots.length === 0) {
    throw new VisualizeError(`nothing to visualize in ${trainDir}: ${result.warnings.join('; ')}`);
  }
  return result;
}
