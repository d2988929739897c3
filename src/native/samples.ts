/** Generated images from a native model: n samples of uniform noise z drawn from a seed. */
import { pixelBytes } from '../util/pixels';
import { uniformNoise } from '../util/random';
import type { NativeModel } from './addon';

export interface Samples { images: Uint8Array; n: number; h: number; w: number; c: number }

export async function sampleTorch(model: NativeModel, shape: { h: number; w: number; c: number; nz: number; zLow: number; zHigh: number }, n: number, seed: number): Promise<Samples> {
  const z = uniformNoise(n * shape.nz, shape.zLow, shape.zHigh, seed);
  return { images: pixelBytes(await model.generate(z, n)), n, h: shape.h, w: shape.w, c: shape.c };
}
