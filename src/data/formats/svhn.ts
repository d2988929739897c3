// SVHN cropped digits (train_32x32.mat / test_32x32.mat): X uint8 [32,32,3,N] column-major, y [N,1]
// with 1..10 where 10 stands for digit 0.
import { parseMat5 } from './mat5';
import { quoted } from '../../util/messages';

export function svhnFromMat(buf: Uint8Array, file = 'SVHN .mat'): { images: Uint8Array; labels: Int32Array; h: number; w: number; c: number } {
  const vars = parseMat5(buf, file);
  const X = vars.get('X');
  const y = vars.get('y');
  if (!X || !y) throw new Error(`${file}: expected variables X and y, found ${[...vars.keys()].map((k) => quoted(k)).join(', ') || 'none'}`);
  if (X.className !== 'uint8' || X.dims.length !== 4 || X.dims.includes(0)) throw new Error(`${file}: X is ${X.className} [${X.dims}], expected uint8 [H, W, C, N]`);
  const [h, w, c, n] = X.dims;
  if (y.data.length !== n) throw new Error(`${file}: y has ${y.data.length} labels for ${n} images`);
  const images = new Uint8Array(n * h * w * c);
  const src = X.data;
  // column-major X[r, col, ch, i] is at r + h*(col + w*(ch + c*i)); NHWC wants ((i*h + r)*w + col)*c + ch
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      for (let col = 0; col < w; col++) {
        const from = h * (col + w * (ch + c * i));
        for (let r = 0; r < h; r++) images[((i * h + r) * w + col) * c + ch] = src[from + r];
      }
    }
  }
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = y.data[i];
    if (!(Number.isInteger(v) && v >= 1 && v <= 10)) throw new Error(`${file}: y[${i}] = ${v}, expected 1..10`);
    labels[i] = v === 10 ? 0 : v;
  }
  return { images, labels, h, w, c };
}
