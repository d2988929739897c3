/**
 * Reading checkpoints: every command that loads one (eval, export, sample, a resumed train) opens it
 * through openCheckpoint, which verifies its manifest. Given a train dir, the newest checkpoint that
 * verifies is used and the newer ones that did not are reported with the reason.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TrainConfig } from '../config';
import { describeModel, type ModelDescription } from '../model/describe';
import type { Weights } from '../native/addon';
import { buildModel, type BuiltModel } from '../native/build';
import { brief } from '../util/messages';
import { CheckpointError, checkpointName, MANIFEST_FILE, META_FILE, STATE_FILE, stepOf, type CheckpointMeta } from './format';
import { readManifest, verifyManifest } from './manifest';
import { readStateTensors } from './state-file';

/** A newer checkpoint passed over, and why. */
export interface Skipped { dir: string; reason: string }

export interface OpenedCheckpoint {
  dir: string;
  meta: CheckpointMeta;
  /** False for a checkpoint written before manifests (nothing to verify against). */
  verified: boolean;
  /** Newer checkpoints of the train dir that failed verification. */
  skipped: Skipped[];
}

export interface LoadedCheckpoint extends BuiltModel { dir: string; meta: CheckpointMeta; step: number }

/**
 * A checkpoint's networks, read without libtorch: the model description and every network tensor
 * of state.pt by its name there (`D.*`, `G.*`, and `D_ema.*` when the moving average is kept).
 */
export interface CheckpointNetworks { dir: string; meta: CheckpointMeta; step: number; desc: ModelDescription; tensors: Weights }

/** checkpoint.json of a checkpoint directory, parsed (not verified: see openCheckpoint). */
export function readCheckpointMeta(dir: string): CheckpointMeta {
  const file = path.join(dir, META_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new CheckpointError(file, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : `unreadable: ${(e as Error).message}`);
  }
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(file, `not valid JSON: ${brief((e as Error).message)}`);
  }
  if (meta?.format !== 'ssgan-checkpoint') throw new CheckpointError(file, 'not an ssgan checkpoint description', false);
  const problem = metaProblem(meta);
  if (problem) throw new CheckpointError(file, problem);
  return meta;
}

const count = (x: unknown): boolean => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** What is wrong with a parsed description's fields (their types; config.ts judges the values), if anything. */
function metaProblem(m: CheckpointMeta): string | undefined {
  const shown = (x: unknown): string => brief(JSON.stringify(x) ?? String(x), 60);
  if (m.version !== 1 && m.version !== 2) return `"version" is ${shown(m.version)}, not 1 or 2`;
  if (!count(m.step)) return `"step" is ${shown(m.step)}, not a whole number`;
  if (!isObject(m.config)) return '"config" is not an object';
  if (!isObject(m.modelConfig)) return '"modelConfig" is not an object';
  const d: unknown = m.dataset;
  if (!isObject(d) || typeof d.name !== 'string' || typeof d.dir !== 'string' || !Array.isArray(d.classNames) || !d.classNames.every((s) => typeof s === 'string')) {
    return '"dataset" is not {name, dir, classNames: [strings]}';
  }
  if (!isObject(m.sampler) || !Object.values(m.sampler).every((s: unknown) => isObject(s) && count(s.epoch) && count(s.position))) {
    return '"sampler" is not a set of {epoch, position} counts';
  }
  if (m.labeled !== undefined && !(Array.isArray(m.labeled) && m.labeled.every(count))) return '"labeled" is not a list of example indices';
  return undefined;
}

let warnedUnverified = false;

/** Verifies one checkpoint directory against its manifest; throws a CheckpointError if it fails. */
export function verifyCheckpoint(dir: string): { meta: CheckpointMeta; verified: boolean } {
  const manifest = readManifest(dir);
  if (manifest) {
    if (!manifest.files[STATE_FILE] || !manifest.files[META_FILE]) throw new CheckpointError(path.join(dir, MANIFEST_FILE), `does not list ${STATE_FILE} and ${META_FILE}`);
    verifyManifest(dir, manifest);
    return { meta: readCheckpointMeta(dir), verified: true };
  }
  const meta = readCheckpointMeta(dir);
  // Version 2 checkpoints always have a manifest: without one, this one was tampered with.
  if (meta.version !== 1) throw new CheckpointError(path.join(dir, MANIFEST_FILE), `missing; a version ${meta.version} checkpoint has one`);
  const state = path.join(dir, STATE_FILE);
  if (!fs.existsSync(state)) throw new CheckpointError(state, 'missing');
  return { meta, verified: false };
}

function isCheckpointDir(p: string): boolean {
  return stepOf(path.basename(path.resolve(p))) >= 0 || fs.existsSync(path.join(p, META_FILE)) || fs.existsSync(path.join(p, MANIFEST_FILE));
}

/** The `model-<step>` directories of a train dir, newest first. */
export function listCheckpoints(trainDir: string): string[] {
  return fs
    .readdirSync(trainDir)
    .map(stepOf)
    .filter((s) => s >= 0 && fs.statSync(path.join(trainDir, checkpointName(s))).isDirectory())
    .sort((a, b) => b - a)
    .map((s) => path.join(trainDir, checkpointName(s)));
}

/**
 * A `model-<step>` directory as given (verified: a CheckpointError if it fails), or the newest
 * `model-<step>` inside a train dir that verifies, with the newer ones skipped and why.
 * Checkpoints written before manifests are taken unverified, with one warning per process.
 */
export function openCheckpoint(p: string): OpenedCheckpoint {
  if (!fs.existsSync(p)) throw new Error(`--checkpoint ${p}: no such file or directory`);
  let opened: OpenedCheckpoint | undefined;
  if (isCheckpointDir(p)) opened = { dir: p, ...verifyCheckpoint(p), skipped: [] };
  else {
    const skipped: Skipped[] = [];
    for (const dir of listCheckpoints(p)) {
      try {
        opened = { dir, ...verifyCheckpoint(dir), skipped };
        break;
      } catch (e) {
        if (!(e instanceof CheckpointError)) throw e;
        skipped.push({ dir, reason: e.message });
      }
    }
    if (!opened && !skipped.length) throw new Error(`--checkpoint ${p}: neither a model-<step> checkpoint nor a train dir holding one`);
    if (!opened) throw new Error(`--checkpoint ${p}: no usable checkpoint: ${skipped.map((s) => s.reason).join('; ')}`);
  }
  if (!opened.verified && !warnedUnverified) {
    warnedUnverified = true;
    process.stderr.write(`warning: ${opened.dir} has no ${MANIFEST_FILE} (written by an ssgan before checkpoint manifests): loaded without verifying it\n`);
  }
  return opened;
}

/** Reports skipped checkpoints, one line each. */
export function skippedLines(o: OpenedCheckpoint): string[] {
  return o.skipped.map((s) => `Skipped ${s.dir}: ${s.reason}`);
}

/**
 * The networks of a checkpoint already opened (and verified) by openCheckpoint; no optimiser state is
 * read. `prefix`: only the tensors named with it (one network, e.g. the classifier an export needs).
 */
export function readNetworks(opened: Pick<OpenedCheckpoint, 'dir' | 'meta'>, prefix?: string): CheckpointNetworks {
  const { dir, meta } = opened;
  const want = prefix === undefined ? (name: string) => /^(D|G|D_ema)\./.test(name) : (name: string) => name.startsWith(prefix);
  return { dir, meta, step: meta.step, desc: describeModel(meta.modelConfig), tensors: readStateTensors(path.join(dir, STATE_FILE), want) };
}

/** A native model for inference, built from a checkpoint's networks: no random initialisation, no optimisers. */
export function inferenceModel(nets: CheckpointNetworks, overrides: Partial<TrainConfig>): LoadedCheckpoint {
  const file = path.join(nets.dir, STATE_FILE);
  try {
    return { ...buildModel({ ...nets.meta.config, ...overrides }, nets.meta.modelConfig, nets.tensors), dir: nets.dir, meta: nets.meta, step: nets.step };
  } catch (e) {
    // The addon names the tensor that is missing or misshapen; the file is the one at fault.
    const m = /^weights: (.*)$/.exec((e as Error).message);
    if (m) throw new Error(`${file}: ${m[1].replace('were they', 'was it')}`);
    throw e;
  }
}

/**
 * Rebuilds the model a checkpoint was written by and loads its state. `overrides` set threads and
 * device; `purpose` 'resume' also restores both optimisers and the RNG, 'inference' only the
 * networks (read by readNetworks). Skipped newer checkpoints of a train dir are reported on stderr.
 */
export async function loadCheckpoint(p: string, overrides: Partial<TrainConfig> = {}, purpose: 'resume' | 'inference' = 'inference'): Promise<LoadedCheckpoint> {
  const opened = openCheckpoint(p);
  for (const line of skippedLines(opened)) process.stderr.write(`warning: ${line}\n`);
  return loadOpened(opened, overrides, purpose);
}

/** loadCheckpoint for a checkpoint already opened (and verified) by openCheckpoint. */
export async function loadOpened(opened: Pick<OpenedCheckpoint, 'dir' | 'meta'>, overrides: Partial<TrainConfig>, purpose: 'resume' | 'inference'): Promise<LoadedCheckpoint> {
  if (purpose === 'inference') return inferenceModel(readNetworks(opened), overrides);
  const { dir, meta } = opened;
  const built = buildModel({ ...meta.config, ...overrides }, meta.modelConfig);
  await built.model.load(path.join(dir, STATE_FILE));
  return { ...built, dir, meta, step: meta.step };
}

/** The train dir of a --checkpoint: the folder of a `model-<step>`, or the path itself. */
export function trainDirOf(p: string): string {
  if (!fs.existsSync(p)) throw new Error(`--checkpoint ${p}: no such file or directory`);
  return isCheckpointDir(p) ? path.dirname(path.resolve(p)) : p;
}
