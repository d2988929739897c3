// CIFAR-10 binary batches: each record is 1 label byte then 1024 R, 1024 G, 1024 B bytes (each a
// row-major 32x32 plane). Converted to NHWC (interleaved RGB), the layout every ssgan dataset uses.
export const CIFAR_SIDE = 32;
const PLANE = CIFAR_SIDE * CIFAR_SIDE;
const RECORD = 1 + 3 * PLANE;

export function parseCifarBatch(buf: Uint8Array, file = 'CIFAR batch'): { images: Uint8Array; labels: Int32Array } {
  if (buf.length === 0 || buf.length % RECORD !== 0) throw new Error(`${file}: ${buf.length} bytes is not a whole number of ${RECORD}-byte records`);
  const n = buf.length / RECORD;
  const images = new Uint8Array(n * 3 * PLANE);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const rec = i * RECORD;
    labels[i] = buf[rec];
    if (labels[i] > 9) throw new Error(`${file}: record ${i} has label ${labels[i]}, expected 0..9`);
    const out = i * 3 * PLANE;
    for (let p = 0; p < PLANE; p++) {
      images[out + 3 * p] = buf[rec + 1 + p];
      images[out + 3 * p + 1] = buf[rec + 1 + PLANE + p];
      images[out + 3 * p + 2] = buf[rec + 1 + 2 * PLANE + p];
    }
  }
  return { images, labels };
}

/** batches.meta.txt: one class name per line. */
export function parseCifarMeta(text: string): string[] {
  return text.split(/\r?\n/).map((s) => s.trim()).filter((s) => s.length > 0);
}
