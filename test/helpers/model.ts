/** Small models and batches for tests of the native path. */
import { describeModel, type ModelConfig } from '../../src/model/describe';
import { createModel, native, type Batch, type Losses, type NativeModel, type NativeOptions } from '../../src/native/addon';

export const OPTIONS: NativeOptions = {
  learningRateG: 1e-3, learningRateD: 1e-3, beta1: 0.5, clipNorm: 20, seed: 7, device: 'cpu', loss: 'seed', gLoss: 'seed', alpha: 0.9,
  emaDecay: 0, adamEpsilon: 'pytorch', gan: true, fakeBatchNorm: 'own', precision: 'fp32', updateRate: 1, reconWeight: 10, reconSteps: 1500,
};

export function config(over: Partial<ModelConfig> = {}): ModelConfig {
  return { model: 'seed', h: 28, w: 28, c: 1, k: 10, nz: 16, normType: 'batch', deconvType: 'bilinear', loss: 'seed', ...over };
}

export function makeModel(cfg: Partial<ModelConfig> = {}, opts: Partial<NativeOptions> = {}): NativeModel {
  native().setThreads(2);
  return createModel(describeModel(config(cfg)), { ...OPTIONS, ...opts });
}

/** One discriminator update of the seed recipe (its even steps), optionally with an unlabeled batch. */
export function dStep(m: NativeModel, labeled: Batch, unlabeled?: Batch | null): Promise<Losses> {
  return m.step(0, { labeled, unlabeled });
}

/** One generator update of the seed recipe (its odd steps; `step` sets the reconstruction weight). */
export function gStep(m: NativeModel, real: Batch, step = 1): Promise<Losses> {
  return m.step(step, { generatorReal: real });
}

/** z for n samples: fixed values spread over [-1, 1]. */
export function someZ(n: number, nz: number): Float32Array {
  return Float32Array.from({ length: n * nz }, (_, i) => Math.sin(i * 12.9898));
}

/** A deterministic batch of structured images: class k is a bright stripe at row band k. */
export function stripeBatch(n: number, h: number, w: number, c: number, k: number): Batch {
  const images = new Uint8Array(n * h * w * c);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = i % k;
    labels[i] = y;
    const band = Math.floor((y * h) / k);
    for (let r = 0; r < h; r++)
      for (let col = 0; col < w; col++)
        for (let ch = 0; ch < c; ch++)
          images[((i * h + r) * w + col) * c + ch] = Math.abs(r - band) <= 1 ? 230 : (r * 7 + col * 3 + i) % 40;
  }
  return { images, labels, n };
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** `s` as a literal inside a RegExp (file paths in expected messages). */
export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
