/**
 * Eval-mode reference outputs for the parity tests: libtorch (the addon) when it is built, which is
 * what the parity promise is about; otherwise the independent PyTorch interpreter, so the exporter
 * stays testable on a machine without the native build. `SSGAN_PARITY_REFERENCE=torch|addon` forces one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ModelDescription } from '../../../src/model/describe';
import { createModel, type NativeOptions, type Weights } from '../../../src/native/addon';
import { OPTIONS } from '../../helpers/model';
import { repoRoot } from '../../helpers/repo-root';
import { runTorchReference, type ReferenceJob } from './torch-reference';

export interface RefCase {
  desc: ModelDescription;
  weights: Weights;
  /** Batches to run: NHWC pixels (float, 0..255) and z, with their sizes. */
  images: { data: Float32Array; n: number }[];
  z: { data: Float32Array; n: number }[];
}

export interface RefOutputs {
  /** The weights as the reference holds them (the addon's read-back), to export from. */
  weights: Weights;
  logits: Float32Array[];
  /** NHWC in [-1, 1] (the PyTorch interpreter's scale; the addon's pixels are mapped to it). */
  images: Float32Array[];
}

export const ADDON_FILE = path.join(repoRoot(), 'build', 'Release', 'ssgan_native.node');

export function referenceKind(): 'addon' | 'torch' {
  const forced = process.env.SSGAN_PARITY_REFERENCE;
  if (forced === 'addon' || forced === 'torch') return forced;
  return fs.existsSync(ADDON_FILE) ? 'addon' : 'torch';
}

export const NATIVE_TEST_OPTIONS: NativeOptions = { ...OPTIONS, seed: 1 };

async function addonOutputs(c: RefCase): Promise<RefOutputs> {
  const model = createModel(c.desc, { ...NATIVE_TEST_OPTIONS, loss: c.desc.config.loss });
  await model.setWeights(c.weights);
  const weights = await model.weights();
  // The random values (non-trivial running statistics included) must be what the addon now runs.
  for (const [key, t] of Object.entries(c.weights)) {
    const got = weights[key];
    if (!got || got.data.length !== t.data.length || got.data.some((v, i) => v !== t.data[i])) throw new Error(`addon did not take ${key} from setWeights`);
  }
  const logits: Float32Array[] = [];
  for (const b of c.images) logits.push(await model.classify(b.data, b.n));
  const images: Float32Array[] = [];
  for (const b of c.z) images.push((await model.generate(b.data, b.n)).map((v) => v / 127.5 - 1));
  return { weights, logits, images };
}

function torchOutputs(cases: RefCase[]): RefOutputs[] {
  const jobs: ReferenceJob[] = [];
  for (const c of cases) {
    const { h, w, c: ch, nz } = c.desc.config;
    for (const b of c.images) jobs.push({ net: 'D', layers: c.desc.discriminator, weights: c.weights, input: b.data, inputShape: [b.n, h, w, ch] });
    for (const b of c.z) jobs.push({ net: 'G', layers: c.desc.generator, weights: c.weights, input: b.data, inputShape: [b.n, nz] });
  }
  const outs = runTorchReference(jobs);
  let i = 0;
  return cases.map((c) => ({
    weights: c.weights,
    logits: c.images.map(() => outs[i++]),
    images: c.z.map(() => outs[i++]),
  }));
}

export async function referenceOutputs(cases: RefCase[], kind = referenceKind()): Promise<RefOutputs[]> {
  if (kind === 'torch') return torchOutputs(cases);
  const out: RefOutputs[] = [];
  for (const c of cases) out.push(await addonOutputs(c));
  return out;
}
