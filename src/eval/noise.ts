/** Generator input: n x n_z values uniform in [low, high), reproducible from a seed. */
import { Random } from '../util/random';

export function uniformNoise(count: number, low: number, high: number, seed: number): Float32Array {
  const r = new Random(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = low + (high - low) * r.next();
  return out;
}
