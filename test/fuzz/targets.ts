// What the fuzz sandbox (child.ts) can run: each target hands one input to a reader and returns a
// small summary of what it read (the parent checks it), or lets the reader's error through.
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readCheckpointMeta, verifyCheckpoint } from '../../src/checkpoint/load';
import { loadDataset, readIds } from '../../src/data/dataset';
import { CIFAR10, MNIST, SVHN } from '../../src/data/download/sources';
import { parseCifarBatch } from '../../src/data/formats/cifar';
import { decodeImage } from '../../src/data/formats/image';
import { mnistFromIdx, parseIdx } from '../../src/data/formats/idx';
import { parseMat5 } from '../../src/data/formats/mat5';
import { svhnFromMat } from '../../src/data/formats/svhn';
import { extractTar, readTar } from '../../src/data/formats/tar';
import { loadH5wasm } from '../../src/data/hdf5/h5wasm';
import { readSeedHdf5 } from '../../src/data/hdf5/seed-reader';
import { importFolder } from '../../src/data/import-folder';
import { Fingerprint, readPacked } from '../../src/data/packed-cache';
import { readLabeledIds } from '../../src/train/labels';
import type { Input } from './harness';

export interface Ctx { dir: string; root: string }
type Target = (input: Input, ctx: Ctx) => unknown;

const sha = (b: ArrayBufferView): string => crypto.createHash('sha1').update(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)).digest('hex');
const range = (a: ArrayLike<number>): [number, number] => {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < a.length; i++) { if (a[i] < lo) lo = a[i]; if (a[i] > hi) hi = a[i]; }
  return [lo, hi];
};

/** The parts of a dataset the parent checks: shapes, lengths, label range, content hashes. */
function summary(d: { images: Uint8Array; labels: Int32Array; h: number; w: number; c?: number; k?: number }): Record<string, unknown> {
  return { n: d.labels.length, h: d.h, w: d.w, c: d.c, k: d.k, imageBytes: d.images.length, labelRange: range(d.labels), images: sha(d.images), labels: sha(d.labels) };
}

/** Files of the input, as written by the sandbox, by name -> path. */
const written = (input: Input, ctx: Ctx): Map<string, string> => new Map(Object.keys(input.files ?? {}).map((n) => [n, path.join(ctx.dir, n)]));

/** Every path under `dir` (recursively), relative, with a leading NUL marking symbolic links. */
function tree(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isSymbolicLink()) out.push(`\0${r}`);
    else if (e.isDirectory()) { out.push(`${r}/`); out.push(...tree(dir, r)); } else out.push(r);
  }
  return out;
}

let datasetBase: string | undefined;

export const TARGETS: Record<string, Target> = {
  idx: ({ bytes, name }) => {
    const a = parseIdx(bytes!, name);
    return { dims: a.dims, length: a.data.length, data: sha(a.data) };
  },
  'idx-limit': ({ bytes, name, args }) => {
    const a = parseIdx(bytes!, name, (args as { limit: number }).limit);
    return { dims: a.dims, length: a.data.length };
  },
  mnist: ({ files, name }) => summary({ ...mnistFromIdx(parseIdx(files!.images, `${name}:images`), parseIdx(files!.labels, `${name}:labels`), name), c: 1 }),
  'mnist-build': (input, ctx) => summary(MNIST.build(written(input, ctx))),
  cifar: ({ bytes, name }) => {
    const b = parseCifarBatch(bytes!, name);
    return summary({ ...b, h: 32, w: 32, c: 3 });
  },
  'cifar-build': (input, ctx) => {
    const d = CIFAR10.build(written(input, ctx));
    return { ...summary(d), train: d.train, classNames: d.classNames };
  },
  mat5: ({ bytes, name }) => {
    const vars = parseMat5(bytes!, name);
    return [...vars.values()].map((v) => ({ name: v.name, className: v.className, dims: v.dims, length: v.data.length }));
  },
  'mat5-limit': ({ bytes, name, args }) => [...parseMat5(bytes!, name, (args as { limit: number }).limit).keys()],
  svhn: ({ bytes, name }) => summary(svhnFromMat(bytes!, name)),
  'svhn-build': (input, ctx) => summary(SVHN.build(written(input, ctx))),
  tar: ({ bytes, name }) => [...readTar(bytes!, name)].map((e) => ({ name: e.name, type: e.type, size: e.data.length, data: sha(e.data) })),
  'tar-extract': ({ bytes, name }, ctx) => {
    const out = path.join(ctx.dir, 'out');
    let written: string[] = [];
    let error: Error | undefined;
    try { written = extractTar(bytes!, out, name!); } catch (e) { error = e as Error; }
    // Whatever happened, nothing may exist outside out/, and nothing inside may be a link.
    const outside = [...tree(ctx.dir).filter((p) => p !== 'out/' && !p.startsWith('out/')), ...tree(ctx.root).filter((p) => !p.startsWith('case-'))];
    const links = fs.existsSync(out) ? tree(out).filter((p) => p.startsWith('\0')) : [];
    if (outside.length || links.length) return { escaped: outside, links };
    if (error) throw error;
    return { written };
  },
  hdf5: async (input, ctx) => {
    const d = await readSeedHdf5(path.join(ctx.dir, 'data.hdf5'), readIds(path.join(ctx.dir, 'id.txt')));
    return summary(d);
  },
  image: ({ bytes, name }) => {
    const img = decodeImage(bytes!, name!);
    return { width: img.width, height: img.height, channels: img.channels, length: img.data.length };
  },
  'import-folder': async (input, ctx) => {
    const r = await importFolder({ from: path.join(ctx.dir, input.name!), name: 'FUZZ', dataDir: path.join(ctx.dir, 'data') });
    return { count: r.count, train: r.train, h: r.h, w: r.w, c: r.c, classNames: r.classNames };
  },
  /** An image-folder tree with symbolic links and FIFOs made as `args` says, imported. */
  'import-tree': async ({ args }, ctx) => {
    const { links = [], fifos = [] } = args as { links?: [string, string][]; fifos?: string[] };
    const tree = path.join(ctx.dir, 'tree');
    fs.mkdirSync(tree, { recursive: true });
    for (const [at, to] of links) { fs.mkdirSync(path.dirname(path.join(tree, at)), { recursive: true }); fs.symlinkSync(to, path.join(tree, at)); }
    for (const at of fifos) { fs.mkdirSync(path.dirname(path.join(tree, at)), { recursive: true }); execFileSync('mkfifo', [path.join(tree, at)]); }
    for (const [name, bytes] of Object.entries((args as { images: Record<string, Uint8Array> }).images)) {
      fs.mkdirSync(path.dirname(path.join(tree, name)), { recursive: true });
      fs.writeFileSync(path.join(tree, name), bytes);
    }
    const r = await importFolder({ from: tree, name: 'FUZZ', dataDir: path.join(ctx.dir, 'data') });
    return { count: r.count, classNames: r.classNames };
  },
  /** meta.json and split.json beside a dataset whose data.hdf5 and cache are ready. */
  dataset: async ({ files }, ctx) => {
    const dir = datasetBase ??= await prepareDataset(ctx.root);
    for (const f of ['split.json', 'meta.json']) {
      fs.rmSync(path.join(dir, f), { force: true });
      if (files?.[f]) fs.writeFileSync(path.join(dir, f), files[f]);
    }
    const d = await loadDataset(dir);
    return { k: d.k, classNames: d.classNames, n: d.ids.length, train: Array.from(d.train), test: Array.from(d.test), splitKind: d.splitKind };
  },
  packed: ({ args }, ctx) => {
    const d = readPacked(path.join(ctx.dir, 'data.packed'), (args as { source: Fingerprint }).source);
    return d === undefined ? null : { ...summary(d), count: d.count };
  },
  'checkpoint-meta': (_input, ctx) => {
    const m = readCheckpointMeta(ctx.dir);
    return { format: m.format, version: m.version, step: m.step, config: typeof m.config, modelConfig: typeof m.modelConfig, dataset: m.dataset, sampler: m.sampler, labeled: m.labeled };
  },
  'checkpoint-verify': (_input, ctx) => {
    const { meta, verified } = verifyCheckpoint(ctx.dir);
    return { verified, step: meta.step, version: meta.version };
  },
  labels: ({ args }, ctx) => {
    const { ids, train } = args as { ids: string[]; train: number[] };
    return Array.from(readLabeledIds(path.join(ctx.dir, 'labeled.json'), { ids, train: Int32Array.from(train) }));
  },
};

async function prepareDataset(root: string): Promise<string> {
  const dir = path.join(root, 'dataset');
  fs.mkdirSync(dir);
  const fixture = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'seed-h5');
  for (const f of ['data.hdf5', 'id.txt']) fs.copyFileSync(path.join(fixture, f), path.join(dir, f));
  await loadDataset(dir); // builds data.packed, so each case reads only the JSON files
  return dir;
}

/** Loads what the targets use (h5wasm above all) before the sandbox takes its idle memory level. */
export async function prepare(): Promise<void> {
  await loadH5wasm();
}
