// `ssgan import --from-folder`: an image-folder tree (DIR/<class>/*.png|jpg, or DIR/train/<class>/…
// and DIR/test/<class>/… to keep a given split) -> a dataset in the seed's layout. DIR may also be a
// .tar/.tar.gz/.tgz of such a tree, read in memory through the safe tar reader.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeDataset } from './dataset';
import { readTar } from './formats/tar';
import { decodeImage, Image, resizeBilinear, toRgb } from './formats/image';
import { brief } from '../util/messages';

const IMAGE_EXT = /\.(png|jpe?g)$/i;

interface SourceFile { rel: string; read: () => Uint8Array }

/**
 * The files under `root`, following symbolic links; hidden entries are skipped. A folder reached
 * twice (a link loop would never end) and an image name that is not a regular file (a FIFO would
 * block the read forever) are refused.
 */
function listFolder(root: string): SourceFile[] {
  const out: SourceFile[] = [];
  const seen = new Set<string>();
  const walk = (rel: string): void => {
    const dir = path.join(root, rel);
    const real = fs.realpathSync(dir);
    if (seen.has(real)) throw new Error(`${dir}: a folder reached twice through symbolic links (a loop or a duplicate); refused`);
    seen.add(real);
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      const full = path.join(root, r);
      let st: fs.Stats;
      try {
        st = fs.statSync(full);
      } catch (err) {
        if (IMAGE_EXT.test(e.name)) throw new Error(`${full}: cannot read (${brief((err as Error).message)})`);
        continue; // a dangling link that is not an image
      }
      if (st.isDirectory()) walk(r);
      else if (st.isFile()) out.push({ rel: r, read: () => fs.readFileSync(full) });
      else if (IMAGE_EXT.test(e.name)) throw new Error(`${full}: not a regular file; refused`);
    }
  };
  walk('');
  return out;
}

function listArchive(file: string): SourceFile[] {
  const out: SourceFile[] = [];
  for (const e of readTar(fs.readFileSync(file), file)) if (e.type === 'file') out.push({ rel: e.name, read: () => e.data });
  return out;
}

const isArchive = (p: string): boolean => /\.(tar|tar\.gz|tgz)$/i.test(p) && fs.statSync(p).isFile();

/** Drops one wrapping folder (e.g. an archive's top directory) when the tree lives below it. */
function stripWrapper(files: SourceFile[]): SourceFile[] {
  const tops = new Set(files.map((f) => f.rel.split('/')[0]));
  const [only] = [...tops];
  if (tops.size !== 1 || only === 'train' || only === 'test' || files.some((f) => !f.rel.includes('/'))) return files;
  const inner = files.map((f) => ({ ...f, rel: f.rel.slice(only.length + 1) }));
  return inner.every((f) => f.rel.includes('/')) ? inner : files;
}

export interface ImportOptions { from: string; name: string; dataDir: string; resize?: { h: number; w: number }; log?: (line: string) => void }
export interface ImportResult { dir: string; count: number; train: number; h: number; w: number; c: number; classNames: string[]; seconds: number }

export function parseResize(s: string): { h: number; w: number } {
  const m = /^(\d+)x(\d+)$/i.exec(s.trim());
  if (!m || +m[1] < 1 || +m[2] < 1) throw new Error(`--resize ${s}: expected HxW, e.g. --resize 32x32`);
  return { h: +m[1], w: +m[2] };
}

export async function importFolder(opts: ImportOptions): Promise<ImportResult> {
  const t0 = Date.now();
  const log = opts.log ?? (() => undefined);
  if (!fs.existsSync(opts.from)) throw new Error(`--from-folder ${opts.from}: not found`);
  if (!/^[\w.-]+$/.test(opts.name) || opts.name === '.' || opts.name === '..') throw new Error(`--name ${opts.name}: use letters, digits, '.', '_' or '-'`);
  const files = stripWrapper(isArchive(opts.from) ? listArchive(opts.from) : listFolder(opts.from))
    .filter((f) => IMAGE_EXT.test(f.rel) && !f.rel.split('/').some((p) => p.startsWith('.')));
  const split = files.some((f) => /^(train|test)\//.test(f.rel));
  const entries: { split: 'train' | 'test'; cls: string; file: SourceFile }[] = [];
  for (const f of files) {
    const parts = f.rel.split('/');
    if (split) {
      if ((parts[0] !== 'train' && parts[0] !== 'test') || parts.length !== 3) {
        throw new Error(`${path.join(opts.from, f.rel)}: with train/ and test/ folders every image must be at train|test/<class>/<file>`);
      }
      entries.push({ split: parts[0] as 'train' | 'test', cls: parts[1], file: f });
    } else {
      if (parts.length !== 2) throw new Error(`${path.join(opts.from, f.rel)}: images must be at <class>/<file> (or train|test/<class>/<file>)`);
      entries.push({ split: 'train', cls: parts[0], file: f });
    }
  }
  if (entries.length === 0) throw new Error(`--from-folder ${opts.from}: no .png/.jpg images found under <class>/ or train|test/<class>/ folders`);
  const classNames = [...new Set(entries.map((e) => e.cls))].sort();
  if (classNames.length < 2) throw new Error(`--from-folder ${opts.from}: found one class ("${classNames[0]}"); at least 2 class folders are needed`);
  const byName = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });
  entries.sort((a, b) => (a.split === b.split ? 0 : a.split === 'train' ? -1 : 1) || byName(a.cls, b.cls) || byName(a.file.rel, b.file.rel));
  log(`import: ${entries.length} images in ${classNames.length} classes${split ? ' (train/test split kept)' : ''}`);

  // Decode everything first: the channel count (grey or RGB) is known only after seeing all images.
  const decoded: Image[] = [];
  let first: { file: string; img: Image } | undefined;
  for (const e of entries) {
    const file = path.join(opts.from, e.file.rel);
    let img = decodeImage(e.file.read(), file);
    if (opts.resize) img = resizeBilinear(img, opts.resize.h, opts.resize.w);
    first ??= { file, img };
    if (img.width !== first.img.width || img.height !== first.img.height) {
      throw new Error(`${file}: image is ${img.height}x${img.width} but ${first.file} is ${first.img.height}x${first.img.width}; pass --resize HxW to import mixed sizes`);
    }
    decoded.push(img);
    if (decoded.length % 10000 === 0) log(`import: decoded ${decoded.length}/${entries.length}`);
  }
  const c = decoded.some((d) => d.channels === 3) ? 3 : 1;
  const h = first!.img.height, w = first!.img.width, n = h * w * c;
  const images = new Uint8Array(decoded.length * n);
  decoded.forEach((d, i) => images.set((c === 3 ? toRgb(d) : d).data, i * n));
  const labels = Int32Array.from(entries, (e) => classNames.indexOf(e.cls));
  const train = entries.filter((e) => e.split === 'train').length;
  const dir = path.join(opts.dataDir, opts.name);
  // No test folder: train === count, and no official split is recorded (loading uses the seeded split).
  await writeDataset(dir, { images, labels, h, w, c, k: classNames.length, classNames, train, name: opts.name });
  const seconds = (Date.now() - t0) / 1000;
  log(`import: wrote ${dir} (${entries.length} images, ${h}x${w}x${c}, K=${classNames.length}) in ${seconds.toFixed(1)} s`);
  return { dir, count: entries.length, train, h, w, c, classNames, seconds };
}
