// Train/test splits. The official split is recorded in split.json by ssgan; otherwise the seed's
// rule applies: shuffle all ids with numpy's RandomState(seed) (seed 123 in the seed project) and
// take the first 80% for training. The shuffle below reproduces numpy's legacy MT19937 shuffle
// exactly, so `--split seed` picks the same examples the seed project did.
import { brief, quoted } from '../util/messages';

/** MT19937 as numpy's RandomState seeds it from a single integer (init_genrand). */
class MT19937 {
  private mt = new Uint32Array(624);
  private i = 624;
  constructor(seed: number) {
    this.mt[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = this.mt[i - 1] ^ (this.mt[i - 1] >>> 30);
      this.mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }
  nextUint32(): number {
    if (this.i >= 624) {
      for (let k = 0; k < 624; k++) {
        const y = (this.mt[k] & 0x80000000) | (this.mt[(k + 1) % 624] & 0x7fffffff);
        this.mt[k] = this.mt[(k + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.i = 0;
    }
    let y = this.mt[this.i++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }
  /** numpy's random_interval: uniform in [0, max] by masked rejection. */
  interval(max: number): number {
    if (max === 0) return 0;
    let mask = max;
    for (let s = 1; s <= 16; s <<= 1) mask |= mask >>> s;
    let v: number;
    do v = (this.nextUint32() & mask) >>> 0; while (v > max);
    return v;
  }
}

/** Same permutation as `np.random.RandomState(seed).shuffle(list(range(n)))`. */
export function numpyShuffle(n: number, seed: number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const rng = new MT19937(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.interval(i);
    const t = order[i]; order[i] = order[j]; order[j] = t;
  }
  return order;
}

export const DEFAULT_SPLIT_SEED = 123;

/** The seed's split: shuffle, first int(0.8 n) train, rest test. */
export function seededSplit(n: number, seed = DEFAULT_SPLIT_SEED): { train: Int32Array; test: Int32Array } {
  const order = numpyShuffle(n, seed);
  const nTrain = Math.floor(n * 0.8);
  return { train: order.slice(0, nTrain), test: order.slice(nTrain) };
}

export interface SplitFile { train: string[]; test: string[] }

/** Maps split.json's id lists to indices into `ids`, refusing unknown or repeated ids and empty lists. */
export function officialSplit(file: string, split: SplitFile, ids: string[]): { train: Int32Array; test: Int32Array } {
  if (split === null || typeof split !== 'object' || Array.isArray(split)) throw new Error(`${file}: expected a JSON object {"train": [ids], "test": [ids]}`);
  const index = new Map<string, number>();
  for (let i = 0; i < ids.length; i++) index.set(ids[i], i);
  const seen = new Uint8Array(ids.length);
  const map = (list: unknown, part: string): Int32Array => {
    if (!Array.isArray(list) || list.length === 0) throw new Error(`${file}: "${part}" must be a non-empty list of ids`);
    const out = new Int32Array(list.length);
    for (let j = 0; j < list.length; j++) {
      const id: unknown = list[j];
      const i = typeof id === 'string' ? index.get(id) : typeof id === 'number' ? index.get(String(id)) : undefined;
      if (i === undefined) throw new Error(`${file}: ${part} id ${typeof id === 'string' ? quoted(id) : brief(JSON.stringify(id) ?? String(id), 80)} is not in id.txt`);
      if (seen[i]) throw new Error(`${file}: id ${quoted(String(id))} is listed twice`);
      seen[i] = 1;
      out[j] = i;
    }
    return out;
  };
  return { train: map(split.train, 'train'), test: map(split.test, 'test') };
}
