// Vega-Lite spec for one metric against step: a faded raw line and a solid
// TensorBoard-smoothed line per split (train / test), coloured by split.
import { Point } from './metrics-reader';
import { smoothTensorBoard } from './smoothing';

export const PLOT_WIDTH = 800;
export const PLOT_HEIGHT = 450;
export const SMOOTHING = 0.6;

// Below this many points a series also gets point markers: a sparse test
// curve (evaluated rarely) would otherwise be hard to see, or invisible when
// it has a single point.
const MARKER_MAX_POINTS = 40;

// Long runs logged densely are thinned (after smoothing on all points) so the
// SVG stays small and renders in about a second; 2000 points per line is
// beyond what 1600 px can show anyway.
const MAX_POINTS_PER_SERIES = 2000;

const SPLIT_COLORS: Record<string, string> = { train: '#1f77b4', test: '#ff7f0e' };
const EXTRA_COLORS = ['#2ca02c', '#d62728', '#9467bd', '#8c564b'];

export interface PlotInfo {
  metric: string;
  title: string;
  yTitle: string;
}

export function buildPlotSpec(info: PlotInfo, bySplit: Record<string, Point[]>): object {
  const splits = Object.keys(bySplit).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const rows: { step: number; value: number; smoothed: number; split: string; sparse: boolean }[] = [];
  for (const split of splits) {
    const pts = bySplit[split];
    const smoothed = smoothTensorBoard(pts.map((p) => p.value), SMOOTHING);
    const stride = Math.ceil(pts.length / MAX_POINTS_PER_SERIES);
    pts.forEach((p, i) => {
      if (i % stride !== 0 && i !== pts.length - 1) return;
      rows.push({ step: p.step, value: p.value, smoothed: smoothed[i], split, sparse: pts.length <= MARKER_MAX_POINTS });
    });
  }
  const allValues = rows.map((r) => r.value);
  const isFraction = info.metric === 'accuracy' && allValues.every((v) => v >= 0 && v <= 1);
  const colors = splits.map((s, i) => SPLIT_COLORS[s] ?? EXTRA_COLORS[i % EXTRA_COLORS.length]);
  const color = {
    field: 'split',
    type: 'nominal',
    title: 'split',
    scale: { domain: splits, range: colors },
    // Outside the plot so it never hides data; drawn as solid strokes since
    // the raw layer's faded circles would misrepresent the lines.
    legend: { orient: 'right', symbolType: 'stroke', symbolOpacity: 1, symbolStrokeWidth: 3, symbolSize: 300, labelFontSize: 13, titleFontSize: 13 },
  };
  const x = { field: 'step', type: 'quantitative', title: 'step', axis: { format: ',d', tickCount: 8 } };
  const yAxis = isFraction ? { format: '.0%' } : {};
  const yTitle = info.yTitle;

  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: PLOT_WIDTH,
    height: PLOT_HEIGHT,
    // The whole picture, title and legend included, is exactly WIDTH x HEIGHT.
    autosize: { type: 'fit', contains: 'padding' },
    padding: 16,
    background: 'white',
    title: {
      text: info.title,
      subtitle: `faded: raw values · solid: smoothed (TensorBoard EMA, ${SMOOTHING})`,
      anchor: 'start',
      fontSize: 18,
      subtitleFontSize: 12,
      subtitleColor: '#666',
    },
    config: {
      font: 'DejaVu Sans',
      axis: { labelFontSize: 12, titleFontSize: 13, gridColor: '#e6e6e6' },
      view: { stroke: '#ccc' },
    },
    data: { values: rows },
    encoding: { x },
    layer: [
      {
        mark: { type: 'line', strokeWidth: 1.2, opacity: 0.3, interpolate: 'linear' },
        encoding: { y: { field: 'value', type: 'quantitative', title: yTitle, scale: { zero: false }, axis: yAxis }, color },
      },
      {
        mark: { type: 'line', strokeWidth: 2.2 },
        encoding: { y: { field: 'smoothed', type: 'quantitative' }, color },
      },
      {
        transform: [{ filter: 'datum.sparse' }],
        mark: { type: 'point', filled: true, size: 36 },
        encoding: { y: { field: 'smoothed', type: 'quantitative' }, color },
      },
    ],
  };
}

function rank(split: string): number {
  return split === 'train' ? 0 : split === 'test' ? 1 : 2;
}
