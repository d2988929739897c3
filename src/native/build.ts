/** From a training configuration and a dataset's shape to a described, built native model. */
import type { TrainConfig } from '../config';
import { describeModel, type ModelConfig, type ModelDescription } from '../model/describe';
import { createModel, native, type NativeModel, type NativeOptions, type Weights } from './addon';

export interface BuiltModel { desc: ModelDescription; model: NativeModel; device: 'cpu' | 'cuda' }

export function modelConfigFor(c: TrainConfig, data: { h: number; w: number; c: number; k: number }): ModelConfig {
  const mc: ModelConfig = { model: c.model, h: data.h, w: data.w, c: data.c, k: data.k, nz: c.nZ, normType: c.normType, deconvType: c.deconvType, loss: c.loss };
  if (c.model === 'seed' && c.generator !== undefined) mc.generator = c.generator;
  if (c.officialInit) mc.officialInit = true;
  if (c.generatorInit === 'glorot') mc.glorotGenerator = true;
  return mc;
}

/** `auto` means CUDA when this libtorch has it and a GPU is visible, else CPU. */
export function resolveDevice(d: TrainConfig['device']): 'cpu' | 'cuda' {
  const cuda = native().cudaAvailable();
  if (d === 'cuda' && !cuda)
    throw new Error('--device cuda: CUDA is not available (this libtorch is a CPU build or no GPU is visible); use --device cpu, or build against a CUDA libtorch with LIBTORCH=/path/to/libtorch');
  if (d === 'auto') return cuda ? 'cuda' : 'cpu';
  return d;
}

/** The addon's options from a run's configuration (settings that older checkpoints lack take the value they trained with). */
export function nativeOptions(c: TrainConfig, device: 'cpu' | 'cuda'): NativeOptions {
  const { learningRateG, learningRateD, beta1, clipNorm, alpha, emaDecay, seed, loss, gLoss, updateRate, reconWeight, reconSteps } = c;
  return { learningRateG, learningRateD, beta1, clipNorm, alpha, emaDecay, seed, loss, gLoss, updateRate, reconWeight, reconSteps, device, adamEpsilon: c.adamEpsilon ?? 'pytorch', gan: c.gan ?? true, fakeBatchNorm: c.fakeBatchNorm ?? 'own', precision: c.precision ?? 'fp32' };
}

/** A model to train, or with `weights` (every network tensor, by name) one for inference. */
export function buildModel(c: TrainConfig, mc: ModelConfig, weights?: Weights): BuiltModel {
  native().setThreads(c.threads);
  const device = resolveDevice(c.device);
  const desc = describeModel(mc);
  return { desc, model: createModel(desc, nativeOptions(c, device), weights), device };
}
