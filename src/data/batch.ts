/** Batches of examples gathered from a dataset's images, for training, evaluation and scoring alike. */
import type { Batch } from '../native/addon';

export interface ImageSource { images: Uint8Array; labels: Int32Array; h: number; w: number; c: number }

/** Copies the examples at `idx` into one contiguous NHWC batch; unlabeled batches carry -1. */
export function gather(src: ImageSource, idx: ArrayLike<number>, labeled = true): Batch {
  const size = src.h * src.w * src.c;
  const images = new Uint8Array(idx.length * size);
  const labels = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    const j = idx[i];
    images.set(src.images.subarray(j * size, (j + 1) * size), i * size);
    labels[i] = labeled ? src.labels[j] : -1;
  }
  return { images, labels, n: idx.length };
}
