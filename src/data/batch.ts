/** Batches of examples gathered from a dataset's images, for training, evaluation and scoring alike. */
import type { Batch } from '../native/addon';

export interface ImageSource { images: Uint8Array; labels: Int32Array; h: number; w: number; c: number }

/** Copies the examples at `idx` into one contiguous NHWC batch; unlabeled batches carry -1. */
export function gather(src: ImageSource, idx: ArrayLike<number>, labeled = true): Batch {
  const size = src.h * src.w * src.c;
  const images = new Uint8Array(idx.length * size);
  const labels = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; ) {
    // A run of consecutive examples (a test split usually is one) is copied at once.
    const j = idx[i];
    let run = 1;
    while (i + run < idx.length && idx[i + run] === j + run) run++;
    images.set(src.images.subarray(j * size, (j + run) * size), i * size);
    for (let r = 0; r < run; r++) labels[i + r] = labeled ? src.labels[j + r] : -1;
    i += run;
  }
  return { images, labels, n: idx.length };
}
