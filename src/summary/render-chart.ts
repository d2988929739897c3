// Renders a Vega-Lite spec to PNG headlessly: vega-lite compiles it, vega
// draws SVG (no canvas needed), resvg rasterises the SVG.
import { Resvg } from '@resvg/resvg-js';
import { importEsm } from '../util/esm-import';

type Vega = typeof import('vega');
// vega-lite's types aren't reachable with this project's module resolution;
// this is the one call used.
interface VegaLite {
  compile(spec: object): { spec: object };
}

/** Pixel density of the PNG relative to the spec's size (2 = crisp on HiDPI). */
export const RENDER_SCALE = 2;

export async function renderChartPng(spec: object, width: number): Promise<Buffer> {
  const [vl, vega] = await Promise.all([importEsm<VegaLite>('vega-lite'), importEsm<Vega>('vega')]);
  const vgSpec = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(vgSpec as Parameters<Vega['parse']>[0]), { renderer: 'none' });
  let svg: string;
  try {
    svg = await view.toSVG();
  } finally {
    view.finalize();
  }
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'width', value: Math.round(width * RENDER_SCALE) },
    background: 'white',
    // DejaVu ships with Debian's base fonts; fall back to any system sans.
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}
