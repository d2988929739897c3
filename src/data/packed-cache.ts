// data.packed: a contiguous copy of a dataset's images and labels beside data.hdf5, so later loads
// are one sequential read instead of one HDF5 lookup per example. It records the size and mtime of
// data.hdf5 and id.txt it was built from, and is ignored (and rebuilt) when either changes.
import * as fs from 'node:fs';
import { withTempFile, writeAll } from '../util/atomic';

const MAGIC = 'SSGANPK1';
const ALIGN = 64;

export interface Fingerprint { hdf5: { size: number; mtimeMs: number }; ids: { size: number; mtimeMs: number } }
export interface PackedHeader { h: number; w: number; c: number; k: number; count: number; source: Fingerprint }
export interface PackedData extends PackedHeader { images: Uint8Array; labels: Int32Array }

export function fingerprint(hdf5File: string, idFile: string): Fingerprint {
  const a = fs.statSync(hdf5File);
  const b = fs.statSync(idFile);
  return { hdf5: { size: a.size, mtimeMs: a.mtimeMs }, ids: { size: b.size, mtimeMs: b.mtimeMs } };
}

const sameFingerprint = (a: Fingerprint, b: Fingerprint): boolean =>
  a.hdf5.size === b.hdf5.size && a.hdf5.mtimeMs === b.hdf5.mtimeMs && a.ids.size === b.ids.size && a.ids.mtimeMs === b.ids.mtimeMs;

function readFully(fd: number, into: Uint8Array, position: number): void {
  let done = 0;
  while (done < into.length) {
    const n = fs.readSync(fd, into, done, Math.min(into.length - done, 1 << 30), position + done);
    if (n === 0) throw new Error('unexpected end of file');
    done += n;
  }
}

const positive = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x > 0;

/**
 * The cached data if `file` exists, is whole and was built from exactly `source`; otherwise
 * undefined (and the caller rebuilds it). Nothing is allocated before the sizes are checked against
 * the file's, and labels outside 0..K-1 mark the cache as damaged. With `only`, the pixels of those
 * examples alone are read; the others' stay 0.
 */
export function readPacked(file: string, source: Fingerprint, only?: ArrayLike<number>): PackedData | undefined {
  let fd: number;
  try { fd = fs.openSync(file, 'r'); } catch { return undefined; }
  try {
    const size = fs.fstatSync(fd).size;
    const pre = Buffer.alloc(12);
    readFully(fd, pre, 0);
    if (pre.toString('latin1', 0, 8) !== MAGIC) return undefined;
    const jsonLen = pre.readUInt32LE(8);
    if (12 + jsonLen > size) return undefined;
    const json = Buffer.alloc(jsonLen);
    readFully(fd, json, 12);
    const header = JSON.parse(json.toString('utf8')) as PackedHeader;
    if (!header || typeof header !== 'object' || !header.source?.hdf5 || !header.source?.ids || !sameFingerprint(header.source, source)) return undefined;
    const { h, w, c, k, count } = header;
    if (![h, w, c, k, count].every(positive) || k < 2) return undefined;
    const dataStart = Math.ceil((12 + jsonLen) / ALIGN) * ALIGN;
    const imageBytes = count * h * w * c;
    if (size !== dataStart + imageBytes + count * 4) return undefined;
    const images = new Uint8Array(imageBytes);
    if (!only) readFully(fd, images, dataStart);
    else {
      // Only these examples' pixels, a run of consecutive ones at a time; the rest of the array is
      // never written (so never paged in).
      const per = h * w * c;
      for (let i = 0; i < only.length; ) {
        const j = only[i];
        let run = 1;
        while (i + run < only.length && only[i + run] === j + run) run++;
        if (!(Number.isSafeInteger(j) && j >= 0 && j + run <= count)) throw new RangeError(`example ${j} of ${count}`);
        readFully(fd, images.subarray(j * per, (j + run) * per), dataStart + j * per);
        i += run;
      }
    }
    const labels = new Int32Array(count);
    readFully(fd, new Uint8Array(labels.buffer), dataStart + imageBytes);
    if (labels.some((l) => l < 0 || l >= k)) return undefined;
    return { h, w, c, k, count, source: header.source, images, labels };
  } catch {
    return undefined; // a damaged cache is rebuilt from the source
  } finally {
    fs.closeSync(fd);
  }
}

export async function writePacked(file: string, d: PackedData): Promise<void> {
  const { images, labels, ...header } = d;
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const pre = Buffer.alloc(Math.ceil((12 + json.length) / ALIGN) * ALIGN);
  pre.write(MAGIC, 0, 'latin1');
  pre.writeUInt32LE(json.length, 8);
  json.copy(pre, 12);
  await withTempFile(file, (tmp) => {
    const fd = fs.openSync(tmp, 'w');
    try {
      writeAll(fd, pre);
      writeAll(fd, images);
      writeAll(fd, new Uint8Array(labels.buffer, labels.byteOffset, labels.byteLength));
    } finally {
      fs.closeSync(fd);
    }
  });
}
