// Bounded decompression for the readers of downloaded and imported files: gzip (IDX, tarballs) and
// zlib (MAT-file compressed elements). A file that inflates past MAX_INFLATED_BYTES is refused
// with an error as soon as the limit is passed, so a small "bomb" cannot exhaust memory. No file
// ssgan reads comes near it (the largest, SVHN's train_32x32.mat, holds 230 MB of images).
import * as zlib from 'node:zlib';
import { oneLine } from '../../util/messages';

export const MAX_INFLATED_BYTES = 2 ** 30;
const CHUNK = 2 ** 20; // zlib's default 16 KiB chunks make inflating 1 GiB take 9 s instead of 1

function bounded(kind: 'gzip' | 'zlib', buf: Uint8Array, file: string, limit: number): Buffer {
  try {
    return kind === 'gzip' ? zlib.gunzipSync(buf, { maxOutputLength: limit, chunkSize: CHUNK }) : zlib.inflateSync(buf, { maxOutputLength: limit, chunkSize: CHUNK });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      throw new Error(`${file}: ${kind} data inflates past ${limit} bytes, the limit for one file; refused`);
    }
    throw new Error(`${file}: corrupt ${kind} data (${oneLine(e.message)})`);
  }
}

/** Inflates `buf` when it starts with the gzip magic; returns it unchanged otherwise. */
export function maybeGunzip(buf: Uint8Array, file: string, limit = MAX_INFLATED_BYTES): Uint8Array {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b ? bounded('gzip', buf, file, limit) : buf;
}

/** Inflates a zlib stream (a MAT-file miCOMPRESSED element). */
export function inflateBounded(buf: Uint8Array, file: string, limit = MAX_INFLATED_BYTES): Uint8Array {
  return bounded('zlib', buf, file, limit);
}
