// A tar reader that only yields what is safe to write: regular files and directories whose paths
// stay inside the target. Links, devices, absolute paths, `..` components and absurd sizes are
// refused with an error naming the member. Understands ustar, GNU long names ('L') and pax path
// headers ('x'), which is what Python's tarfile and GNU tar produce.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { maybeGunzip } from './inflate';
import { oneLine, quoted } from '../../util/messages';

export const MAX_MEMBER_BYTES = 4 * 2 ** 30; // larger than any dataset file ssgan reads

export interface TarEntry { name: string; type: 'file' | 'dir'; data: Uint8Array }

function field(h: Uint8Array, off: number, len: number): string {
  const raw = h.subarray(off, off + len);
  const end = raw.indexOf(0);
  return Buffer.from(end >= 0 ? raw.subarray(0, end) : raw).toString('utf8');
}

function octal(h: Uint8Array, off: number, len: number, member: string, file: string): number {
  if (h[off] & 0x80) throw new Error(`${file}: member ${quoted(member)} uses a base-256 size (over 8 GiB); refused`);
  // Octal digits, padded with leading spaces and ended by NULs or spaces (what tar writers emit).
  const s = Buffer.from(h.subarray(off, off + len)).toString('latin1').replace(/[\0 ]+$/, '').replace(/^ +/, '');
  if (!/^[0-7]*$/.test(s)) throw new Error(`${file}: member ${quoted(member)} has a bad size field ${quoted(s)}`);
  return s === '' ? 0 : parseInt(s, 8);
}

/** Normalises a member path and refuses anything that would land outside the extraction root. */
export function safeMemberPath(name: string, file: string): string {
  const clean = name.replace(/\\/g, '/');
  if (clean.includes('\0')) throw new Error(`${file}: member ${quoted(name)} has a NUL in its path; refused`);
  if (clean.startsWith('/') || /^[a-zA-Z]:/.test(clean)) throw new Error(`${file}: member ${quoted(name)} has an absolute path; refused`);
  const parts = clean.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) throw new Error(`${file}: member ${quoted(name)} would land outside the target directory; refused`);
  return parts.join('/');
}

function checksumOk(h: Uint8Array): boolean {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
  return parseInt(field(h, 148, 8).trim(), 8) === sum;
}

/** Reads every member of a (possibly gzip'd) tar archive held in memory. */
export function* readTar(archive: Uint8Array, file = 'tar archive'): Generator<TarEntry> {
  const buf = maybeGunzip(archive, file);
  let pos = 0;
  let longName: string | undefined;
  while (pos + 512 <= buf.length) {
    const h = buf.subarray(pos, pos + 512);
    if (h.every((b) => b === 0)) return; // end-of-archive marker
    if (!checksumOk(h)) throw new Error(`${file}: corrupt tar header at byte ${pos}`);
    const prefix = field(h, 345, 155);
    // The prefix field exists in POSIX ustar ("ustar\0"); old GNU headers ("ustar  ") keep times there.
    const rawName = longName ?? (prefix && field(h, 257, 6) === 'ustar' ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100));
    longName = undefined;
    const size = octal(h, 124, 12, rawName, file);
    if (size > MAX_MEMBER_BYTES) throw new Error(`${file}: member ${quoted(rawName)} is ${size} bytes, over the ${MAX_MEMBER_BYTES}-byte limit; refused`);
    const dataStart = pos + 512;
    if (dataStart + size > buf.length) throw new Error(`${file}: member ${quoted(rawName)} is truncated`);
    const data = buf.subarray(dataStart, dataStart + size);
    pos = dataStart + Math.ceil(size / 512) * 512;
    const type = String.fromCharCode(h[156] || 0x30);
    if (type === 'L') { longName = Buffer.from(data).toString('utf8').replace(/\0+$/, ''); continue; }
    if (type === 'x') {
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(Buffer.from(data).toString('utf8'));
      if (m) longName = m[1];
      continue;
    }
    if (type === 'g') continue; // global pax header: metadata only
    if (type === '1' || type === '2') throw new Error(`${file}: member ${quoted(rawName)} is a ${type === '1' ? 'hard' : 'symbolic'} link; links are refused`);
    if (type !== '0' && type !== '7' && type !== '5') throw new Error(`${file}: member ${quoted(rawName)} has type ${quoted(type)} (not a regular file or directory); refused`);
    const name = safeMemberPath(rawName, file);
    if (name === '') continue;
    yield { name, type: type === '5' ? 'dir' : 'file', data };
  }
}

/** Extracts into `target` (created if needed); every path is checked before anything is written. */
export function extractTar(archive: Uint8Array, target: string, file = 'tar archive'): string[] {
  const entries = [...readTar(archive, file)];
  const root = path.resolve(target);
  const written: string[] = [];
  for (const e of entries) {
    const dest = path.resolve(root, e.name);
    if (dest !== root && !dest.startsWith(root + path.sep)) throw new Error(`${file}: member ${quoted(e.name)} would land outside ${target}; refused`);
    try {
      if (e.type === 'dir') { fs.mkdirSync(dest, { recursive: true }); continue; }
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.writeFileSync(dest, e.data, { flag: 'wx' }); // never follow or overwrite something already there
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code === 'EEXIST' ? 'something is already there (a repeated member?)' : oneLine((err as Error).message);
      throw new Error(`${file}: cannot extract member ${quoted(e.name)} to ${target} (${why})`);
    }
    written.push(e.name);
  }
  return written;
}
