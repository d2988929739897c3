/**
 * Runs torch_reference.py (an independent PyTorch interpreter of the layer list) on many jobs in
 * one Python process: the parity reference for layer lists the addon does not build.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Layer } from '../../../src/model/layers';
import type { Weights } from '../../../src/native/addon';
import { PYTHON } from '../../helpers/python';
import { repoRoot } from '../../helpers/repo-root';
import { tmpDir } from '../../helpers/tmp-dir';

export interface ReferenceJob {
  net: 'D' | 'G';
  layers: Layer[];
  weights: Weights;
  /** D: NHWC pixels 0..255; G: z. */
  input: Float32Array;
  inputShape: number[];
}

function writeF32(file: string, data: Float32Array): void {
  fs.writeFileSync(file, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
}

/** Outputs in job order: D -> logits [n, K+1], G -> NHWC images in [-1, 1]. */
export function runTorchReference(jobs: ReferenceJob[]): Float32Array[] {
  const dir = tmpDir('torchref');
  try {
    // One weights file for all jobs; a tensor shared by several cases is written once.
    const weightsFile = path.join(dir, 'weights.bin');
    const offsets = new Map<Float32Array, number>();
    const parts: Float32Array[] = [];
    let total = 0;
    const manifest = jobs.map((job, i) => {
      const index: Record<string, { shape: number[]; offset: number }> = {};
      for (const [name, t] of Object.entries(job.weights)) {
        if (!offsets.has(t.data)) {
          offsets.set(t.data, total);
          parts.push(t.data);
          total += t.data.length;
        }
        index[name] = { shape: t.shape, offset: offsets.get(t.data) as number };
      }
      const input = path.join(dir, `in${i}.bin`);
      writeF32(input, job.input);
      return { net: job.net, layers: job.layers, weights: index, weightsFile, input, inputShape: job.inputShape, output: path.join(dir, `out${i}.bin`) };
    });
    const all = new Float32Array(total);
    let o = 0;
    for (const p of parts) { all.set(p, o); o += p.length; }
    writeF32(weightsFile, all);
    const manifestFile = path.join(dir, 'manifest.json');
    fs.writeFileSync(manifestFile, JSON.stringify(manifest));
    const script = path.join(repoRoot(), 'test', 'export', 'helpers', 'torch_reference.py');
    execFileSync(PYTHON, [script, manifestFile], { stdio: ['ignore', 'inherit', 'inherit'] });
    return manifest.map((m) => {
      const b = fs.readFileSync(m.output);
      return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
