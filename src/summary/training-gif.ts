// Animates the sample grids over training into one GIF (like the seed's
// visualize_training.py), one frame per grid in step order.
import * as fs from 'fs';
import { PNG } from 'pngjs';
import { applyPalette, GIFEncoder, quantize } from 'gifenc';
import { SampleGrid } from './sample-grids';

export interface GifOptions {
  /** Milliseconds per frame; default 200. The last frame is held 5x longer. */
  frameDelayMs?: number;
  /** Long runs are subsampled evenly to at most this many frames (first and
   *  last kept) so the GIF stays a reasonable size; default 300. */
  maxFrames?: number;
}

export function pickFrames<T>(items: T[], maxFrames: number): T[] {
  if (items.length <= maxFrames) return items.slice();
  if (maxFrames < 2) return items.slice(-1);
  const picked: T[] = [];
  for (let i = 0; i < maxFrames; i++) picked.push(items[Math.round((i * (items.length - 1)) / (maxFrames - 1))]);
  return picked;
}

/** Exact palette when the frame has at most 256 colours (always true for
 *  grayscale grids, which gifenc's rgb565 quantizer would band to 32 grays);
 *  otherwise a per-frame quantized palette. */
function indexColors(rgba: Uint8Array): { palette: number[][]; index: Uint8Array } {
  const slots = new Map<number, number>();
  const index = new Uint8Array(rgba.length / 4);
  for (let p = 0, i = 0; i < rgba.length; p++, i += 4) {
    const rgb = (rgba[i] << 16) | (rgba[i + 1] << 8) | rgba[i + 2];
    let slot = slots.get(rgb);
    if (slot === undefined) {
      if (slots.size === 256) {
        const palette = quantize(rgba, 256);
        return { palette, index: applyPalette(rgba, palette) };
      }
      slot = slots.size;
      slots.set(rgb, slot);
    }
    index[p] = slot;
  }
  const palette = [...slots.keys()].map((rgb) => [rgb >> 16, (rgb >> 8) & 0xff, rgb & 0xff]);
  return { palette, index };
}

/** Encodes the grids as an animated GIF and returns its bytes and frame count. */
export function encodeTrainingGif(grids: SampleGrid[], opts: GifOptions = {}): { gif: Uint8Array; frames: number; width: number; height: number } {
  const delay = opts.frameDelayMs ?? 200;
  const frames = pickFrames(grids, Math.max(1, opts.maxFrames ?? 300));
  if (frames.length === 0) throw new Error('no sample grids to animate');
  const gif = GIFEncoder();
  let width = 0;
  let height = 0;
  frames.forEach((grid, i) => {
    let png: PNG;
    try {
      png = PNG.sync.read(fs.readFileSync(grid.file));
    } catch (e) {
      throw new Error(`${grid.file} is not a readable PNG (${(e as Error).message}); delete it or re-run training to rewrite it`);
    }
    if (i === 0) ({ width, height } = png);
    else if (png.width !== width || png.height !== height) {
      throw new Error(`${grid.file} is ${png.width}x${png.height} but earlier grids are ${width}x${height}; all sample grids of a run must be the same size`);
    }
    const { palette, index } = indexColors(png.data);
    gif.writeFrame(index, width, height, { palette, delay: i === frames.length - 1 ? delay * 5 : delay });
  });
  gif.finish();
  return { gif: gif.bytes(), frames: frames.length, width, height };
}
