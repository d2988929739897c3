/**
 * Seeded random weights for any model description, with non-trivial batch-norm running
 * statistics and weight-norm gains, so a parity test fails when the export gets any of them wrong.
 */
import { paramNames, type Layer } from '../../../src/model/layers';
import type { ModelDescription } from '../../../src/model/describe';
import type { Weights } from '../../../src/native/addon';
import { weightShape, isLinear } from '../../../src/export/layer-weights';
import { Random } from '../../../src/util/random';

function paramShape(l: Layer, p: string): number[] {
  if (isLinear(l)) return p === 'weight' || p === 'v' ? weightShape(l) : [l.outC];
  if (l.op === 'norm') return [l.ch];
  throw new Error(`layer ${l.op} has no parameters`);
}

function fanIn(l: Layer): number {
  if (l.op === 'dense') return l.inC;
  if (l.op === 'conv' || l.op === 'deconv') return l.inC * l.k * l.k;
  return 1;
}

export function randomWeights(desc: ModelDescription, seed: number): Weights {
  const rand = new Random(seed);
  const r = () => rand.next();
  const normal = () => Math.sqrt(3) * (2 * r() - 1); // unit variance; uniform is cheaper than Gaussian
  const out: Weights = {};
  for (const [net, layers] of [['D', desc.discriminator], ['G', desc.generator]] as const) {
    for (const l of layers) {
      if (!('name' in l)) continue;
      const std = Math.sqrt(2 / fanIn(l)); // He scale keeps activations O(1) through the stack
      for (const p of paramNames(l)) {
        const shape = paramShape(l, p);
        const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
        for (let i = 0; i < data.length; i++) {
          switch (p) {
            case 'weight': data[i] = l.op === 'norm' ? 0.5 + r() : std * normal(); break;
            case 'v': data[i] = normal(); break;
            case 'g': data[i] = 0.5 + r(); break;
            case 'bias': data[i] = 0.1 * normal(); break;
            case 'running_mean': data[i] = 0.3 * normal(); break;
            case 'running_var': data[i] = 0.3 + 1.5 * r(); break;
            default: throw new Error(`no random init for parameter ${p}`);
          }
        }
        out[`${net}.${l.name}.${p}`] = { shape, data };
      }
    }
  }
  return out;
}

/** The entries of `weights` that `desc` uses (one random set can serve several descriptions). */
export function weightsFor(desc: ModelDescription, weights: Weights): Weights {
  const out: Weights = {};
  for (const [net, layers] of [['D', desc.discriminator], ['G', desc.generator]] as const) {
    for (const l of layers) {
      if (!('name' in l)) continue;
      for (const p of paramNames(l)) {
        const key = `${net}.${l.name}.${p}`;
        if (!weights[key]) throw new Error(`random weights lack ${key}`);
        out[key] = weights[key];
      }
    }
  }
  return out;
}
