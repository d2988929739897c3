// Runs tfevents_reader.py (Debian python3 + protobuf + crcmod + Pillow): the
// tests check ssgan's files with code that shares nothing with the writers.
import { spawnSync } from 'child_process';
import * as path from 'path';
import { PYTHON } from '../helpers/python';
import { repoRoot } from '../helpers/repo-root';

const SCRIPT = path.join(repoRoot(), 'test', 'summary', 'tfevents_reader.py');

export interface DecodedImage {
  format: string;
  width: number;
  height: number;
  mode: string;
  frames: number;
  durations: (number | null)[];
  /** RGB of each frame's centre pixel. */
  center_rgb: number[][];
}

export interface EventRecord {
  wall_time: number;
  step: number;
  what: string | null;
  file_version?: string;
  values?: {
    tag: string;
    kind: string;
    simple_value?: number;
    image?: { height: number; width: number; colorspace: number; decoded: DecodedImage };
  }[];
}

function run(args: string[]): unknown {
  const r = spawnSync(PYTHON, [SCRIPT, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`cannot run ${PYTHON} (${r.error.message}); the summary tests need Debian's python3`);
  if (r.status !== 0) throw new Error(`independent reader failed (exit ${r.status}): ${r.stderr.trim()}`);
  return JSON.parse(r.stdout);
}

export function readEventsIndependently(file: string): EventRecord[] {
  return run(['events', file]) as EventRecord[];
}

export function readImagesIndependently(...files: string[]): DecodedImage[] {
  return run(['images', ...files]) as DecodedImage[];
}
