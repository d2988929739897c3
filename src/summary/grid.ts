// Tiles a batch of NHWC uint8 images into one PNG grid (grayscale shown as gray).
import { PNG } from 'pngjs';

export interface GridOptions {
  /** Images per row; default ceil(sqrt(n)) so the grid is near-square. */
  cols?: number;
  /** Pixels of background between and around images; default 2. */
  pad?: number;
}

export interface Grid {
  png: Buffer;
  width: number;
  height: number;
  /** The grid as RGBA pixels, row-major, width*height*4 bytes. */
  rgba: Uint8Array;
}

export function imageGrid(images: Uint8Array, n: number, h: number, w: number, c: number, opts: GridOptions = {}): Grid {
  if (c !== 1 && c !== 3) throw new RangeError(`imageGrid: channels must be 1 or 3, got ${c}`);
  if (!(n > 0 && h > 0 && w > 0)) throw new RangeError(`imageGrid: need n, h, w > 0, got ${n}x${h}x${w}`);
  if (images.length !== n * h * w * c) {
    throw new RangeError(`imageGrid: expected ${n}*${h}*${w}*${c} = ${n * h * w * c} bytes, got ${images.length}`);
  }
  const cols = Math.max(1, Math.min(n, opts.cols ?? Math.ceil(Math.sqrt(n))));
  const rows = Math.ceil(n / cols);
  const pad = Math.max(0, opts.pad ?? 2);
  const width = cols * (w + pad) + pad;
  const height = rows * (h + pad) + pad;

  const rgba = new Uint8Array(width * height * 4);
  // Opaque black background for the padding and any empty cells.
  for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;

  for (let k = 0; k < n; k++) {
    const x0 = pad + (k % cols) * (w + pad);
    const y0 = pad + Math.floor(k / cols) * (h + pad);
    for (let y = 0; y < h; y++) {
      let src = ((k * h + y) * w) * c;
      let dst = ((y0 + y) * width + x0) * 4;
      for (let x = 0; x < w; x++, src += c, dst += 4) {
        const r = images[src];
        rgba[dst] = r;
        rgba[dst + 1] = c === 1 ? r : images[src + 1];
        rgba[dst + 2] = c === 1 ? r : images[src + 2];
      }
    }
  }

  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  // Grayscale input stays a grayscale PNG (smaller); colour becomes RGB.
  const encoded = PNG.sync.write(png, { colorType: c === 1 ? 0 : 2, inputColorType: 6, inputHasAlpha: true });
  return { png: encoded, width, height, rgba };
}
