/** Accuracy of the libtorch classifier over a whole split (eval-mode, moving-average weights when kept). */
import type { NativeModel } from '../native/addon';
import { gather, type ImageSource } from './sampler';

const CHUNK = 500;

/** Predicted labels (argmax over the K real classes) for the examples at `indices`. */
export async function predictLabels(model: NativeModel, src: ImageSource & { k: number }, indices: Int32Array): Promise<Int32Array> {
  const out = new Int32Array(indices.length);
  const k1 = src.k + 1;
  for (let i = 0; i < indices.length; i += CHUNK) {
    const batch = gather(src, indices.subarray(i, i + CHUNK));
    const logits = await model.classify(batch.images, batch.n, true);
    for (let q = 0; q < batch.n; q++) {
      let best = 0;
      for (let c = 1; c < src.k; c++) if (logits[q * k1 + c] > logits[q * k1 + best]) best = c;
      out[i + q] = best;
    }
  }
  return out;
}

export async function splitAccuracy(model: NativeModel, src: ImageSource & { k: number }, indices: Int32Array): Promise<{ accuracy: number; errors: number; examples: number }> {
  const pred = await predictLabels(model, src, indices);
  let errors = 0;
  pred.forEach((p, i) => { if (p !== src.labels[indices[i]]) errors++; });
  return { accuracy: 1 - errors / indices.length, errors, examples: indices.length };
}
