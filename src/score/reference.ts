/**
 * The reference of `ssgan score`: a feature network's features of the dataset's real test split and
 * their moments, cached in `<dataset>/judge/reference-<key>.bin` so they are computed once per
 * network and dataset. The key hashes the network's bytes and outputs (a retrained judge or another
 * extractor gets its own), and the header records the dataset's source files and split, so a changed
 * dataset is recomputed too. A read-only dataset folder still scores, just uncached.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DATA_FILE, ID_FILE, type Dataset } from '../data/dataset';
import { fingerprint } from '../data/packed-cache';
import { gather } from '../data/batch';
import { writeFileAtomic } from '../util/atomic';
import type { FeatureNet } from './features';
import type { Float64Ops } from './linalg';
import { moments, type FeatureSet, type Moments } from './metrics';

const MAGIC = 'SSGANRF1';

export interface Reference { features: FeatureSet; moments: Moments; cached: boolean; memo: Memo }

/**
 * Figures derived from the reference that do not change between runs, kept in a JSON file beside
 * it: KID's within-subset kernel sums of the test split, and real-data floors by n and seed.
 */
export class Memo {
  private data: { key: string; source: string; values: Record<string, unknown> };
  private dirty = false;

  constructor(private file: string, key: string, source: string, private warn: (line: string) => void) {
    let d: Memo['data'] | undefined;
    try { d = JSON.parse(fs.readFileSync(file, 'utf8')); } catch { d = undefined; }
    this.data = d && d.key === key && d.source === source && d.values ? d : { key, source, values: {} };
  }

  get<T>(name: string): T | undefined {
    return this.data.values[name] as T | undefined;
  }

  set(name: string, value: unknown): void {
    this.data.values[name] = value;
    this.dirty = true;
  }

  save(): void {
    if (!this.dirty) return;
    try {
      writeFileAtomic(this.file, JSON.stringify(this.data));
      this.dirty = false;
    } catch (e) {
      this.warn(`warning: could not write ${this.file} (${(e as Error).message}); figures will be recomputed next time`);
    }
  }
}

export function judgeDir(ds: Pick<Dataset, 'dir'>): string {
  return path.join(ds.dir, 'judge');
}

export function referenceFile(ds: Pick<Dataset, 'dir'>, key: string): string {
  return path.join(judgeDir(ds), `reference-${key.slice(0, 24)}.bin`);
}

function memoFile(ds: Pick<Dataset, 'dir'>, key: string): string {
  return referenceFile(ds, key).replace(/\.bin$/, '.json');
}

/** Removes a network's cached reference files (a judge being replaced). */
export function removeReference(ds: Pick<Dataset, 'dir'>, key: string): void {
  for (const f of [referenceFile(ds, key), memoFile(ds, key)]) fs.rmSync(f, { force: true });
}

/** What the cached features were computed from, besides the network. */
function source(ds: Dataset): string {
  const split = createHash('sha256').update(new Uint8Array(ds.test.buffer, ds.test.byteOffset, ds.test.byteLength)).digest('hex');
  return JSON.stringify({ files: fingerprint(path.join(ds.dir, DATA_FILE), path.join(ds.dir, ID_FILE)), split, splitKind: ds.splitKind });
}

interface Header { key: string; source: string; n: number; d: number }

function read(file: string, key: string, src: string): Omit<Reference, 'memo'> | undefined {
  let buf: Buffer;
  try { buf = fs.readFileSync(file); } catch { return undefined; }
  if (buf.length < 12 || buf.toString('latin1', 0, 8) !== MAGIC) return undefined;
  const len = buf.readUInt32LE(8);
  let h: Header;
  try { h = JSON.parse(buf.toString('utf8', 12, 12 + len)); } catch { return undefined; }
  if (h.key !== key || h.source !== src) return undefined;
  const start = Math.ceil((12 + len) / 8) * 8;
  const { n, d } = h;
  if (buf.length !== start + 8 * (d + d * d) + 4 * n * d) return undefined;
  const copy = new Uint8Array(buf.length - start);
  copy.set(buf.subarray(start));
  const mean = new Float64Array(copy.buffer, 0, d);
  const cov = new Float64Array(copy.buffer, 8 * d, d * d);
  const data = new Float32Array(copy.buffer, 8 * (d + d * d), n * d);
  return { features: { data, n, d }, moments: { mean, cov, n, d }, cached: true };
}

function write(file: string, h: Header, r: Omit<Reference, 'memo'>): void {
  const json = Buffer.from(JSON.stringify(h), 'utf8');
  const start = Math.ceil((12 + json.length) / 8) * 8;
  const { n, d } = h;
  const buf = Buffer.alloc(start + 8 * (d + d * d) + 4 * n * d);
  buf.write(MAGIC, 0, 'latin1');
  buf.writeUInt32LE(json.length, 8);
  json.copy(buf, 12);
  const body = new Uint8Array(buf.buffer, buf.byteOffset + start, buf.length - start);
  body.set(new Uint8Array(r.moments.mean.buffer, r.moments.mean.byteOffset, 8 * d), 0);
  body.set(new Uint8Array(r.moments.cov.buffer, r.moments.cov.byteOffset, 8 * d * d), 8 * d);
  const f = r.features.data as Float32Array;
  body.set(new Uint8Array(f.buffer, f.byteOffset, 4 * n * d), 8 * (d + d * d));
  writeFileAtomic(file, buf);
}

/** Features of n examples of the dataset (by index), through the network. */
export async function datasetFeatures(net: FeatureNet, ds: Dataset, indices: Int32Array) {
  const batch = gather(ds, indices);
  return net.run(batch.images, batch.n, [ds.h, ds.w, ds.c]);
}

/** The test split's features and moments: from the cache when it matches, else computed (and cached). */
export async function testReference(net: FeatureNet, ds: Dataset, ops: Float64Ops, warn: (line: string) => void = () => {}): Promise<Reference> {
  if (ds.test.length < 2) throw new Error(`${ds.dir}: the test split holds ${ds.test.length} images; scoring compares against it and needs at least 2`);
  const file = referenceFile(ds, net.key);
  const src = source(ds);
  const memo = new Memo(memoFile(ds, net.key), net.key, src, warn);
  const hit = read(file, net.key, src);
  if (hit) return { ...hit, memo };
  const out = await datasetFeatures(net, ds, ds.test);
  const features: FeatureSet = { data: out.features, n: out.n, d: out.d };
  const r = { features, moments: await moments(features, ops), cached: false };
  try {
    write(file, { key: net.key, source: src, n: out.n, d: out.d }, r);
  } catch (e) {
    warn(`warning: could not cache the test split's features in ${file} (${(e as Error).message}); they will be recomputed next time`);
  }
  return { ...r, memo };
}
