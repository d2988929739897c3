/**
 * Few-label training: pick N labeled examples from the training split, N / K per class, with a
 * seeded shuffle per class. Every other training example feeds only the unsupervised loss.
 */
import * as fs from 'node:fs';
import type { UnlabeledStream } from '../config';
import { brief, shown } from '../util/messages';
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

/**
 * `--labeled-ids FILE`: the labeled examples named by data id — a JSON list of ids, or the
 * labeled.json another run wrote (so runs can share one labeled draw).
 */
export function readLabeledIds(file: string, data: { ids: string[]; train: Int32Array }): Int32Array {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    idsError(file, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not JSON (${brief((e as Error).message)})`);
  }
  const list: unknown = Array.isArray(parsed) ? parsed : (parsed as { ids?: unknown } | null)?.ids;
  if (!Array.isArray(list) || list.length === 0) idsError(file, 'expected a non-empty JSON list of data ids, or a labeled.json with an "ids" list');
  const index = new Map(data.ids.map((id, i) => [id, i]));
  const train = new Set(data.train);
  const chosen = new Set<number>();
  for (const value of list) {
    if (typeof value !== 'string' && typeof value !== 'number') idsError(file, `${brief(JSON.stringify(value), 80)} is not a data id (a string)`);
    const id = String(value);
    const i = index.get(id);
    if (i === undefined) idsError(file, `id ${shown(id)} is not in the dataset's id.txt`);
    if (!train.has(i)) idsError(file, `id ${shown(id)} is in the test split: labeled examples must come from the training split`);
    if (chosen.has(i)) idsError(file, `id ${shown(id)} is listed twice`);
    chosen.add(i);
  }
  return Int32Array.from([...chosen].sort((a, b) => a - b));
}

function idsError(file: string, why: string): never {
  throw new Error(`--labeled-ids ${file}: ${why}`);
}

export function splitLabels(train: Int32Array, labeled: Int32Array, unlabeled: UnlabeledStream): LabelSplit {
  if (unlabeled === 'all') return { labeled, unlabeled: train };
  const chosen = new Set(labeled);
  return { labeled, unlabeled: train.filter((i) => !chosen.has(i)) };
}
