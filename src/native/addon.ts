/**
 * Typed surface of the libtorch addon (native/binding.cpp). Everything heavy runs off the JS
 * thread and resolves a Promise; libtorch errors arrive as rejected Promises with their message.
 */
import * as path from 'node:path';
import type { ModelDescription } from '../model/describe';

/** A parameter or buffer: float32 values in PyTorch layout. */
export interface Tensor { shape: number[]; data: Float32Array }
/** Parameters and buffers by name: `D.<layer>.<param>`, `G.<layer>.<param>`. */
export type Weights = Record<string, Tensor>;

/** Raw pixels, NHWC uint8 (the dataset layout); labels 0..K-1, or -1 for "unlabeled". */
export interface Batch { images: Uint8Array; labels: Int32Array; n: number }

/** Whatever the step computed; keys named as the seed's summaries name them. */
export interface Losses {
  d_loss?: number;
  d_loss_real?: number;
  d_loss_fake?: number;
  d_loss_unlabeled?: number;
  g_loss?: number;
  GAN_loss?: number;
  s_loss?: number;
  accuracy?: number;
}

export interface NativeOptions {
  lrG: number;
  lrD: number;
  beta1: number;
  clipNorm: number; // global-norm gradient clipping; 0 disables
  seed: number;
  device: 'cpu' | 'cuda';
  loss: 'seed' | 'improved-gan';
  gLoss: 'seed' | 'feature-matching';
  /** Fake-class target probability (one-sided label smoothing) of the seed loss. */
  alpha: number;
  /** Decay of the classifier's weight moving average; 0 keeps none. */
  emaDecay: number;
  /** pytorch: m / (sqrt(v) + 1e-8); official: the Improved-GAN code's m / sqrt(v + 1e-8). Default pytorch. */
  adamEpsilon?: 'pytorch' | 'official';
}

export interface NativeModel {
  /** One discriminator update on a labeled batch, optionally an unlabeled one, and a generated batch. */
  trainDiscriminator(labeled: Batch, unlabeled: Batch | null): Promise<Losses>;
  /** One generator update; `real` feeds the annealed reconstruction loss and feature matching. */
  trainGenerator(real: Batch, reconWeight: number): Promise<Losses>;
  /** Losses and accuracy on a batch without training (eval-mode batch norm). */
  evaluate(batch: Batch): Promise<Losses>;
  /** Eval-mode logits [n, K + 1] of raw NHWC pixels; `ema` uses the averaged weights when kept. */
  classify(images: Uint8Array | Float32Array, n: number, ema?: boolean): Promise<Float32Array>;
  /** Eval-mode generator: z [n, n_z] -> NHWC images in [-1, 1]. */
  generate(z: Float32Array, n: number): Promise<Float32Array>;
  /** Data-dependent initialisation of the weight-normalised layers from a real batch (and noise). */
  initFromData(batch: Batch): Promise<void>;
  /** Changes both optimisers' learning rates (schedules). */
  setLearningRates(lrG: number, lrD: number): void;
  /** Noise for the generator from the model's own seeded generator: [n, n_z]. */
  sampleZ(n: number): Float32Array;
  save(file: string): Promise<void>;
  /** `weightsOnly` skips the optimiser and RNG state (inference needs only the networks). */
  load(file: string, weightsOnly?: boolean): Promise<void>;
  /** Copies of all parameters and buffers; with `ema`, the discriminator's averaged weights. */
  weights(ema?: boolean): Weights;
  /** Replace parameters/buffers by name (tests, imports); shapes must match. */
  setWeights(w: Weights): void;
  readonly device: string;
}

interface Binding {
  Model: new (desc: ModelDescription, opts: NativeOptions) => NativeModel;
  setThreads(n: number): void;
  getThreads(): number;
  /** OpenBLAS's thread count (setThreads sets it too), 0 when libtorch's BLAS is not OpenBLAS. */
  blasThreads(): number;
  cudaAvailable(): boolean;
  torchVersion(): string;
}

let binding: Binding | undefined;

/** Loads build/Release/ssgan_native.node, with the fix in the message when it is missing. */
export function native(): Binding {
  if (binding) return binding;
  const file = path.resolve(__dirname, '..', '..', '..', 'build', 'Release', 'ssgan_native.node');
  try {
    binding = require(file) as Binding;
  } catch (e) {
    throw new Error(`cannot load the libtorch addon ${file}: ${(e as Error).message.split('\n')[0]} (run: npm run build:native)`);
  }
  return binding;
}

export function createModel(desc: ModelDescription, opts: NativeOptions): NativeModel {
  return new (native().Model)(desc, opts);
}
