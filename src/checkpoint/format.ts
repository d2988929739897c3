/**
 * The checkpoint format. `<train dir>/model-<step>/` holds:
 *  - `state.pt`: both networks, both optimisers, the RNG (libtorch's archive, written by the addon;
 *    inference reads the networks alone from it, without libtorch: state-file.ts);
 *  - `checkpoint.json`: step, configs, dataset facts, sampler position (CheckpointMeta);
 *  - `manifest.json`, written last: the size and SHA-256 of each of the above (Manifest).
 * A checkpoint is built under a temporary name and renamed into place once its manifest is
 * written, so `model-<step>` is complete or absent. Version 1 checkpoints (no manifest) still load.
 */
import type { TrainConfig } from '../config';
import type { ModelConfig } from '../model/describe';

export const PRODUCER = 'ssgan';
export const PRODUCER_VERSION: string = require('../../../package.json').version;

export const META_FILE = 'checkpoint.json';
export const STATE_FILE = 'state.pt';
export const MANIFEST_FILE = 'manifest.json';

/** 2: with manifest.json (a version 2 checkpoint without one is corrupt); 1: written before manifests. */
export const FORMAT_VERSION = 2;

/** Where a sampler stands in its epoch (train/sampler.ts's SamplerState). */
export interface SamplerPosition { epoch: number; position: number }

export interface CheckpointMeta {
  format: 'ssgan-checkpoint';
  version: 1 | 2;
  step: number;
  config: TrainConfig;
  modelConfig: ModelConfig;
  dataset: { name: string; dir: string; classNames: string[] };
  sampler: Record<string, SamplerPosition>;
  /** Indices of the labeled training examples when training with few labels. */
  labeled?: number[];
}

export interface ManifestEntry { bytes: number; sha256: string }

export interface Manifest {
  format: 'ssgan-checkpoint-manifest';
  version: 1;
  algorithm: 'sha256';
  files: Record<string, ManifestEntry>;
}

const CHECKPOINT_NAME = /^model-(\d+)$/;

export function checkpointName(step: number): string {
  return `model-${step}`;
}

/** The step of a `model-<step>` name, or -1. */
export function stepOf(name: string): number {
  const m = CHECKPOINT_NAME.exec(name);
  return m ? Number(m[1]) : -1;
}

/**
 * A checkpoint that cannot be used: `file` is the file at fault, `reason` says why. Its message is
 * one line, `<file>: corrupt checkpoint (<reason>)` or `<file>: <reason>` when nothing is corrupt.
 */
export class CheckpointError extends Error {
  constructor(readonly file: string, readonly reason: string, readonly corrupt = true) {
    super(corrupt ? `${file}: corrupt checkpoint (${reason})` : `${file}: ${reason}`);
    this.name = 'Error';
  }
}
