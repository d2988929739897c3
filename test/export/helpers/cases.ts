/**
 * The parity matrix: the seed generator with every norm type x deconv type on a square gray and a
 * non-square colour shape; the DCGAN-style generator with every deconv type on those and on a shape
 * that is not a multiple of 4 (its final resize).
 */
import { DECONV_TYPES, NORM_TYPES, describeModel, type ModelDescription } from '../../../src/model/describe';
import type { ExportMeta } from '../../../src/export/onnx-graph';

export const SHAPES: [number, number, number][] = [[8, 8, 1], [8, 12, 3]];
export const K = 3;
export const NZ = 6;

export function parityCases(): { name: string; desc: ModelDescription }[] {
  const out: { name: string; desc: ModelDescription }[] = [];
  for (const [h, w, c] of SHAPES) {
    for (const normType of NORM_TYPES) {
      for (const deconvType of DECONV_TYPES) {
        out.push({ name: `${h}x${w}x${c} ${normType}/${deconvType}`, desc: describeModel({ model: 'seed', h, w, c, k: K, nz: NZ, normType, deconvType, loss: 'seed', generator: 'seed' }) });
      }
    }
  }
  for (const [h, w, c] of [...SHAPES, [7, 9, 2]]) {
    for (const deconvType of DECONV_TYPES) {
      out.push({ name: `${h}x${w}x${c} batch/${deconvType} dcgan generator`, desc: describeModel({ model: 'seed', h, w, c, k: K, nz: NZ, normType: 'batch', deconvType, loss: 'seed', generator: 'dcgan' }) });
    }
  }
  return out;
}

export function testMeta(k = K): ExportMeta {
  return { dataset: 'fixture', classNames: Array.from({ length: k }, (_, i) => `class${i}`), step: 42, producerName: 'ssgan', producerVersion: '0.0.0-test' };
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return Number.isNaN(m) ? Infinity : m;
}

export function std(a: Float32Array): number {
  const mean = a.reduce((s, v) => s + v, 0) / a.length;
  return Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length);
}
