/**
 * `ssgan sample`: generated images from a checkpoint (libtorch) or a generator.onnx (onnxruntime),
 * written as a PNG grid or, for a `.h5` / `.hdf5` file, as an HDF5 dataset `image` [n, H, W, C] uint8.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadH5wasm } from '../data/hdf5/h5wasm';
import { type Samples } from '../native/samples';
import { imageGrid } from '../summary/grid';
import { tempSibling, writeFileAtomic } from '../util/atomic';
import { pixelBytes } from '../util/pixels';
import { uniformNoise } from '../util/random';
import type { OnnxGenerator } from './onnx-generator';

export async function sampleOnnx(gen: OnnxGenerator, n: number, seed: number): Promise<Samples> {
  const [h, w, c] = gen.imageShape;
  const z = uniformNoise(n * gen.nz, gen.zRange[0], gen.zRange[1], seed);
  return { images: pixelBytes(await gen.generate(z, n)), n, h, w, c };
}


function isHdf5(file: string): boolean {
  return /\.(h5|hdf5)$/i.test(file);
}

async function writeHdf5(file: string, s: Samples): Promise<void> {
  const h5 = await loadH5wasm();
  const tmp = tempSibling(file);
  try {
    const f = new h5.File(tmp, 'w');
    f.create_dataset({ name: 'image', data: s.images, shape: [s.n, s.h, s.w, s.c], dtype: '<B' });
    f.close();
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** PNG grid, or HDF5 when the name ends in .h5/.hdf5. */
export async function writeSamples(file: string, s: Samples): Promise<void> {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  if (isHdf5(file)) return writeHdf5(file, s);
  if (!/\.png$/i.test(file)) throw new Error(`--out ${file}: name a .png (image grid) or .h5/.hdf5 (HDF5 dump) file`);
  writeFileAtomic(file, imageGrid(s.images, s.n, s.h, s.w, s.c).png);
}
