// One file over HTTP(S) with node's own http/https: resumes a partial download (<dest>.part) with a
// Range request, retries transient failures (network errors, timeouts, cut connections, 5xx, 429)
// with backoff, follows redirects, and verifies the md5 before the file takes its final name.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';
import { makeProgress, Progress } from './progress';

export interface DownloadOptions {
  md5?: string;
  retries?: number; // extra attempts after the first (default 4)
  retryDelayMs?: number; // first backoff (default 1000 ms, doubled each time)
  timeoutMs?: number; // idle socket timeout (default 30 s)
  log?: (line: string) => void;
  progressOut?: NodeJS.WriteStream;
}

class TransientError extends Error {}

export function md5File(file: string): string {
  const hash = crypto.createHash('md5');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    let n: number;
    while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) hash.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

function sizeOf(file: string): number {
  try { return fs.statSync(file).size; } catch { return 0; }
}

/** One request: appends to `part` from its current size. Resolves when the server has sent it all. */
function fetchOnce(url: string, part: string, opts: DownloadOptions, progress: () => Progress, redirects = 0): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const offset = sizeOf(part);
    const client = url.startsWith('https:') ? https : http;
    const req = client.get(url, { headers: offset > 0 ? { Range: `bytes=${offset}-` } : {} }, (res) => {
      const status = res.statusCode ?? 0;
      if ([301, 302, 303, 307, 308].includes(status) && res.headers.location) {
        res.resume();
        if (redirects >= 5) return reject(new Error(`${url}: too many redirects`));
        const next = new URL(res.headers.location, url).toString();
        return fetchOnce(next, part, opts, progress, redirects + 1).then(resolve, reject);
      }
      if (status === 416 && offset > 0) { res.resume(); return resolve(); } // nothing left to send: part is whole
      if (status !== 200 && status !== 206) {
        res.resume();
        const msg = `${url}: HTTP ${status}`;
        return reject(status >= 500 || status === 429 || status === 408 ? new TransientError(msg) : new Error(msg));
      }
      let start = 0;
      if (status === 206) {
        const m = /bytes (\d+)-/.exec(String(res.headers['content-range'] ?? ''));
        start = m ? Number(m[1]) : -1;
        if (start !== offset) { res.resume(); fs.rmSync(part, { force: true }); return reject(new TransientError(`${url}: server resumed at ${start}, not ${offset}; restarting`)); }
      }
      const length = res.headers['content-length'] !== undefined ? Number(res.headers['content-length']) : undefined;
      const total = length !== undefined ? start + length : undefined;
      const fd = fs.openSync(part, status === 206 ? 'a' : 'w');
      let done = start;
      const p = progress();
      let failed = false;
      const fail = (err: Error): void => { if (!failed) { failed = true; fs.closeSync(fd); reject(err); } };
      res.on('data', (chunk: Buffer) => {
        if (failed) return;
        try { fs.writeSync(fd, chunk); } catch (err) { res.destroy(); fail(err as Error); return; }
        done += chunk.length;
        p.update(done, total);
      });
      res.on('aborted', () => fail(new TransientError(`${url}: connection closed after ${done} bytes`)));
      res.on('error', (err) => fail(new TransientError(`${url}: ${err.message}`)));
      res.on('end', () => {
        if (failed) return;
        if (!res.complete || (total !== undefined && done !== total)) return fail(new TransientError(`${url}: connection closed after ${done} of ${total ?? '?'} bytes`));
        failed = true;
        fs.closeSync(fd);
        p.finish(done);
        resolve();
      });
    });
    req.setTimeout(opts.timeoutMs ?? 30000, () => req.destroy(new TransientError(`${url}: no data for ${(opts.timeoutMs ?? 30000) / 1000}s`)));
    req.on('error', (err) => reject(err instanceof TransientError ? err : new TransientError(`${url}: ${err.message}`)));
  });
}

/**
 * Downloads `url` to `dest`. A complete `dest` with the right md5 is kept as is. On a checksum
 * mismatch the file is deleted and the error names the file and both sums.
 */
export async function downloadFile(url: string, dest: string, opts: DownloadOptions = {}): Promise<void> {
  const log = opts.log ?? ((s: string) => process.stderr.write(s + '\n'));
  const name = path.basename(dest);
  const expected = opts.md5?.toLowerCase();
  if (fs.existsSync(dest)) {
    if (!expected || md5File(dest) === expected) return;
    fs.rmSync(dest);
  }
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const part = `${dest}.part`;
  const retries = opts.retries ?? 4;
  for (let attempt = 0; ; attempt++) {
    try {
      const resumeAt = sizeOf(part);
      if (resumeAt > 0) log(`${name}: resuming at byte ${resumeAt}`);
      await fetchOnce(url, part, opts, () => makeProgress(name, opts.progressOut ?? process.stderr, resumeAt));
      break;
    } catch (err) {
      if (!(err instanceof TransientError) || attempt >= retries) {
        throw new Error(`${(err as Error).message} (fetching ${name}${attempt > 0 ? ` after ${attempt + 1} attempts` : ''}; a partial file is kept and resumed next time)`);
      }
      const wait = (opts.retryDelayMs ?? 1000) * 2 ** attempt;
      log(`${name}: ${(err as Error).message}; retrying in ${(wait / 1000).toFixed(1)}s`);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
  if (expected) {
    const actual = md5File(part);
    if (actual !== expected) {
      fs.rmSync(part, { force: true });
      throw new Error(`${name}: checksum mismatch: expected md5 ${expected}, got ${actual}; the file was deleted (corrupt download or a mirror serving a different file; use --checksums to supply other sums)`);
    }
  }
  fs.renameSync(part, dest);
}
