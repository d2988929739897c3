/** Accuracy of the libtorch classifier over a whole split (eval mode, moving-average weights when kept). */
import { torchPredictor } from '../native/predictor';
import type { NativeModel } from '../native/addon';
import { gather, type ImageSource } from '../data/batch';

/** Examples gathered per forward pass, so a large split is never copied whole. */
const CHUNK = 500;

export async function splitAccuracy(model: NativeModel, src: ImageSource & { k: number }, indices: Int32Array): Promise<{ accuracy: number; errors: number; examples: number }> {
  const predictor = torchPredictor(model, src.k, src.h * src.w * src.c, CHUNK, true);
  let errors = 0;
  for (let i = 0; i < indices.length; i += CHUNK) {
    const batch = gather(src, indices.subarray(i, i + CHUNK));
    const { labels } = await predictor.predict(batch.images, batch.n);
    labels.forEach((p, q) => { if (p !== batch.labels[q]) errors++; });
  }
  return { accuracy: 1 - errors / indices.length, errors, examples: indices.length };
}
