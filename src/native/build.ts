/** From a training configuration and a dataset's shape to a described, built native model. */
import type { TrainConfig } from '../config';
import { describeModel, type ModelConfig, type ModelDescription } from '../model/describe';
import { createModel, native, type NativeModel } from './addon';

export interface BuiltModel { desc: ModelDescription; model: NativeModel; device: 'cpu' | 'cuda' }

export function modelConfigFor(c: TrainConfig, data: { h: number; w: number; c: number; k: number }): ModelConfig {
  const mc: ModelConfig = { model: c.model, h: data.h, w: data.w, c: data.c, k: data.k, nz: c.nZ, normType: c.normType, deconvType: c.deconvType, loss: c.loss };
  return c.officialInit ? { ...mc, officialInit: true } : mc;
}

/** `auto` means CUDA when this libtorch has it and a GPU is visible, else CPU. */
export function resolveDevice(d: TrainConfig['device']): 'cpu' | 'cuda' {
  if (d === 'auto') return native().cudaAvailable() ? 'cuda' : 'cpu';
  return d;
}

export function buildModel(c: TrainConfig, mc: ModelConfig): BuiltModel {
  native().setThreads(c.threads);
  const device = resolveDevice(c.device);
  const desc = describeModel(mc);
  const model = createModel(desc, {
    lrG: c.learningRateG,
    lrD: c.learningRateD,
    beta1: c.beta1,
    clipNorm: c.clipNorm,
    seed: c.seed,
    device,
    loss: c.loss,
    gLoss: c.gLoss,
    alpha: c.alpha,
    emaDecay: c.emaDecay,
    adamEpsilon: c.adamEpsilon,
  });
  return { desc, model, device };
}
