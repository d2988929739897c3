/**
 * manifest.json: the size and SHA-256 of every file a checkpoint holds, written last. Verifying it
 * catches a checkpoint truncated or altered after it was written (a bad disk, a partial copy).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { quoted } from '../util/messages';
import { CheckpointError, MANIFEST_FILE, type Manifest, type ManifestEntry } from './format';

const CHUNK = 4 << 20;

/** Size and SHA-256 of a file, read in chunks. */
export function hashFile(file: string): ManifestEntry {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(CHUNK);
  const fd = fs.openSync(file, 'r');
  let bytes = 0;
  try {
    for (let n; (n = fs.readSync(fd, buf, 0, CHUNK, null)) > 0; bytes += n) hash.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** Hashes `files` (names inside `dir`, already written and flushed) and writes manifest.json, flushed. */
export function writeManifest(dir: string, files: string[]): Manifest {
  const manifest: Manifest = { format: 'ssgan-checkpoint-manifest', version: 1, algorithm: 'sha256', files: {} };
  for (const f of files) manifest.files[f] = hashFile(path.join(dir, f));
  const file = path.join(dir, MANIFEST_FILE);
  const fd = fs.openSync(file, 'wx');
  try {
    fs.writeFileSync(fd, JSON.stringify(manifest, null, 1) + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return manifest;
}

/** The manifest of a checkpoint directory, undefined when it has none; unreadable -> corrupt. */
export function readManifest(dir: string): Manifest | undefined {
  const file = path.join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CheckpointError(file, `unreadable: ${(e as Error).message}`);
  }
  let m: Manifest;
  try {
    m = JSON.parse(text);
  } catch {
    throw new CheckpointError(file, 'not valid JSON');
  }
  if (m?.format !== 'ssgan-checkpoint-manifest' || m.algorithm !== 'sha256' || typeof m.files !== 'object' || m.files === null || Array.isArray(m.files))
    throw new CheckpointError(file, 'not an ssgan checkpoint manifest');
  for (const [name, entry] of Object.entries(m.files)) {
    // Only the checkpoint's own files: a name leading elsewhere (../, /dev/zero) is never opened.
    if (!/^[^/\\\0]+$/.test(name) || name === '.' || name === '..') throw new CheckpointError(file, `lists ${quoted(name)}, which is not a file of the checkpoint`);
    const e: unknown = entry;
    if (typeof e !== 'object' || e === null || !Number.isSafeInteger((e as ManifestEntry).bytes) || (e as ManifestEntry).bytes < 0 || !/^[0-9a-f]{64}$/.test(String((e as ManifestEntry).sha256))) {
      throw new CheckpointError(file, `entry ${quoted(name)} is not {bytes, sha256}`);
    }
  }
  return m;
}

/** Throws a CheckpointError naming the first file whose size or SHA-256 is not the manifest's. */
export function verifyManifest(dir: string, manifest: Manifest): void {
  for (const [name, want] of Object.entries(manifest.files)) {
    const file = path.join(dir, name);
    let got: ManifestEntry;
    try {
      const st = fs.statSync(file);
      if (!st.isFile()) throw new CheckpointError(file, `not a regular file; ${MANIFEST_FILE} lists it`);
      if (st.size !== want.bytes) throw new CheckpointError(file, `${st.size} bytes, ${MANIFEST_FILE} says ${want.bytes}`);
      got = hashFile(file);
    } catch (e) {
      if (e instanceof CheckpointError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      throw new CheckpointError(file, code === 'ENOENT' ? `missing; ${MANIFEST_FILE} lists it` : `unreadable: ${(e as Error).message}`);
    }
    if (got.bytes !== want.bytes) throw new CheckpointError(file, `${got.bytes} bytes, ${MANIFEST_FILE} says ${want.bytes}`);
    if (got.sha256 !== want.sha256) throw new CheckpointError(file, `SHA-256 ${got.sha256.slice(0, 12)}..., ${MANIFEST_FILE} says ${want.sha256.slice(0, 12)}...`);
  }
}
