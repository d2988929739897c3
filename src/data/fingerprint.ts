/**
 * What makes two datasets the same training data, whatever folder they sit in: count, image shape,
 * K, and the SHA-256 of the ids, the labels, every pixel and the train/test split. A run records
 * it, so a resume can accept the dataset at a new location and refuse a different one.
 */
import { createHash } from 'node:crypto';
import type { Dataset } from './dataset';

export interface DataFingerprint {
  algorithm: 'sha256';
  count: number;
  h: number; w: number; c: number; k: number;
  ids: string;
  labels: string;
  images: string;
  split: string;
}

function sha256(...parts: (string | Uint8Array)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

const bytes = (a: Int32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

export function fingerprintData(d: Dataset): DataFingerprint {
  return {
    algorithm: 'sha256',
    count: d.ids.length,
    h: d.h, w: d.w, c: d.c, k: d.k,
    ids: sha256(d.ids.join('\n')),
    labels: sha256(bytes(d.labels)),
    images: sha256(d.images),
    split: sha256(bytes(d.train), '|', bytes(d.test)),
  };
}

/** What differs between a recorded fingerprint and the data's, in words; undefined when the same. */
export function fingerprintDifference(recorded: DataFingerprint, found: DataFingerprint): string | undefined {
  const shape = (f: DataFingerprint) => `${f.count} examples of ${f.h}x${f.w}x${f.c}, K = ${f.k}`;
  if (shape(recorded) !== shape(found)) return `${shape(found)}, the run's data: ${shape(recorded)}`;
  const differ = (['ids', 'labels', 'images', 'split'] as const).filter((k) => recorded[k] !== found[k]);
  if (!differ.length) return undefined;
  const what: Record<(typeof differ)[number], string> = { ids: 'ids', labels: 'labels', images: 'pixels', split: 'train/test split' };
  return `same shape, but its ${differ.map((k) => what[k]).join(', ')} differ`;
}
