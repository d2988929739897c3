/**
 * Typed surface of the libtorch addon (native/binding.cpp). Everything heavy runs off the JS
 * thread and resolves a Promise; libtorch errors arrive as rejected Promises with their message.
 * Images cross the boundary as NHWC pixels in 0..255, both ways, as in the exported ONNX models.
 */
import * as path from 'node:path';
import type { TrainConfig } from '../config';
import { completeLayer } from '../model/layers';
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
  s_loss?: number;
  accuracy?: number;
  /** The seed's annealed reconstruction weight used by this generator update. */
  recon_weight?: number;
}

/** The training settings the addon reads: TrainConfig's own fields, complete, device resolved. */
export type NativeOptions = Pick<TrainConfig, 'learningRateG' | 'learningRateD' | 'beta1' | 'clipNorm' | 'alpha' | 'emaDecay' | 'seed' | 'loss' | 'gLoss' | 'updateRate' | 'reconWeight' | 'reconSteps'> &
  Required<Pick<TrainConfig, 'adamEpsilon' | 'gan' | 'fakeBatchNorm' | 'precision'>> & { device: 'cpu' | 'cuda' };

/** Which batches a step of the recipe reads; the caller draws exactly these, in this order. */
export interface StepPlan { labeled: boolean; unlabeled: boolean; generatorReal: boolean }
export interface StepBatches { labeled?: Batch; unlabeled?: Batch | null; generatorReal?: Batch }

export interface NativeModel {
  /** The batches step `step` (0-based) of the recipe reads. */
  plan(step: number): StepPlan;
  /**
   * One step of the recipe (see native/trainer.h): the seed's alternating discriminator or
   * generator update, Improved-GAN's discriminator then generator update, or a supervised update.
   * Rejects, without changing any weight, when a loss or gradient norm is not finite.
   */
  step(step: number, batches: StepBatches): Promise<Losses>;
  /** Losses and accuracy on a batch without training (eval-mode batch norm). */
  evaluate(batch: Batch): Promise<Losses>;
  /** Eval-mode logits [n, K + 1] of NHWC pixels 0..255; `ema` uses the averaged weights when kept. */
  classify(images: Uint8Array | Float32Array, n: number, ema?: boolean): Promise<Float32Array>;
  /** Eval-mode generator: z [n, n_z] -> NHWC pixels in 0..255 (float). */
  generate(z: Float32Array, n: number): Promise<Float32Array>;
  /** Data-dependent initialisation of the weight-normalised layers from a real batch (and noise). */
  initFromData(batch: Batch): Promise<void>;
  /** In a process group (joinProcessGroup): every parameter and buffer from rank 0, on every rank. */
  broadcastWeights(): Promise<void>;
  /** Changes both optimisers' learning rates (schedules). */
  setLearningRates(lrG: number, lrD: number): Promise<void>;
  save(file: string): Promise<void>;
  /** Networks, optimisers and RNG from a state.pt that save() wrote (resuming). */
  load(file: string): Promise<void>;
  /** Copies of all parameters and buffers; with `ema`, the discriminator's averaged weights. */
  weights(ema?: boolean): Promise<Weights>;
  /** Replaces parameters/buffers by name (imports, tests); shapes must match. */
  setWeights(w: Weights): Promise<void>;
  readonly device: string;
}

interface Binding {
  /**
   * A model to train (networks initialised from opts.seed, both optimisers), or, given `weights`,
   * one for inference: every network tensor from them by name (`D.*`, `G.*`, `D_ema.*` when the
   * moving average is kept), nothing drawn at random, no optimisers (step and save reject).
   */
  Model: new (desc: ModelDescription, opts: NativeOptions, weights?: Weights) => NativeModel;
  setThreads(n: number): void;
  getThreads(): number;
  /** OpenBLAS's thread count (setThreads sets it too), 0 when libtorch's BLAS is not OpenBLAS. */
  blasThreads(): number;
  cudaAvailable(): boolean;
  torchVersion(): string;
  /** Ends the process with `code` at once, skipping static destructors (see exitWhenWritten). */
  exitNow(code: number): never;
  /**
   * Joins the data-parallel process group (c10d's TCPStore at masterAddr:masterPort, served by rank
   * 0, or, with a non-empty agentStorePrefix, by torchrun's agent; and a Gloo process group);
   * resolves once every rank has joined. Once per process: from then
   * on every model's step and evaluation works on this rank's share of the batch and averages
   * gradients and losses across ranks (native/dist.h).
   */
  joinProcessGroup(o: { rank: number; world: number; masterAddr: string; masterPort: number; timeoutMs: number; backend: string; agentStorePrefix: string }): Promise<void>;
  /** True on every rank when `flag` is true on any (a collective: every rank calls it). */
  anyRank(flag: boolean): Promise<boolean>;
  /** Wall seconds this process has spent averaging gradients across ranks (benchmarks). */
  gradientAveragingSeconds(): number;
}

let binding: Binding | undefined;

/** Loads build/Release/ssgan_native.node, with the fix in the message when it is missing. */
export function native(): Binding {
  if (binding) return binding;
  const file = path.resolve(__dirname, '..', '..', '..', 'build', 'Release', 'ssgan_native.node');
  // After each call OpenBLAS's idle threads spin (sched_yield) for 2^28 cycles, taking the cores the
  // convolutions' threads need (the 32x32x3 step: 1.6x slower on 2 cores); 2^4 lets them sleep at
  // once. OpenBLAS reads it as libtorch loads it; a value already set stays.
  process.env.OPENBLAS_THREAD_TIMEOUT ??= '4';
  try {
    binding = require(file) as Binding;
  } catch (e) {
    throw new Error(`cannot load the libtorch addon ${file}: ${(e as Error).message.split('\n')[0]} (run: npm run build:native)`);
  }
  return binding;
}

/**
 * For a command that is done: once stdout and stderr have written everything, ends the process
 * without the 0.1-0.2 s libtorch's libraries spend in static destructors at exit. Returns (and the
 * process exits as usual) when the addon was never loaded: there is nothing to skip.
 */
export async function exitWhenWritten(code: number): Promise<void> {
  if (!binding) return;
  for (const s of [process.stdout, process.stderr]) if (s.writableLength > 0) await new Promise((resolve) => s.once('drain', resolve));
  binding.exitNow(code);
}

/**
 * A native model of a description, to train or, with `weights`, for inference (Binding.Model);
 * every layer is handed over complete (the addon reads it strictly).
 */
export function createModel(desc: ModelDescription, opts: NativeOptions, weights?: Weights): NativeModel {
  const complete = { ...desc, discriminator: desc.discriminator.map(completeLayer), generator: desc.generator.map(completeLayer) };
  return weights ? new (native().Model)(complete, opts, weights) : new (native().Model)(complete, opts);
}
