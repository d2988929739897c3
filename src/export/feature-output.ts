/**
 * The classifier's optional `features` output: the discriminator's feature layer (the model
 * description's `featureLayer`), averaged over H and W when it is spatial, as [batch, F].
 */
import type { Layer } from '../model/layers';
import type { ModelDescription } from '../model/describe';
import type { GraphBuilder } from './graph-builder';

/** Per-example shape after a layer: [C, H, W] or [F]. */
function nextShape(l: Layer, s: number[]): number[] {
  const spatial = (f: (x: number) => number) => [s[1], s[2]].map(f);
  switch (l.op) {
    case 'conv': return [l.outC, ...spatial((x) => Math.floor((x + 2 * l.pad - l.k) / l.stride) + 1)];
    case 'deconv': return [l.outC, ...spatial((x) => (x - 1) * l.stride - 2 * l.pad + l.k + l.outPad)];
    case 'dense': return [l.outC];
    case 'resize': return [s[0], ...spatial((x) => Math.floor(x * l.scale))];
    case 'resizeTo': return [s[0], l.h, l.w];
    case 'reshape': return [...l.shape];
    case 'flatten': return [s.reduce((a, b) => a * b, 1)];
    case 'meanHW': return [s[0]];
    case 'zeroLogit': return [s[0] + 1];
    default: return s; // norm, act, affine, noise, dropout keep the shape
  }
}

/** Shape of the feature layer's output per example, or undefined when the description has none. */
export function featureShape(desc: ModelDescription): number[] | undefined {
  const { featureLayer, discriminator } = desc;
  if (!(featureLayer >= 0 && featureLayer < discriminator.length)) return undefined;
  let s = [desc.config.c, desc.config.h, desc.config.w];
  for (let i = 0; i <= featureLayer; i++) s = nextShape(discriminator[i], s);
  return s;
}

/** Feature width F of the `features` output. */
export function featureWidth(desc: ModelDescription): number | undefined {
  return featureShape(desc)?.[0];
}

/** Adds `features` [batch, F] reading the feature layer's tensor `x` (spatial maps averaged over H and W). */
export function featureNodes(g: GraphBuilder, desc: ModelDescription, x: string): void {
  const s = featureShape(desc);
  if (!s) throw new Error('the model description has no feature layer');
  if (s.length === 3) g.node('ReduceMean', [x], { axes: [2, 3], keepdims: 0 }, 'features');
  else g.node('Identity', [x], {}, 'features');
}
