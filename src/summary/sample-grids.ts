// Finds the sample grids the trainer writes: DIR/samples/sample-<step>.png,
// with or without zero-padding, ordered by step number (not by name).
import * as fs from 'fs';
import * as path from 'path';

export interface SampleGrid {
  step: number;
  file: string;
}

const SAMPLE_NAME = /^sample-(\d+)\.png$/;

export function listSampleGrids(samplesDir: string): SampleGrid[] {
  if (!fs.existsSync(samplesDir)) return [];
  return fs
    .readdirSync(samplesDir)
    .map((name) => ({ name, m: SAMPLE_NAME.exec(name) }))
    .filter((e): e is { name: string; m: RegExpExecArray } => e.m !== null)
    .map((e) => ({ step: Number(e.m[1]), file: path.join(samplesDir, e.name) }))
    .sort((a, b) => a.step - b.step);
}
