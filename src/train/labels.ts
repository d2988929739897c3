/**
 * Few-label training: pick N labeled examples from the training split, N / K per class, with a
 * seeded shuffle per class. Every other training example feeds only the unsupervised loss.
 */
import { deriveSeed, Random } from '../util/random';

export interface LabelSplit {
  labeled: Int32Array;
  /** The unlabeled stream: the rest of the training split, or all of it (`--unlabeled all`). */
  unlabeled: Int32Array;
}

export function selectLabeled(train: Int32Array, labels: Int32Array, k: number, n: number, seed: number): Int32Array {
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--num-labeled ${n}: must be a positive integer`);
  if (n % k !== 0) throw new Error(`--num-labeled ${n}: must be a multiple of the ${k} classes so each class gets the same number`);
  const perClass = n / k;
  const byClass: number[][] = Array.from({ length: k }, () => []);
  for (const i of train) byClass[labels[i]].push(i);
  const out: number[] = [];
  byClass.forEach((members, c) => {
    if (members.length < perClass)
      throw new Error(`--num-labeled ${n}: class ${c} has only ${members.length} training examples, fewer than the ${perClass} asked for`);
    // Sorted first, so the choice depends on which examples the split holds, not on their order.
    const shuffled = new Random(deriveSeed(seed, c)).shuffle(Int32Array.from(members).sort());
    out.push(...shuffled.subarray(0, perClass));
  });
  return Int32Array.from(out.sort((a, b) => a - b));
}

export function splitLabels(train: Int32Array, labeled: Int32Array, unlabeled: 'rest' | 'all'): LabelSplit {
  if (unlabeled === 'all') return { labeled, unlabeled: train };
  const chosen = new Set(labeled);
  return { labeled, unlabeled: train.filter((i) => !chosen.has(i)) };
}
