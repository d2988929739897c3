// The dataset on disk (the seed's layout: data.hdf5 + id.txt, plus ssgan's split.json, meta.json
// and the data.packed cache) and the in-memory form the trainer consumes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { withTempDir, writeFileAtomic } from '../util/atomic';
import { brief, quoted } from '../util/messages';
import { readSeedHdf5 } from './hdf5/seed-reader';
import { writeSeedHdf5 } from './hdf5/seed-writer';
import { fingerprint, readPacked, writePacked, PackedData } from './packed-cache';
import { DEFAULT_SPLIT_SEED, officialSplit, seededSplit, SplitFile } from './split';

export interface Dataset {
  name: string;            // folder name
  dir: string;
  h: number; w: number; c: number; k: number;
  classNames: string[];    // length k ("0".."9" when unknown)
  ids: string[];           // length count, in file order
  images: Uint8Array;      // count*h*w*c, NHWC, raw 0..255
  labels: Int32Array;      // count, 0..k-1
  train: Int32Array;       // indices into ids of the training split
  test: Int32Array;        // indices of the test split
  splitKind: 'official' | 'seed';
}

export interface DatasetMeta { name: string; classNames: string[]; h: number; w: number; c: number; k: number; count: number; train: number }

export const DATA_FILE = 'data.hdf5';
export const ID_FILE = 'id.txt';
export const SPLIT_FILE = 'split.json';
export const META_FILE = 'meta.json';
export const PACKED_FILE = 'data.packed';

/** Folder names `ssgan download` uses; other names are taken as given. */
const CANONICAL: Record<string, string> = { mnist: 'MNIST', svhn: 'SVHN', cifar10: 'CIFAR10', 'cifar-10': 'CIFAR10' };

export function canonicalDatasetName(name: string): string {
  return CANONICAL[name.toLowerCase()] ?? name;
}

/** <dataDir>/<dataset> (matched case-insensitively against existing folders), or --dataset-dir as given. */
export function resolveDatasetDir(opts: { dataset?: string; datasetDir?: string; dataDir: string }): string {
  if (opts.datasetDir) return path.resolve(opts.datasetDir);
  if (!opts.dataset) throw new Error('no dataset given: pass --dataset NAME (a folder under --data-dir) or --dataset-dir PATH');
  const exact = path.join(opts.dataDir, opts.dataset);
  if (fs.existsSync(exact)) return path.resolve(exact);
  let entries: string[] = [];
  try { entries = fs.readdirSync(opts.dataDir); } catch { /* missing data dir: reported when loading */ }
  const wanted = canonicalDatasetName(opts.dataset).toLowerCase();
  const match = entries.find((e) => e.toLowerCase() === wanted || e.toLowerCase() === opts.dataset!.toLowerCase());
  return path.resolve(opts.dataDir, match ?? canonicalDatasetName(opts.dataset));
}

/** id.txt: one id per line (blank lines skipped); each names an HDF5 group, at most once. */
export function readIds(idFile: string): string[] {
  // One pass, no intermediate arrays: 70,000 ids are read by every command that loads MNIST.
  const ids: string[] = [];
  const seen = new Set<string>();
  for (const line of fs.readFileSync(idFile, 'utf8').split('\n')) {
    const id = line.trim();
    if (id.length === 0) continue;
    if (id.includes('/') || id.includes('\0')) throw new Error(`${idFile}: id ${quoted(id)} cannot name an HDF5 group (it holds '/' or a NUL)`);
    if (seen.has(id)) throw new Error(`${idFile}: id ${quoted(id)} is listed twice`);
    seen.add(id);
    ids.push(id);
  }
  return ids;
}

function readJson<T>(file: string): T | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${brief((err as Error).message)}); fix or delete it`);
  }
}

/**
 * Images and labels from data.packed when it matches the source (with `only`, those examples' pixels
 * alone), else from data.hdf5 (then cached).
 */
async function loadContent(dir: string, ids: string[], only?: ArrayLike<number>): Promise<PackedData> {
  const dataFile = path.join(dir, DATA_FILE);
  const source = fingerprint(dataFile, path.join(dir, ID_FILE));
  const packedFile = path.join(dir, PACKED_FILE);
  const cached = readPacked(packedFile, source, only);
  if (cached && cached.count === ids.length) return cached;
  const data = { ...(await readSeedHdf5(dataFile, ids)), count: ids.length, source };
  try {
    await writePacked(packedFile, data);
  } catch (err) {
    // A read-only dataset still loads; it just cannot keep a cache.
    process.stderr.write(`warning: could not write ${packedFile} (${(err as Error).message}); loading will not be cached\n`);
  }
  return data;
}

/**
 * A dataset folder in memory. `pixelsOf`, given the ids and the split, names the only examples whose
 * pixels the caller will read (evaluation: the test split); the others' may then stay 0, unread.
 */
export async function loadDataset(dir: string, opts: { split?: 'official' | 'seed'; seed?: number; pixelsOf?: (d: Pick<Dataset, 'dir' | 'ids' | 'train' | 'test'>) => ArrayLike<number> } = {}): Promise<Dataset> {
  const dataFile = path.join(dir, DATA_FILE);
  const idFile = path.join(dir, ID_FILE);
  if (!fs.existsSync(dir)) throw new Error(`${dir}: dataset folder not found; run \`ssgan download --dataset NAME\` or \`ssgan import\`, or pass --data-dir/--dataset-dir`);
  if (!fs.existsSync(dataFile)) throw new Error(`${dataFile}: missing; a dataset folder needs data.hdf5 and id.txt`);
  if (!fs.existsSync(idFile)) throw new Error(`${idFile}: missing; a dataset folder needs data.hdf5 and id.txt`);
  const ids = readIds(idFile);
  if (ids.length === 0) throw new Error(`${idFile}: empty dataset (no ids listed)`);
  const splitFile = path.join(dir, SPLIT_FILE);
  const recorded = opts.split === 'seed' ? undefined : readJson<SplitFile>(splitFile);
  const split = recorded !== undefined ? officialSplit(splitFile, recorded, ids) : seededSplit(ids.length, opts.seed ?? DEFAULT_SPLIT_SEED);
  const content = await loadContent(dir, ids, opts.pixelsOf?.({ dir, ids, ...split }));
  if (content.k < 2) throw new Error(`${dataFile}: K = ${content.k} classes; at least 2 are needed`);

  const metaFile = path.join(dir, META_FILE);
  const meta = readJson<Partial<DatasetMeta>>(metaFile);
  let classNames = Array.from({ length: content.k }, (_, i) => String(i));
  if (meta !== undefined && (meta === null || typeof meta !== 'object' || Array.isArray(meta))) throw new Error(`${metaFile}: expected a JSON object`);
  if (meta?.classNames !== undefined) {
    const names: unknown = meta.classNames;
    if (!Array.isArray(names) || !names.every((s) => typeof s === 'string')) throw new Error(`${metaFile}: "classNames" must be a list of strings`);
    if (names.length !== content.k) throw new Error(`${metaFile}: ${names.length} class names for K = ${content.k} classes in ${dataFile}`);
    classNames = names;
  }

  return {
    name: path.basename(path.resolve(dir)), dir,
    h: content.h, w: content.w, c: content.c, k: content.k,
    classNames, ids, images: content.images, labels: content.labels,
    train: split.train, test: split.test, splitKind: recorded !== undefined ? 'official' : 'seed',
  };
}

export interface DatasetContent {
  images: Uint8Array; labels: Int32Array;
  h: number; w: number; c: number; k: number;
  classNames?: string[];
  train: number; // the first `train` examples are the training split, the rest test
  name?: string;
}

/** Writes the whole dataset folder under a temporary name, then renames it into place. */
export async function writeDataset(dir: string, d: DatasetContent): Promise<void> {
  const count = d.labels.length;
  const where = `dataset ${dir}`;
  if (count === 0) throw new Error(`${where}: empty dataset`);
  if (d.k < 2) throw new Error(`${where}: K = ${d.k}; at least 2 classes are needed`);
  if (d.images.length !== count * d.h * d.w * d.c) throw new Error(`${where}: ${d.images.length} image bytes for ${count} images of ${d.h}x${d.w}x${d.c}`);
  if (!(d.train >= 0 && d.train <= count)) throw new Error(`${where}: train count ${d.train} outside 0..${count}`);
  const bad = d.labels.findIndex((l) => !(l >= 0 && l < d.k));
  if (bad >= 0) throw new Error(`${where}: id "${bad}": label ${d.labels[bad]} outside 0..${d.k - 1}`);
  const classNames = d.classNames ?? Array.from({ length: d.k }, (_, i) => String(i));
  if (classNames.length !== d.k) throw new Error(`${where}: ${classNames.length} class names for K = ${d.k}`);
  const ids = Array.from({ length: count }, (_, i) => String(i));

  await withTempDir(dir, async (tmp) => {
    writeSeedHdf5(path.join(tmp, DATA_FILE), { count, h: d.h, w: d.w, c: d.c, k: d.k, images: d.images, labels: d.labels });
    writeFileAtomic(path.join(tmp, ID_FILE), ids.join('\n') + '\n');
    // train === count means no test part was given: no official split, loaders use the seeded one.
    if (d.train < count) {
      const split: SplitFile = { train: ids.slice(0, d.train), test: ids.slice(d.train) };
      writeFileAtomic(path.join(tmp, SPLIT_FILE), JSON.stringify(split));
    }
    const meta: DatasetMeta = { name: d.name ?? path.basename(dir), classNames, h: d.h, w: d.w, c: d.c, k: d.k, count, train: d.train };
    writeFileAtomic(path.join(tmp, META_FILE), JSON.stringify(meta, null, 1) + '\n');
    // The cache is built now from the data in hand, so the first load is already fast.
    const source = fingerprint(path.join(tmp, DATA_FILE), path.join(tmp, ID_FILE));
    await writePacked(path.join(tmp, PACKED_FILE), { h: d.h, w: d.w, c: d.c, k: d.k, count, source, images: d.images, labels: d.labels });
  });
}
