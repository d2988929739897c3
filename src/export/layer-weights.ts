/**
 * Looks up a layer's parameters in a Weights record and folds weight normalisation into plain
 * weights, so the exported graph only ever sees ordinary Conv/ConvTranspose/Gemm weights.
 */
import type { Conv, Deconv, Dense, Layer } from '../model/layers';
import type { Tensor, Weights } from '../native/addon';

/** `<net>.<layer>.<param>`, checked to exist with the expected number of values. */
export function param(weights: Weights, net: string, layer: { name: string }, p: string, shape: number[]): Tensor {
  const key = `${net}.${layer.name}.${p}`;
  const t = weights[key];
  if (!t) throw new Error(`weights have no ${key}: the checkpoint does not match the model description`);
  const n = shape.reduce((a, b) => a * b, 1);
  if (t.data.length !== n) throw new Error(`weight ${key} has ${t.data.length} values, the model description needs [${shape}] = ${n}`);
  return { shape, data: t.data };
}

/** PyTorch layout of the (effective) weight: conv [out,in,k,k], deconv [in,out,k,k], dense [out,in]. */
export function weightShape(l: Conv | Deconv | Dense): number[] {
  if (l.op === 'dense') return [l.outC, l.inC];
  if (l.op === 'conv') return [l.outC, l.inC, l.k, l.k];
  return [l.inC, l.outC, l.k, l.k];
}

/**
 * weight = g * v / ||v||, the norm per output channel over all other dims. For a deconv the
 * output channel is dim 1 of v ([in, out, k, k]). Computed in float64 to add no error of its own.
 */
export function foldWeightNorm(l: Conv | Deconv | Dense, v: Float32Array, g: Float32Array): Float32Array {
  const shape = weightShape(l);
  const out = l.outC;
  const outAxis = l.op === 'deconv' ? 1 : 0;
  const inner = shape.slice(outAxis + 1).reduce((a, b) => a * b, 1); // elements after the out axis
  const channelOf = (i: number) => Math.floor(i / inner) % out;
  const sq = new Float64Array(out);
  for (let i = 0; i < v.length; i++) sq[channelOf(i)] += v[i] * v[i];
  const scale = Array.from(sq, (s, o) => g[o] / Math.sqrt(s));
  const w = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) w[i] = v[i] * scale[channelOf(i)];
  return w;
}

/** The effective weight and bias of a conv/deconv/dense layer. */
export function linearParams(weights: Weights, net: string, l: Conv | Deconv | Dense): { weight: Tensor; bias: Tensor } {
  const shape = weightShape(l);
  const out = l.outC;
  const bias = param(weights, net, l, 'bias', [out]);
  if (!l.weightNorm) return { weight: param(weights, net, l, 'weight', shape), bias };
  const v = param(weights, net, l, 'v', shape);
  const g = param(weights, net, l, 'g', [out]);
  return { weight: { shape, data: foldWeightNorm(l, v.data, g.data) }, bias };
}

export function isLinear(l: Layer): l is Conv | Deconv | Dense {
  return l.op === 'conv' || l.op === 'deconv' || l.op === 'dense';
}
